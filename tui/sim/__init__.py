"""The embedded simulated Kubernetes API server with DVP controllers."""
