"""The run: the timed ledger and pgbench phases, their figures, the environment."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import platform
import subprocess
import time
from collections import Counter, defaultdict

from . import MIX, REPO
from .client import client_process
from .db import Sampler, checkpoint, db_stats, url_parts
from .pgbench import PgBench


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def _ledger_figures(reports: list[dict], elapsed: float, sql_stats: bool) -> dict:
    """Ops/s by type and in total, latencies, and (optionally) SQL per op."""
    counts, errors, rejected = Counter(), Counter(), Counter()
    sql_n, sql_s, commit_s = Counter(), Counter(), Counter()
    latency = defaultdict(list)
    for r in reports:
        counts.update(r["counts"])
        errors.update(r["errors"])
        rejected.update(r["rejected"])
        sql_n.update(r["sql_n"])
        sql_s.update(r["sql_s"])
        commit_s.update(r["commit_s"])
        for op, values in r["latency"].items():
            latency[op].extend(values)
    total = sum(counts.values())
    by_type = {}
    for op in MIX:
        n = counts.get(op, 0)
        values = sorted(latency.get(op, []))
        row = {
            "ops": n,
            "ops_per_s": n / elapsed if elapsed else 0.0,
            "share": n / total if total else 0.0,
            "ms_mean": sum(values) / n * 1e3 if n else 0.0,
            "ms_p50": _pct(values, 0.50) * 1e3,
            "ms_p95": _pct(values, 0.95) * 1e3,
            "ms_p99": _pct(values, 0.99) * 1e3,
        }
        if sql_stats and n:
            row |= {
                "statements_per_op": sql_n[op] / n,
                "ms_in_statements": sql_s[op] / n * 1e3,  # incl. the implicit BEGIN
                "ms_in_commit": commit_s[op] / n * 1e3,  # incl. deferred triggers
                "ms_other": (sum(values) - sql_s[op] - commit_s[op]) / n * 1e3,
            }
        by_type[op] = row
    every = sorted(v for values in latency.values() for v in values)
    client_cpu = sum(r["client_cpu_s"] for r in reports)
    backend = [r["backend_cpu_s"] for r in reports]
    backend_cpu = None if None in backend else sum(backend)
    return {
        "client_cpu_ms_per_op": client_cpu / total * 1e3 if total else None,
        "backend_cpu_ms_per_op": backend_cpu / total * 1e3
        if total and backend_cpu is not None
        else None,
        "elapsed_s": elapsed,
        "ops": total,
        "ops_per_s": total / elapsed if elapsed else 0.0,
        "ms_mean": sum(every) / total * 1e3 if total else 0.0,
        "ms_p50": _pct(every, 0.50) * 1e3,
        "ms_p95": _pct(every, 0.95) * 1e3,
        "ms_p99": _pct(every, 0.99) * 1e3,
        "by_type": by_type,
        "rejected": dict(rejected),
        "errors": dict(errors),
    }


def run_phases(args, url: str, run_id: str, accounts: list) -> dict:
    """``--rounds`` times: the ledger's timed phase, then pgbench's."""
    dbname = url_parts(url)["dbname"]
    opts = {
        "seconds": args.seconds,
        "ops": args.ops,
        "seed": args.seed,
        "rounds": args.rounds,
        "sql_stats": args.sql_stats,
        "track_functions": args.track_functions,
        "profile": args.profile,
        "db_options": args.db_options,
    }
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(args.clients + 1)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=client_process,
            args=(i, url, run_id, accounts[i :: args.clients], opts, barrier, queue),
        )
        for i in range(args.clients)
    ]
    for p in procs:
        p.start()
    pgbench = None if args.no_pgbench else PgBench(args, url)
    init_command = pgbench.init() if pgbench else None

    rounds, all_reports = [], []
    for round_no in range(args.rounds):
        checkpointed = checkpoint(url)
        before = db_stats(url, dbname)
        with Sampler(url, (dbname, args.pgbench_db)) as ledger_load:
            with contextlib.suppress(Exception):  # a client died: its report says why
                barrier.wait(timeout=600)
            reports = [queue.get() for _ in procs]
        fatal = [r["fatal"] for r in reports if "fatal" in r]
        if fatal:
            for p in procs:
                p.kill()
            raise SystemExit("a ledger client failed:\n" + "\n".join(fatal))
        time.sleep(0.2)  # the clients' flushed commit counters reach shared memory
        after = db_stats(url, dbname)
        elapsed = max(r["elapsed"] for r in reports)
        led = _ledger_figures(reports, elapsed, args.sql_stats)
        led["db_commits_per_op"] = (after["commits"] - before["commits"]) / led["ops"]
        led["db_rollbacks"] = after["rollbacks"] - before["rollbacks"]
        led["wal_bytes_per_op"] = (after["wal"] - before["wal"]) / led["ops"]
        led["load"] = ledger_load.figures()
        all_reports.extend(reports)
        pgb = None
        if pgbench:
            checkpoint(url)
            pgb = pgbench.run()
        ratio = led["ops_per_s"] / pgb["tps"] if pgb else None
        rounds.append(
            {
                "round": round_no + 1,
                "checkpoint_before": checkpointed,
                "ledger": led,
                "pgbench": pgb,
                "ratio": ratio,
            }
        )
        print(
            f"round {round_no + 1}/{args.rounds}: ledger {led['ops_per_s']:.1f} ops/s"
            + (f", pgbench {pgb['tps']:.1f} tps, ratio {ratio:.3f}" if pgb else ""),
            flush=True,
        )
    for p in procs:
        p.join()

    # Over all rounds: total ledger ops over total ledger time, pgbench likewise.
    elapsed = sum(r["ledger"]["elapsed_s"] for r in rounds)
    ledger_total = _ledger_figures(all_reports, elapsed, args.sql_stats)
    for name in ("db_commits_per_op", "wal_bytes_per_op"):
        ledger_total[name] = (
            sum(r["ledger"][name] * r["ledger"]["ops"] for r in rounds) / ledger_total["ops"]
        )
    ledger_total["db_rollbacks"] = sum(r["ledger"]["db_rollbacks"] for r in rounds)
    ledger_total["load"] = _mean_load([r["ledger"]["load"] for r in rounds])
    ledger_total["synchronous_commit"] = sorted({r["synchronous_commit"] for r in all_reports})
    statements = Counter(), Counter()
    for r in all_reports:
        for label, (n, s) in r.get("statements", {}).items():
            statements[0][label] += n
            statements[1][label] += s
    if statements[0]:
        ledger_total["statements"] = [
            {"statement": label, "count": n, "ms_mean": statements[1][label] / n * 1e3}
            for label, n in statements[0].most_common()
        ]
    ledger_total["profile_file"] = next(
        (r["profile_file"] for r in all_reports if "profile_file" in r), None
    )
    pgb_total = None
    if pgbench:
        runs = [r["pgbench"] for r in rounds]
        txs = sum(run["transactions"] for run in runs)

        def per_tx(name):  # weighted by transactions
            if not txs or any(run[name] is None for run in runs):
                return None
            return sum(run[name] * run["transactions"] for run in runs) / txs

        pgb_total = {
            # the mean of pgbench's own tps figures (excluding connection time)
            "tps": sum(run["tps"] for run in runs) / len(runs),
            "transactions": txs,
            "seconds": sum(run["seconds"] for run in runs),
            "latency_ms": sum(run["latency_ms"] or 0 for run in runs) / len(runs),
            "scale": pgbench.scale,
            "load": _mean_load([run["load"] for run in runs]),
            "init_command": init_command,
            "command": runs[0]["command"],
        } | {
            name: per_tx(name)
            for name in (
                "wal_bytes_per_tx",
                "client_cpu_ms_per_tx",
                "backend_cpu_ms_per_tx",
            )
        }
    return {"rounds": rounds, "ledger": ledger_total, "pgbench": pgb_total}


def _mean_load(loads: list[dict]) -> dict:
    out = {}
    for name in ("cpu_busy", "other_backends"):
        values = [(x[name], x["samples"]) for x in loads if x[name] is not None]
        n = sum(w for _, w in values)
        out[name] = sum(v * w for v, w in values) / n if n else None
    return out


def function_stats() -> list[dict]:
    """Server time in the ledger's PL/pgSQL trigger functions (track_functions)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions "
            "WHERE funcname LIKE 'rewards%%' ORDER BY total_time DESC"
        )
        return [
            {"function": f, "calls": c, "total_ms": float(t), "self_ms": float(s)}
            for f, c, t, s in cursor.fetchall()
        ]


def _git_revision() -> str | None:
    """The commit measured, with ``+changes`` when the ledger's code differs from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "saleor_rewards"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if changed else "")


def environment(url: str) -> dict:
    import django
    import psycopg
    from django.db import connection

    settings = {}
    with connection.cursor() as cursor:
        for name in (
            "server_version",
            "synchronous_commit",
            "fsync",
            "wal_sync_method",
            "full_page_writes",
            "shared_buffers",
            "max_wal_size",
            "commit_delay",
            "jit",
        ):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        settings["other_active_backends"] = cursor.fetchone()[0]
    return {
        "git": _git_revision(),
        "python": platform.python_version(),
        "django": django.__version__,
        "psycopg": psycopg.__version__,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        "host": platform.node(),
        "database": url_parts(url) | {"password": None},
        "postgres": settings,
    }
