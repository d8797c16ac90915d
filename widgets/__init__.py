"""Reusable Textual widgets that know nothing of Kubernetes."""
