"""Benchmarks: `make bench` (or `python -m bench`) runs each on SQLite, then on PostgreSQL. See README.md."""
