"""Benchmarks: `make bench` prints each figure as `name=value` on its own line."""
