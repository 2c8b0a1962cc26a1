"""Benchmarks and the synthetic register generator (not run by pytest)."""
