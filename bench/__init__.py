"""Benchmarks, run by hand (``make bench``), printing tables."""
