"""Benchmarks run by `make bench`: each `bench/<name>.py` runs as `python -m bench.<name>`."""
