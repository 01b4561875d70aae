"""Benchmarks (a regular package, so that ``bench.ledger`` is always this one)."""
