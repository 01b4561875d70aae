#!/usr/bin/env python
"""Jobs at scale: expiry, activation, tier recompute over 10k, 100k and 1M lots.

    python bench/jobs_bench.py                       # the curve: 10k, 100k, 1M lots
    python bench/jobs_bench.py --sizes 1000000       # the 1M-lot figures only

The code is the package bench/jobs/ (JOBS lists the jobs). See bench/README.md.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    repo = str(Path(__file__).resolve().parent.parent)
    if repo not in sys.path:
        sys.path.insert(0, repo)
    from bench.jobs.run import main

    sys.exit(main())
