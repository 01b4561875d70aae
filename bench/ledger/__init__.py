"""Ledger throughput benchmark, measured against pgbench on the same server.

Posts a realistic mix of ledger operations (credits, some pending and activated
later, soonest-expiry debits spanning several lots, holds with captures and
releases, returns) for many members through the ledger's PUBLIC functions only
(``saleor_rewards.ledger``), then runs PostgreSQL's own pgbench (built-in
TPC-B-like script) with the same number of clients against the same server, and
prints both rates and their ratio. Goal: the ledger reaches at least half of
pgbench's rate. Each public call is one ledger operation and one database
transaction. The ledger audit runs afterwards: the run must leave it clean.

Run it with ``bench/ledger_bench.py``. The modules, in the order of a run:
``cli`` (options, main), ``db`` (database plumbing), ``seed`` (setup),
``client`` (the ledger clients), ``pgbench``, ``run`` (the timed phases) and
``report`` (the printed summary). This module holds the settings they share.
See bench/README.md for the options and what is measured.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"
# REWARDS_BENCH_DB names the ledger's bench database (and, with a suffix, pgbench's),
# so that several checkouts can bench on one server side by side; it wins over
# DATABASE_URL.
BENCH_DB = os.environ.get("REWARDS_BENCH_DB", "")
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB or 'rewards_bench'}"
DEFAULT_PGBENCH_DB = f"{BENCH_DB}_pgbench" if BENCH_DB else "rewards_pgbench"
GOAL = 0.5  # ledger ops/s must reach at least this fraction of pgbench's tps

# The timed mix: operation -> weight. Each is exactly one public ledger call.
# When an operation has nothing to work on (no pending lot to activate, no open
# hold, no debit to return, too little balance) the client posts the operation
# that creates it instead, so the measured mix stays close to these weights.
MIX = {
    "credit": 22,  # earn, available at once, with an expiry (a new lot)
    "credit_pending": 10,  # earn, pending (e.g. until the return window closes)
    "activate": 10,  # pending lot -> available, its expiry clock starts
    "debit": 22,  # redeem, soonest-expiring lots first, over several lots
    "hold": 14,  # checkout reserves balance (first phase)
    "capture": 12,  # order placed: hold captured (1 in 4 partially)
    "release": 4,  # checkout abandoned: hold goes back to its lots
    "return_debit": 6,  # order refunded: (part of) a debit back to its lots
}
EXPIRY_DAYS = (30, 60, 90, 180, 365, None)
SOURCES = ("loyalty", "bonus", "referral", "review")
MIN_SPEND = 60  # below this tracked balance a debit or hold becomes a credit
