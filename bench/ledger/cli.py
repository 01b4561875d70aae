"""The command line: options, then setup, the run, the audit and the summary."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime

from . import BENCH_DB, DEFAULT_PGBENCH_DB, DEFAULT_URL, GOAL, MIX, REPO, RESULTS
from .db import bootstrap, ensure_database, url_parts
from .report import print_summary
from .run import environment, function_stats, run_phases
from .seed import setup_ledger


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="Ledger ops/s through the public functions vs pgbench tps.",
    )
    ap.add_argument(
        "--members",
        type=int,
        default=None,
        help="members (accounts); default 10000, 200 with --quick",
    )
    ap.add_argument(
        "--lots-per-member",
        type=int,
        default=4,
        help="seed lots per member, each with its own expiry (default 4)",
    )
    ap.add_argument(
        "--clients",
        type=int,
        default=1,
        help="concurrent ledger processes, and pgbench -c/-j (default 1)",
    )
    run = ap.add_mutually_exclusive_group()
    run.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="timed ledger phase per client and round (default 30; 3 with --quick)",
    )
    run.add_argument(
        "--ops",
        type=int,
        default=None,
        help="ledger operations per client and round, instead of --seconds",
    )
    ap.add_argument(
        "--pgbench-seconds",
        type=int,
        default=None,
        help="pgbench -T per round (default: --seconds, else 30)",
    )
    ap.add_argument(
        "--pgbench-scale",
        type=int,
        default=None,
        help="pgbench -i -s (default: the number of clients)",
    )
    ap.add_argument(
        "--pgbench-db", default=DEFAULT_PGBENCH_DB, help=f"default {DEFAULT_PGBENCH_DB}"
    )
    ap.add_argument("--no-pgbench", action="store_true", help="skip pgbench (no ratio)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate ledger and pgbench phases this many times (default 1)",
    )
    ap.add_argument(
        "--quick", action="store_true", help="smoke run for CI: 200 members, 3 s phases"
    )
    ap.add_argument(
        "--fresh",
        action="store_true",
        help="drop and recreate the ledger database first (rewards_bench* only)",
    )
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the accounts of the latest earlier run with the same "
        "--members and --lots-per-member instead of seeding new ones",
    )
    ap.add_argument(
        "--setup-workers",
        type=int,
        default=os.cpu_count() or 2,
        help="processes that open accounts and seed lots (default: CPUs)",
    )
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument(
        "--sql-stats",
        "--count-sql",
        dest="sql_stats",
        action="store_true",
        help="count and time the SQL statements and COMMITs of each operation",
    )
    ap.add_argument(
        "--track-functions",
        action="store_true",
        help="server time in the ledger's trigger functions (superuser)",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="cProfile client 0 into bench/results/ (slows it down)",
    )
    ap.add_argument(
        "--server-side-binding",
        action="store_true",
        help="experiment: OPTIONS server_side_binding=True for the ledger "
        "clients (psycopg binds parameters on the server)",
    )
    ap.add_argument(
        "--prepare-threshold",
        type=int,
        default=None,
        help="experiment: OPTIONS prepare_threshold=N (psycopg prepares a "
        "statement after N runs; needs --server-side-binding)",
    )
    ap.add_argument("--strict", action="store_true", help="exit 2 when the ratio misses the goal")
    ap.add_argument(
        "--no-json",
        action="store_true",
        help="do not write the summary to bench/results/",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.members = args.members or 200
        if args.seconds is None and args.ops is None:
            args.seconds = 3
        if args.pgbench_seconds is None:
            args.pgbench_seconds = 3
    args.members = args.members or 10_000
    if args.seconds is None and args.ops is None:
        args.seconds = 30
    if args.pgbench_seconds is None:
        args.pgbench_seconds = max(1, round(args.seconds)) if args.seconds else 30
    if args.clients < 1 or args.members < args.clients or args.lots_per_member < 1:
        ap.error("need --clients >= 1, --members >= --clients, --lots-per-member >= 1")
    if args.rounds < 1 or (args.seconds is not None and args.seconds <= 0):
        ap.error("need --rounds >= 1 and --seconds > 0")
    if args.prepare_threshold is not None and not args.server_side_binding:
        ap.error("--prepare-threshold needs --server-side-binding")
    args.db_options = {}
    if args.server_side_binding:
        args.db_options["server_side_binding"] = True
    if args.prepare_threshold is not None:
        args.db_options["prepare_threshold"] = args.prepare_threshold
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    url = DEFAULT_URL if BENCH_DB else os.environ.get("DATABASE_URL", DEFAULT_URL)
    dbname = url_parts(url)["dbname"]
    if args.fresh and not (dbname.startswith("rewards_bench") or dbname == BENCH_DB):
        raise SystemExit(f"--fresh drops the database: refused for {dbname!r}.")
    if dbname == args.pgbench_db:
        raise SystemExit("the ledger and pgbench need different databases.")
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"

    created = ensure_database(url, dbname, fresh=args.fresh)
    bootstrap(url)
    from django.core.management import call_command
    from django.db import connection

    from saleor_rewards import ledger

    print(
        f"database {dbname} {'created' if created else 'exists'}; migrate ...",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    env = environment(url)
    connection.close()

    print(f"setup: {args.members} members x {args.lots_per_member} lots ...", flush=True)
    setup = setup_ledger(args, url, run_id)
    if setup["reused"]:
        print(f"setup: reusing the accounts of channel {setup['channel']}", flush=True)
    else:
        print(f"setup: {setup['seconds']:.1f} s ({setup['calls_per_s']:.0f} calls/s)", flush=True)

    # What autovacuum would long have done in a live ledger: the timed phase must not
    # run on the planner statistics of a table that was empty a minute ago.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE rewards_account, rewards_lot, rewards_entry, rewards_allocation, rewards_hold"
        )
    setup["analyze_seconds"] = time.perf_counter() - started
    functions_before = function_stats() if args.track_functions else None
    connection.close()

    what = f"{args.seconds:g} s" if args.seconds else f"{args.ops} ops"
    then = "" if args.no_pgbench else f" + pgbench {args.pgbench_seconds} s"
    print(
        f"timed: {args.clients} client(s), {args.rounds} round(s) of ledger {what}{then} ...",
        flush=True,
    )
    phases = run_phases(args, url, run_id, setup.pop("accounts"))
    led, pgb = phases["ledger"], phases["pgbench"]

    functions = None
    if args.track_functions:
        time.sleep(0.5)  # the clients' last statistics reach shared memory
        before = {f["function"]: f for f in functions_before}
        functions = [
            {
                "function": f["function"],
                **{
                    k: f[k] - before.get(f["function"], {}).get(k, 0)
                    for k in ("calls", "total_ms", "self_ms")
                },
            }
            for f in function_stats()
        ]
    print("audit ...", flush=True)
    counts, drifts = ledger.audit()
    audit = {"counts": counts, "clean": not drifts, "drifts": [str(d) for d in drifts]}
    connection.close()

    ratio = led["ops_per_s"] / pgb["tps"] if pgb else None
    summary = {
        "run_id": run_id,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([os.path.relpath(sys.argv[0], REPO), *sys.argv[1:]]),
        "goal": GOAL,
        "ratio": ratio,
        "pass": ratio is not None and ratio >= GOAL,
        "clients": args.clients,
        "members": args.members,
        "lots_per_member": args.lots_per_member,
        "seconds_per_client": args.seconds,
        "ops_per_client": args.ops,
        "rounds": phases["rounds"],
        "quick": args.quick,
        "sql_stats": args.sql_stats,
        "profile": args.profile,
        "db_options": args.db_options,
        "mix_weights": MIX,
        "environment": env,
        "setup": setup,
        "ledger": led,
        "pgbench": pgb,
        "functions": functions,
        "audit": audit,
    }
    if not args.no_json:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"ledger_bench_{run_id}_c{args.clients}.json"
        path.write_text(json.dumps(summary, indent=2, default=str) + "\n")
        summary["results_file"] = str(path.relative_to(REPO))
    print_summary(summary)
    if not audit["clean"] or led["errors"]:
        return 1
    if args.strict and pgb and not summary["pass"]:
        return 2
    return 0
