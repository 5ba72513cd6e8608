"""Benchmarks of the portal on the production stack (PostgreSQL + Redis + several daphne processes).

`make bench` runs them all (bench/run.py); they are never part of `make test`.
"""
