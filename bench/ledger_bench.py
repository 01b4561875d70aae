#!/usr/bin/env python
"""Ledger throughput benchmark, measured against pgbench on the same server.

    PYENV_VERSION=3.12.1 python bench/ledger_bench.py            # 10,000 members
    PYENV_VERSION=3.12.1 python bench/ledger_bench.py --clients 2
    PYENV_VERSION=3.12.1 python bench/ledger_bench.py --quick    # CI smoke run

The code is the package bench/ledger/. See bench/README.md for the options and
what is measured.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    # The repository root, for bench.ledger and for Django's tests.settings. The
    # client and setup processes (spawned) start with this sys.path too.
    repo = str(Path(__file__).resolve().parent.parent)
    if repo not in sys.path:
        sys.path.insert(0, repo)
    from bench.ledger.cli import main

    sys.exit(main())
