"""Benchmarks (not run by pytest): `python -m bench <name>`."""
