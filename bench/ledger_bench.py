#!/usr/bin/env python
"""Ledger throughput benchmark, measured against pgbench on the same server.

Posts a realistic mix of ledger operations (credits, some pending and activated
later, soonest-expiry debits spanning several lots, holds with captures and
releases, returns) for many members through the ledger's PUBLIC functions only
(``saleor_rewards.ledger``), then runs PostgreSQL's own pgbench (built-in
TPC-B-like script) with the same number of clients against the same server, and
prints both rates and their ratio. Goal: the ledger reaches at least half of
pgbench's rate. Each public call is one ledger operation and one database
transaction. The ledger audit runs afterwards: the run must leave it clean.

    PYENV_VERSION=3.12.1 python bench/ledger_bench.py                 # 10,000 members, 1 client
    PYENV_VERSION=3.12.1 python bench/ledger_bench.py --clients 2
    PYENV_VERSION=3.12.1 python bench/ledger_bench.py --quick         # CI smoke run

See bench/README.md for every option.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict, deque
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rewards_bench"
DEFAULT_PGBENCH_DB = "rewards_pgbench"
GOAL = 0.5  # ledger ops/s must reach at least this fraction of pgbench's tps

# The timed mix: operation -> weight. Each is exactly one public ledger call.
# When an operation has nothing to work on (no pending lot to activate, no open
# hold, no debit to return, too little balance) the worker posts the operation
# that creates it instead, so the measured mix stays close to these weights.
MIX = {
    "credit": 22,          # earn, available at once, with an expiry (new lot)
    "credit_pending": 10,  # earn, pending (e.g. until the return window closes)
    "activate": 10,        # pending lot -> available, expiry clock starts
    "debit": 22,           # redeem, soonest-expiring lots first, over several lots
    "hold": 14,            # checkout reserves balance (first phase)
    "capture": 12,         # order placed: hold captured (1 in 4 partially)
    "release": 4,          # checkout abandoned: hold released to its lots
    "return_debit": 6,     # order refunded: (part of) a debit back to its lots
}
EXPIRY_DAYS = (30, 60, 90, 180, 365, None)
SOURCES = ("loyalty", "bonus", "referral", "review")


# --------------------------------------------------------------------------- setup


def _bootstrap(url: str) -> None:
    """Django for this process: tests.settings on ``url`` (call once per process)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _url_parts(url: str) -> dict:
    u = urlparse(url)
    return {
        "host": u.hostname or "127.0.0.1",
        "port": str(u.port or 5432),
        "user": unquote(u.username) if u.username else "postgres",
        "password": unquote(u.password) if u.password else None,
        "dbname": u.path.lstrip("/"),
    }


def _admin_conn(url: str):
    import psycopg

    p = _url_parts(url)
    return psycopg.connect(
        host=p["host"], port=p["port"], user=p["user"], password=p["password"],
        dbname="postgres", autocommit=True,
    )  # fmt: skip


def _ensure_database(url: str, name: str, *, fresh: bool) -> bool:
    """Create database ``name`` on the server of ``url`` if missing; True if created."""
    from psycopg import sql

    with _admin_conn(url) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def _checkpoint(url: str) -> bool:
    """CHECKPOINT so that neither timed phase pays for the other's dirty pages."""
    try:
        with _admin_conn(url) as conn:
            conn.execute("CHECKPOINT")
        return True
    except Exception:  # not a superuser: carry on, noted in the results
        return False


def _seed_chunk(job: tuple) -> list[tuple[int, int, int]]:
    """Open the accounts of some members and credit their seed lots (pool task)."""
    from saleor_rewards import ledger
    from saleor_rewards.ledger.models import Program

    program_id, run_id, members, lots_per_member, seed = job
    rng = random.Random(seed)
    program = Program.objects.get(id=program_id)
    out = []
    for member in members:
        account = ledger.open_account(program, member, ledger.Kind.POINTS)
        available = 0
        # Distinct expiries per member, so that a debit walks several lots FEFO.
        expiries = rng.sample(EXPIRY_DAYS, min(lots_per_member, len(EXPIRY_DAYS)))
        for i in range(lots_per_member):
            days = expiries[i % len(expiries)]
            posting = ledger.credit(
                account.id, rng.randint(40, 150), key=f"seed:{run_id}:{member}:{i}",
                source=rng.choice(SOURCES), expires_in_days=days,
                reference=ledger.Reference("ORDER", f"seed-{member}-{i}"),
            )  # fmt: skip
            available = int(posting.available)
        out.append((member, account.id, available))
    return out


def _pool_init(url: str) -> None:
    _bootstrap(url)


def setup_ledger(args, url: str, run_id: str) -> dict:
    """Program, accounts and seed lots, through the public functions (not timed)."""
    from django.db import connection

    from saleor_rewards.ledger.models import Program

    program = Program.objects.create(channel_slug=f"bench-{run_id}", currency="USD")
    connection.close()  # no connection crosses into the pool
    members = list(range(1, args.members + 1))
    chunk = 250
    jobs = [
        (program.id, run_id, members[i : i + chunk], args.lots_per_member,
         args.seed * 1_000_003 + i)
        for i in range(0, len(members), chunk)
    ]  # fmt: skip
    workers = max(1, min(args.setup_workers, len(jobs)))
    started = time.perf_counter()
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_pool_init, initargs=(url,)) as pool:
        rows = [row for part in pool.imap_unordered(_seed_chunk, jobs) for row in part]
    elapsed = time.perf_counter() - started
    rows.sort()
    calls = len(members) * (1 + args.lots_per_member)
    return {
        "program_id": program.id,
        "channel": program.channel_slug,
        "accounts": [(account_id, available) for _m, account_id, available in rows],
        "seconds": elapsed,
        "calls": calls,
        "calls_per_s": calls / elapsed if elapsed else 0.0,
        "workers": workers,
    }


# ---------------------------------------------------------------------- timed phase


class _SqlCounter:
    """execute_wrapper counting the statements Django sends (not BEGIN/COMMIT)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _timed_worker(widx, url, run_id, accounts, opts, barrier, queue):
    """One client: its own process and connection, posting the mix until done."""
    try:
        _bootstrap(url)
        from django.db import connection

        from saleor_rewards import ledger
        from saleor_rewards.ledger.errors import RewardsError

        connection.ensure_connection()
        if opts["track_functions"]:
            with connection.cursor() as cursor:
                cursor.execute("SET track_functions = 'pl'")
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            sync_commit = cursor.fetchone()[0]

        rng = random.Random(opts["seed"] * 7919 + widx)
        available = dict(accounts)  # account id -> available, from each Posting
        ids = list(available)
        pending = deque()  # lot ids of pending credits, oldest first
        holds = deque()  # (hold id, account id, amount) of open holds
        debits = deque(maxlen=5000)  # (entry id, amount) of debits not yet returned
        names = list(MIX)
        weights = list(MIX.values())
        counts, latency, sql_counts = Counter(), defaultdict(list), Counter()
        errors, rejected = Counter(), Counter()
        counter = _SqlCounter()
        seq = 0
        back = {"released": 0}  # what a partial capture gave back besides its entry

        def key():
            nonlocal seq
            seq += 1
            return f"bench:{run_id}:{widx}:{seq}"

        def step():
            op = rng.choices(names, weights)[0]
            # Substitute what the chosen operation needs when there is none of it.
            if op == "activate" and not pending:
                op = "credit_pending"
            if op in ("capture", "release") and not holds:
                op = "hold"
            if op == "return_debit" and not debits:
                op = "debit"
            acc = rng.choice(ids)
            if op in ("debit", "hold") and available[acc] < 60:
                op = "credit"
            ref = ledger.Reference("ORDER", f"{run_id}-{widx}-{seq}")

            if op == "credit":
                days = rng.choice(EXPIRY_DAYS)
                return op, lambda: ledger.credit(
                    acc, rng.randint(5, 120), key=key(), source=rng.choice(SOURCES),
                    expires_in_days=days, reference=ref,
                )  # fmt: skip
            if op == "credit_pending":
                return op, lambda: ledger.credit(
                    acc, rng.randint(5, 120), key=key(), source="loyalty", pending=True,
                    expires_in_days=rng.choice(EXPIRY_DAYS), reference=ref,
                )  # fmt: skip
            if op == "activate":
                lot_id = pending.popleft()
                return op, lambda: ledger.activate(lot_id)
            if op == "debit":
                amount = min(available[acc], rng.randint(60, 260))
                return op, lambda: ledger.debit(acc, amount, key=key(), reference=ref)
            if op == "hold":
                amount = min(available[acc], rng.randint(30, 200))
                expires = datetime.now(dt_timezone.utc) + timedelta(minutes=15)
                return op, lambda: ledger.hold(
                    acc, amount, key=key(), reference=ledger.Reference("CHECKOUT", ref.id),
                    expires_at=expires,
                )  # fmt: skip
            if op == "capture":
                hold_id, _acc, held = holds.popleft()
                part = rng.randint(1, held - 1) if held > 1 and rng.random() < 0.25 else None
                # A partial capture also releases the rest, after the captured entry.
                back["released"] = held - part if part else 0
                return op, lambda: ledger.capture(hold_id, part)
            if op == "release":
                hold_id, _acc, _held = holds.popleft()
                return op, lambda: ledger.release(hold_id)
            # return_debit: in full or in part
            entry_id, spent = debits.popleft()
            part = rng.randint(1, spent - 1) if spent > 1 and rng.random() < 0.5 else None
            return op, lambda: ledger.return_debit(entry_id, part, key=key())

        def record(op, posting):
            if posting is None:
                return
            available[posting.account_id] = int(posting.available)
            if op == "capture":
                available[posting.account_id] += back["released"]
            if op == "credit_pending":
                pending.append(posting.lot_id)
            elif op == "hold":
                holds.append((posting.hold_id, posting.account_id, int(-posting.amount)))
            elif op == "debit":
                debits.append((posting.entry_id, int(-posting.amount)))

        profiler = None
        if opts["profile"] and widx == 0:
            import cProfile

            profiler = cProfile.Profile()

        def one():
            op, call = step()
            before = counter.n
            t0 = time.perf_counter()
            try:
                posting = call()
            except RewardsError as exc:  # refused by the ledger: rolled back
                rejected[f"{op}:{type(exc).__name__}"] += 1
                return
            except Exception as exc:  # noqa: BLE001 - reported, never hidden
                errors[f"{op}:{type(exc).__name__}: {exc}"[:300]] += 1
                connection.close()  # a broken connection is reopened on next use
                return
            latency[op].append(time.perf_counter() - t0)
            counts[op] += 1
            sql_counts[op] += counter.n - before
            record(op, posting)

        with connection.execute_wrapper(counter) if opts["count_sql"] else _null():
            barrier.wait()
            started = time.perf_counter()
            deadline = started + opts["seconds"] if opts["seconds"] else None
            if profiler:
                profiler.enable()
            if deadline is not None:
                while time.perf_counter() < deadline:
                    one()
            else:
                for _ in range(opts["ops"]):
                    one()
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
        profile_file = None
        if profiler:
            RESULTS.mkdir(parents=True, exist_ok=True)
            profile_file = str(RESULTS / f"profile_{run_id}_client0.pstats")
            profiler.dump_stats(profile_file)
        queue.put({
            "worker": widx,
            "elapsed": elapsed,
            "counts": dict(counts),
            "latency": {op: sorted(v) for op, v in latency.items()},
            "sql": dict(sql_counts),
            "errors": dict(errors),
            "rejected": dict(rejected),
            "synchronous_commit": sync_commit,
            "profile_file": profile_file,
        })  # fmt: skip
        connection.close()
    except BaseException as exc:  # the parent must never wait forever
        import traceback

        barrier.abort()
        queue.put({"worker": widx, "fatal": f"{exc!r}\n{traceback.format_exc()}"})


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


def _db_stats(url: str, dbname: str) -> dict:
    with _admin_conn(url) as conn:
        commits, rollbacks = conn.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = %s",
            [dbname],
        ).fetchone()
        lsn = conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0]
    return {"commits": commits, "rollbacks": rollbacks, "wal": int(lsn)}


def run_ledger(args, url: str, run_id: str, accounts: list) -> dict:
    """The timed phase: ``args.clients`` processes, one connection each."""
    parts = [accounts[i :: args.clients] for i in range(args.clients)]
    opts = {
        "seconds": args.seconds, "ops": args.ops, "seed": args.seed,
        "count_sql": args.count_sql, "track_functions": args.track_functions,
        "profile": args.profile,
    }  # fmt: skip
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(args.clients + 1)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_timed_worker, args=(i, url, run_id, parts[i], opts, barrier, queue))
        for i in range(args.clients)
    ]
    for p in procs:
        p.start()
    dbname = _url_parts(url)["dbname"]
    try:
        barrier.wait(timeout=300)
    except Exception:  # a client died before the start: its report says why
        pass
    before = _db_stats(url, dbname)
    wall_started = time.perf_counter()
    results = [queue.get() for _ in procs]
    wall = time.perf_counter() - wall_started
    after = _db_stats(url, dbname)
    for p in procs:
        p.join()
    fatal = [r["fatal"] for r in results if "fatal" in r]
    if fatal:
        raise SystemExit("a ledger client failed:\n" + "\n".join(fatal))

    counts, sql, errors, rejected = Counter(), Counter(), Counter(), Counter()
    latency = defaultdict(list)
    for r in results:
        counts.update(r["counts"])
        sql.update(r["sql"])
        errors.update(r["errors"])
        rejected.update(r["rejected"])
        for op, values in r["latency"].items():
            latency[op].extend(values)
    elapsed = max(r["elapsed"] for r in results)
    total = sum(counts.values())
    by_type = {}
    for op in MIX:
        values = sorted(latency.get(op, []))
        by_type[op] = {
            "ops": counts.get(op, 0),
            "ops_per_s": counts.get(op, 0) / elapsed,
            "share": counts.get(op, 0) / total if total else 0.0,
            "ms_p50": _pct(values, 0.50) * 1e3,
            "ms_p95": _pct(values, 0.95) * 1e3,
            "ms_p99": _pct(values, 0.99) * 1e3,
            "sql_per_op": sql.get(op, 0) / counts[op] if args.count_sql and counts.get(op) else None,
        }  # fmt: skip
    all_lat = sorted(v for values in latency.values() for v in values)
    return {
        "elapsed_s": elapsed,
        "wall_s": wall,
        "ops": total,
        "ops_per_s": total / elapsed if elapsed else 0.0,
        "ms_p50": _pct(all_lat, 0.50) * 1e3,
        "ms_p95": _pct(all_lat, 0.95) * 1e3,
        "ms_p99": _pct(all_lat, 0.99) * 1e3,
        "by_type": by_type,
        "rejected": dict(rejected),
        "errors": dict(errors),
        "db_commits": after["commits"] - before["commits"],
        "db_rollbacks": after["rollbacks"] - before["rollbacks"],
        "wal_bytes_per_op": (after["wal"] - before["wal"]) / total if total else None,
        "synchronous_commit": sorted({r["synchronous_commit"] for r in results}),
        "profile_file": next((r["profile_file"] for r in results if r["profile_file"]), None),
    }


def function_stats(url: str) -> list[dict]:
    """Server-side time in the ledger's PL/pgSQL trigger functions (track_functions)."""
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


# -------------------------------------------------------------------------- pgbench


def run_pgbench(args, url: str) -> dict:
    exe = shutil.which("pgbench")
    if not exe:
        raise SystemExit("pgbench is not on PATH (use --no-pgbench to skip it).")
    p = _url_parts(url)
    env = dict(os.environ)
    if p["password"]:
        env["PGPASSWORD"] = p["password"]
    conn = ["-h", p["host"], "-p", p["port"], "-U", p["user"]]
    _ensure_database(url, args.pgbench_db, fresh=False)
    scale = args.pgbench_scale or max(1, args.clients)
    init = [exe, "-i", "-q", "-s", str(scale), *conn, args.pgbench_db]
    subprocess.run(init, check=True, env=env, capture_output=True, text=True)
    checkpointed = _checkpoint(url)
    before = _db_stats(url, args.pgbench_db)
    cmd = [
        exe, "-c", str(args.clients), "-j", str(args.clients),
        "-T", str(args.pgbench_seconds), *conn, args.pgbench_db,
    ]  # fmt: skip
    out = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
    after = _db_stats(url, args.pgbench_db)
    tps = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", out.stdout, re.M)
    lat = re.search(r"^latency average = ([0-9.]+) ms", out.stdout, re.M)
    txs = re.search(r"^number of transactions actually processed: (\d+)", out.stdout, re.M)
    if not tps:
        raise SystemExit(f"could not read pgbench's tps:\n{out.stdout}\n{out.stderr}")
    return {
        "tps": float(tps.group(1)),
        "latency_ms": float(lat.group(1)) if lat else None,
        "transactions": int(txs.group(1)) if txs else None,
        "scale": scale,
        "seconds": args.pgbench_seconds,
        "command": " ".join(cmd),
        "init_command": " ".join(init),
        "checkpoint_before": checkpointed,
        "wal_bytes_per_tx": (after["wal"] - before["wal"]) / int(txs.group(1))
        if txs and int(txs.group(1)) else None,
        "output": out.stdout,
    }


# ----------------------------------------------------------------------------- main


def environment(url: str) -> dict:
    import django
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        settings = {}
        for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method",
                     "full_page_writes", "shared_buffers", "max_wal_size", "commit_delay"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        settings["other_active_backends"] = cursor.fetchone()[0]
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "python": platform.python_version(),
        "django": django.__version__,
        "psycopg": psycopg.__version__,
        "cpus": os.cpu_count(),
        "loadavg_before": load,
        "host": platform.node(),
        "database": _url_parts(url) | {"password": None},
        "postgres": settings,
    }


def _print_summary(s: dict) -> None:
    env, led, pgb = s["environment"], s["ledger"], s.get("pgbench")
    w = print
    w("")
    w("=" * 78)
    w("Ledger benchmark summary")
    w("=" * 78)
    w(f"clients            {s['clients']}  (ledger: processes with one connection each;"
      f" pgbench: -c {s['clients']} -j {s['clients']})")
    w(f"members            {s['members']}  ({s['lots_per_member']} seed lots each, "
      f"channel {s['setup']['channel']})")
    w(f"setup              {s['setup']['calls']} public calls in {s['setup']['seconds']:.1f} s"
      f" ({s['setup']['calls_per_s']:.0f}/s, {s['setup']['workers']} processes, not timed)")
    w(f"ledger run         {led['elapsed_s']:.1f} s per client"
      + (f" ({s['ops_per_client']} ops per client)" if s.get("ops_per_client") else ""))
    w(f"postgres           {env['postgres']['server_version']}, synchronous_commit="
      f"{env['postgres']['synchronous_commit']} (ledger sessions: "
      f"{','.join(led['synchronous_commit'])}), fsync={env['postgres']['fsync']}, "
      f"wal_sync_method={env['postgres']['wal_sync_method']}")
    w(f"machine            {env['cpus']} CPUs, load {env['loadavg_before']}, other active "
      f"backends at start: {env['postgres']['other_active_backends']}")
    w("")
    w(f"{'operation':<16}{'ops':>9}{'share':>8}{'ops/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
      f"{'p99 ms':>9}" + (f"{'SQL/op':>8}" if s["count_sql"] else ""))
    for op, r in led["by_type"].items():
        w(f"{op:<16}{r['ops']:>9}{r['share']:>8.1%}{r['ops_per_s']:>10.1f}"
          f"{r['ms_p50']:>9.2f}{r['ms_p95']:>9.2f}{r['ms_p99']:>9.2f}"
          + (f"{r['sql_per_op']:>8.2f}" if s["count_sql"] and r["sql_per_op"] else ""))
    w(f"{'total':<16}{led['ops']:>9}{'':>8}{led['ops_per_s']:>10.1f}{led['ms_p50']:>9.2f}"
      f"{led['ms_p95']:>9.2f}{led['ms_p99']:>9.2f}")
    w(f"db commits/op      {led['db_commits'] / led['ops']:.3f} "
      f"(rollbacks {led['db_rollbacks']}); WAL {led['wal_bytes_per_op']:.0f} B/op")
    if led["rejected"]:
        w(f"refused by ledger  {led['rejected']} (not counted as ops)")
    if led["errors"]:
        w(f"ERRORS             {led['errors']}")
    if s.get("functions"):
        w("")
        w("server time in trigger functions (track_functions=pl), per ledger op:")
        for f in s["functions"]:
            w(f"  {f['function']:<34} {f['calls'] / led['ops']:>5.2f} calls  "
              f"{f['total_ms'] / led['ops']:>7.3f} ms total  {f['self_ms'] / led['ops']:>7.3f} ms self")
    w("")
    if pgb:
        w(f"pgbench            {pgb['tps']:.1f} tps (TPC-B-like, scale {pgb['scale']}, "
          f"{pgb['seconds']} s, latency avg {pgb['latency_ms']} ms, "
          f"WAL {pgb['wal_bytes_per_tx'] or 0:.0f} B/tx)")
        w(f"ledger             {led['ops_per_s']:.1f} ops/s")
        w(f"ratio              {s['ratio']:.3f}  (goal >= {GOAL})  ->  "
          f"{'PASS' if s['pass'] else 'FAIL'}")
    else:
        w(f"ledger             {led['ops_per_s']:.1f} ops/s  (pgbench skipped: no ratio)")
    a = s["audit"]
    w(f"audit              {a['counts']} -> "
      + ("clean: every balance is proven" if a["clean"] else f"{len(a['drifts'])} DRIFT(S)"))
    for d in a["drifts"][:20]:
        w(f"  DRIFT {d}")
    if s.get("results_file"):
        w(f"results            {s['results_file']}")
    w("=" * 78)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="Ledger ops/s through the public functions vs pgbench tps.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--members", type=int, default=None, help="default 10000 (200 with --quick)")
    ap.add_argument("--lots-per-member", type=int, default=4,
                    help="seed lots per member, each with a different expiry")
    ap.add_argument("--clients", type=int, default=1,
                    help="concurrent ledger processes, and pgbench -c/-j")
    run = ap.add_mutually_exclusive_group()
    run.add_argument("--seconds", type=float, default=None,
                     help="timed ledger phase per client (default 30)")
    run.add_argument("--ops", type=int, default=None,
                     help="ledger operations per client instead of --seconds")
    ap.add_argument("--pgbench-seconds", type=int, default=None,
                    help="pgbench -T (default: --seconds, or 30)")
    ap.add_argument("--pgbench-scale", type=int, default=None,
                    help="pgbench -i -s (default: number of clients)")
    ap.add_argument("--pgbench-db", default=DEFAULT_PGBENCH_DB)
    ap.add_argument("--no-pgbench", action="store_true", help="skip the pgbench phase")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run for CI: 200 members, 3 s phases")
    ap.add_argument("--fresh", action="store_true",
                    help="drop and recreate the ledger database first (rewards_bench* only)")
    ap.add_argument("--setup-workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count-sql", action="store_true",
                    help="count the SQL statements Django sends per operation")
    ap.add_argument("--track-functions", action="store_true",
                    help="report server time in the ledger's trigger functions")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile client 0 (slows it: figures are then not comparable)")
    ap.add_argument("--strict", action="store_true",
                    help="exit 2 when the ratio misses the goal")
    ap.add_argument("--no-json", action="store_true", help="do not write bench/results/")
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
        ap.error("need clients >= 1, members >= clients and lots-per-member >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    dbname = _url_parts(url)["dbname"]
    if args.fresh and not dbname.startswith("rewards_bench"):
        raise SystemExit(f"--fresh drops the database: refused for {dbname!r}.")
    if dbname == args.pgbench_db:
        raise SystemExit("the ledger and pgbench need different databases.")
    run_id = datetime.now(dt_timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    created = _ensure_database(url, dbname, fresh=args.fresh)
    _bootstrap(url)
    from django.core.management import call_command
    from django.db import connection

    from saleor_rewards import ledger

    print(f"database {dbname} {'created' if created else 'exists'}; migrating ...", flush=True)
    call_command("migrate", verbosity=0)
    env = environment(url)
    if args.track_functions:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_reset()")  # this database only
    connection.close()

    print(f"setup: {args.members} members x {args.lots_per_member} lots ...", flush=True)
    setup = setup_ledger(args, url, run_id)
    print(f"setup done in {setup['seconds']:.1f} s ({setup['calls_per_s']:.0f} calls/s)",
          flush=True)

    checkpointed = _checkpoint(url)
    what = f"{args.seconds:g} s" if args.seconds else f"{args.ops} ops"
    print(f"ledger: {args.clients} client(s), {what} ...", flush=True)
    led = run_ledger(args, url, run_id, setup.pop("accounts"))
    led["checkpoint_before"] = checkpointed
    print(f"ledger: {led['ops_per_s']:.1f} ops/s", flush=True)

    functions = function_stats(url) if args.track_functions else None

    print("audit ...", flush=True)
    counts, drifts = ledger.audit()
    audit = {"counts": counts, "clean": not drifts, "drifts": [str(d) for d in drifts]}
    connection.close()

    pgb = None
    if not args.no_pgbench:
        print(f"pgbench: scale {args.pgbench_scale or args.clients}, {args.clients} client(s),"
              f" {args.pgbench_seconds} s ...", flush=True)
        pgb = run_pgbench(args, url)

    ratio = led["ops_per_s"] / pgb["tps"] if pgb else None
    summary = {
        "run_id": run_id,
        "when": datetime.now(dt_timezone.utc).isoformat(timespec="seconds"),
        "goal": GOAL,
        "ratio": ratio,
        "pass": ratio is not None and ratio >= GOAL,
        "clients": args.clients,
        "members": args.members,
        "lots_per_member": args.lots_per_member,
        "seconds_per_client": args.seconds,
        "ops_per_client": args.ops,
        "mix_weights": MIX,
        "quick": args.quick,
        "count_sql": args.count_sql,
        "profile": args.profile,
        "command": " ".join([sys.executable, *sys.argv]),
        "environment": env,
        "setup": setup,
        "ledger": led,
        "functions": functions,
        "pgbench": pgb,
        "audit": audit,
    }
    if not args.no_json:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"ledger_bench_{run_id}_c{args.clients}.json"
        path.write_text(json.dumps(summary, indent=2, default=str))
        summary["results_file"] = str(path.relative_to(REPO))
    _print_summary(summary)
    if not audit["clean"] or led["errors"]:
        return 1
    if args.strict and pgb and not summary["pass"]:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
