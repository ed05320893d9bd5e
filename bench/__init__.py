"""Praxis benchmarks (action env, Python 3.11): `make bench`."""
