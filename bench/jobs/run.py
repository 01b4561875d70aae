"""``make bench-jobs``: the jobs of ``JOBS`` at 10k, 100k and 1M lots (the curve).

Each size gets the bench database emptied, then ``seed``; each job runs once, timed,
with its progress printed and the process's memory (RSS) before and after, then
the ledger audit proves the result (``--audit``, on by default). The figures go
to ``bench/results/jobs_<run id>.json``, a table, and a plot (``.png`` beside the
JSON) when matplotlib is installed (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import UTC, datetime

from bench.jobs import JOBS, Context
from bench.ledger import BENCH_DB, REPO, RESULTS
from bench.ledger.db import bootstrap, ensure_database

LEDGER_TABLES = (
    "rewards_allocation, rewards_entry, rewards_hold, rewards_lot, rewards_account, "
    "rewards_order_award, rewards_member_tier, rewards_tier, rewards_program"
)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def loadavg() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="lot counts (the curve)")
    ap.add_argument("--lots-per-member", type=int, default=5, help="default 5 (1M lots: 200k)")
    ap.add_argument("--no-audit", action="store_true", help="skip the ledger audit after")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    return ap.parse_args(argv)


def run_size(lots: int, members: int, audit: bool) -> dict:
    from django.db import connection

    from saleor_rewards import ledger

    from .seed import seed

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {LEDGER_TABLES} CASCADE")
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    program = seed(f"bench-jobs-{lots}", lots, members, now)
    seeded = time.perf_counter() - started
    print(f"\n== {lots:,} lots, {members:,} members: seeded in {seeded:.1f} s", flush=True)
    figures = {"lots": lots, "members": members, "seed_seconds": seeded, "jobs": []}
    for job in JOBS:
        last = [time.perf_counter()]

        def progress(done, job=job, last=last):
            if time.perf_counter() - last[0] >= 2:
                last[0] = time.perf_counter()
                print(f"   {job.name}: {done:,} ...", flush=True)

        ctx = Context(
            program=program, now=now, settings={"tier_window_days": 365}, progress=progress
        )
        rss_before = rss_mb()
        load = loadavg()
        started = time.perf_counter()
        rows = job.run(ctx)
        seconds = time.perf_counter() - started
        growth = rss_mb() - rss_before
        ok = seconds <= job.target_seconds
        figures["jobs"].append(
            {
                "job": job.name,
                "rows": rows,
                "seconds": seconds,
                "target_seconds": job.target_seconds,
                "pass": ok,
                "rss_growth_mb": growth,
                "loadavg": load,
            }
        )
        print(
            f"   {job.name:<26} {rows:>9,} rows {seconds:8.2f} s  "
            f"(target {job.target_seconds:g} s: {'PASS' if ok else 'FAIL'})  "
            f"RSS {growth:+.1f} MB  load {load[0]:.2f}",
            flush=True,
        )
    if audit:
        started = time.perf_counter()
        counts, drifts = ledger.audit()
        figures["audit"] = {
            "seconds": time.perf_counter() - started,
            "clean": not drifts,
            "drifts": [str(d) for d in drifts[:20]],
            "counts": counts,
        }
        print(
            f"   audit: {'clean' if not drifts else f'{len(drifts)} DRIFT(S)'} "
            f"in {figures['audit']['seconds']:.1f} s",
            flush=True,
        )
    connection.close()
    return figures


def table(runs: list[dict]) -> str:
    names = [j["job"] for j in runs[0]["jobs"]]
    head = f"{'lots':>10} {'members':>9} " + " ".join(f"{n[:22]:>24}" for n in names)
    lines = [head, "-" * len(head)]
    for run in runs:
        cells = " ".join(
            f"{j['seconds']:>9.2f} s {'PASS' if j['pass'] else 'FAIL'} {j['rss_growth_mb']:+5.0f}M"
            for j in run["jobs"]
        )
        lines.append(f"{run['lots']:>10,} {run['members']:>9,} {cells}")
    return "\n".join(lines)


def plot(runs: list[dict], path) -> bool:
    if extra := os.environ.get("REWARDS_BENCH_MPL"):  # matplotlib installed apart (--target)
        sys.path.append(extra)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot: matplotlib is not installed (pip install '.[bench]'): table only")
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, name in enumerate(j["job"] for j in runs[0]["jobs"]):
        ax.plot(
            [r["lots"] for r in runs],
            [r["jobs"][i]["seconds"] for r in runs],
            marker="o",
            label=name,
        )
    ax.axhline(60, color="red", linestyle="--", linewidth=1, label="target 60 s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("lots (members = lots / 5), one channel")
    ax.set_ylabel("seconds, one pass")
    ax.set_title("saleor-rewards jobs: time against ledger size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def main(argv=None) -> int:
    args = parse_args(argv)
    name = f"{BENCH_DB or 'rewards_bench'}_jobs"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    ensure_database(url, name, fresh=args.fresh)
    bootstrap(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    print(f"jobs bench {run_id} on {name}; load {loadavg()}", flush=True)
    runs = []
    for lots in [int(s) for s in args.sizes.split(",")]:
        runs.append(run_size(lots, max(1, lots // args.lots_per_member), not args.no_audit))
    print("\n" + table(runs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process {peak:.0f} MB; load {loadavg()}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"jobs_{run_id}.json"
    summary = {"run_id": run_id, "database": name, "runs": runs, "peak_rss_mb": peak}
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(f"results {path.relative_to(REPO)}")
    if not args.no_plot and plot(runs, path.with_suffix(".png")):
        print(f"plot    {path.with_suffix('.png').relative_to(REPO)}")
    failed = any(not j["pass"] for r in runs for j in r["jobs"])
    dirty = any(r.get("audit") and not r["audit"]["clean"] for r in runs)
    return 1 if dirty else 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
