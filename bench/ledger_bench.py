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

    PYENV_VERSION=3.12.1 python bench/ledger_bench.py            # 10,000 members
    PYENV_VERSION=3.12.1 python bench/ledger_bench.py --clients 2
    PYENV_VERSION=3.12.1 python bench/ledger_bench.py --quick    # CI smoke run

See bench/README.md for the options and what is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rewards_bench"
DEFAULT_PGBENCH_DB = "rewards_pgbench"
GOAL = 0.5  # ledger ops/s must reach at least this fraction of pgbench's tps

# The timed mix: operation -> weight. Each is exactly one public ledger call.
# When an operation has nothing to work on (no pending lot to activate, no open
# hold, no debit to return, too little balance) the client posts the operation
# that creates it instead, so the measured mix stays close to these weights.
MIX = {
    "credit": 22,          # earn, available at once, with an expiry (a new lot)
    "credit_pending": 10,  # earn, pending (e.g. until the return window closes)
    "activate": 10,        # pending lot -> available, its expiry clock starts
    "debit": 22,           # redeem, soonest-expiring lots first, over several lots
    "hold": 14,            # checkout reserves balance (first phase)
    "capture": 12,         # order placed: hold captured (1 in 4 partially)
    "release": 4,          # checkout abandoned: hold goes back to its lots
    "return_debit": 6,     # order refunded: (part of) a debit back to its lots
}  # fmt: skip
EXPIRY_DAYS = (30, 60, 90, 180, 365, None)
SOURCES = ("loyalty", "bonus", "referral", "review")
MIN_SPEND = 60  # below this tracked balance a debit or hold becomes a credit


# ---------------------------------------------------------------- database plumbing


def _bootstrap(url: str, db_options: dict | None = None) -> None:
    """Django for this process: tests.settings on ``url`` (once per process).

    ``db_options`` go into ``DATABASES["default"]["OPTIONS"]`` before the first
    connection (the --server-side-binding / --prepare-threshold experiments).
    """
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django
    from django.conf import settings

    django.setup()
    if db_options:
        settings.DATABASES["default"].setdefault("OPTIONS", {}).update(db_options)


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
    """An autocommit connection to the server's ``postgres`` database."""
    import psycopg

    p = _url_parts(url)
    return psycopg.connect(
        host=p["host"], port=p["port"], user=p["user"], password=p["password"],
        dbname="postgres", autocommit=True,
    )  # fmt: skip


def _ensure_database(url: str, name: str, *, fresh: bool = False) -> bool:
    """Create database ``name`` if missing (dropped first if ``fresh``); True if new."""
    from psycopg import sql

    with _admin_conn(url) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def _checkpoint(url: str) -> bool:
    """CHECKPOINT, so that no timed phase pays for the dirty pages of another."""
    try:
        with _admin_conn(url) as conn:
            conn.execute("CHECKPOINT")
        return True
    except Exception:  # not a superuser: carry on, noted in the results
        return False


def _db_stats(url: str, dbname: str) -> dict:
    """Commits of one database and the server's WAL position (for per-op figures)."""
    with _admin_conn(url) as conn:
        commits, rollbacks = conn.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = %s",
            [dbname],
        ).fetchone()
        wal = conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0]
    return {"commits": commits, "rollbacks": rollbacks, "wal": int(wal)}


def _proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a process on this machine, if readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class _Sampler:
    """Samples, 4 times a second, how busy the machine is and what else the server runs.

    The server is shared: ``other_backends`` counts active client backends outside
    this benchmark's two databases, ``cpu_busy`` the share of all CPUs in use (by
    anyone, this benchmark included). With ``watch_db``, it also follows the CPU
    time of that database's backends (pgbench's), as last seen before they exit.
    """

    def __init__(self, url: str, own_dbs: tuple[str, ...], watch_db: str | None = None):
        import threading

        self.url, self.own_dbs, self.watch_db = url, list(own_dbs), watch_db
        self.samples: list[tuple[float, int]] = []
        self.watched_cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @staticmethod
    def _cpu():
        try:
            v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
            return sum(v), v[3] + v[4]  # total, idle + iowait
        except (OSError, ValueError, IndexError):
            return None

    def _loop(self):
        try:
            with _admin_conn(self.url) as conn:
                last = self._cpu()
                while not self._stop.wait(0.25):
                    if self.watch_db:
                        pids = conn.execute(
                            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                            "AND backend_type = 'client backend'", [self.watch_db],
                        ).fetchall()  # fmt: skip
                        for (pid,) in pids:
                            cpu = _proc_cpu(pid)
                            if cpu is not None:
                                self.watched_cpu[pid] = cpu
                    others = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE state <> 'idle' "
                        "AND backend_type = 'client backend' "
                        "AND pid <> pg_backend_pid() AND datname <> ALL(%s)",
                        [self.own_dbs],
                    ).fetchone()[0]  # fmt: skip
                    now = self._cpu()
                    busy = None
                    if last and now and now[0] > last[0]:
                        busy = 1 - (now[1] - last[1]) / (now[0] - last[0])
                    last = now
                    self.samples.append((busy, others))
        except Exception:  # diagnostics only: never break the benchmark
            pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        return False

    def figures(self) -> dict:
        busy = [b for b, _ in self.samples if b is not None]
        others = [o for _, o in self.samples]
        return {
            "cpu_busy": sum(busy) / len(busy) if busy else None,
            "other_backends": sum(others) / len(others) if others else None,
            "samples": len(self.samples),
            "watched_cpu_s": sum(self.watched_cpu.values()) if self.watched_cpu else None,
        }


# --------------------------------------------------------------------------- setup


def _seed_chunk(job: tuple) -> list[tuple[int, int, int]]:
    """Open the accounts of some members and credit their seed lots (a pool task)."""
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
            posting = ledger.credit(
                account.id, rng.randint(40, 150), key=f"seed:{run_id}:{member}:{i}",
                source=rng.choice(SOURCES), expires_in_days=expiries[i % len(expiries)],
                reference=ledger.Reference("ORDER", f"seed-{member}-{i}"),
            )  # fmt: skip
            available = int(posting.available)
        # Some history: one redemption, so that allocations exist before the run.
        posting = ledger.debit(
            account.id, rng.randint(20, min(80, available)),
            key=f"seed:{run_id}:{member}:d",
            reference=ledger.Reference("ORDER", f"seed-{member}-d"),
        )  # fmt: skip
        out.append((member, account.id, int(posting.available)))
    return out


def setup_ledger(args, url: str, run_id: str) -> dict:
    """A program, the members' accounts and seed lots, via the public functions.

    With ``--reuse``, the accounts of the latest earlier run of the same shape
    (members, lots per member) instead, as they are now.
    """
    from django.db import connection

    from saleor_rewards.ledger.models import Account, Program

    shape = {"members": args.members, "lots_per_member": args.lots_per_member}
    if args.reuse:
        program = (
            Program.objects.filter(channel_slug__startswith="bench-", settings__bench=shape)
            .order_by("-id")
            .first()
        )
        if program is not None:
            accounts = list(
                Account.objects.filter(program=program)
                .order_by("member_id")
                .values_list("id", "available")
            )
            if len(accounts) == args.members:
                connection.close()
                return {
                    "program_id": program.id,
                    "channel": program.channel_slug,
                    "reused": True,
                    "accounts": [(i, int(a)) for i, a in accounts],
                    "seconds": 0.0, "calls": 0, "calls_per_s": 0.0, "workers": 0,
                }  # fmt: skip
    program = Program.objects.create(
        channel_slug=f"bench-{run_id}", currency="USD", settings={"bench": shape}
    )
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
    with ctx.Pool(workers, initializer=_bootstrap, initargs=(url, args.db_options)) as pool:
        rows = sorted(row for part in pool.imap_unordered(_seed_chunk, jobs) for row in part)
    elapsed = time.perf_counter() - started
    calls = len(members) * (2 + args.lots_per_member)
    return {
        "program_id": program.id,
        "channel": program.channel_slug,
        "accounts": [(account_id, available) for _m, account_id, available in rows],
        "seconds": elapsed,
        "calls": calls,
        "calls_per_s": calls / elapsed if elapsed else 0.0,
        "workers": workers,
        "reused": False,
    }


# ---------------------------------------------------------------------- the client


class _SqlStats:
    """Times every statement Django sends and every COMMIT (``--sql-stats``).

    psycopg sends BEGIN just before the first statement of a transaction, so its
    round trip is part of that statement's time. COMMIT includes the deferred
    constraint triggers and the WAL flush.
    """

    def __init__(self, connection):
        self.n = 0
        self.seconds = 0.0
        self.commit_seconds = 0.0
        self.by_statement = defaultdict(lambda: [0, 0.0])
        commit = connection._commit

        def timed_commit():
            t0 = time.perf_counter()
            try:
                return commit()
            finally:
                self.commit_seconds += time.perf_counter() - t0

        connection._commit = timed_commit  # instance attribute: only this client

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - t0
            self.n += 1
            self.seconds += spent
            label = " ".join(sql.split())[:60]
            self.by_statement[label][0] += 1
            self.by_statement[label][1] += spent

    def snapshot(self):
        return self.n, self.seconds, self.commit_seconds


class _Client:
    """One client's state: what it can activate, capture, release or return next."""

    def __init__(self, widx, run_id, accounts, seed):
        from saleor_rewards import ledger

        self.ledger = ledger
        self.widx, self.run_id = widx, run_id
        self.rng = random.Random(seed * 7919 + widx)
        self.available = dict(accounts)  # account id -> available, from each Posting
        self.ids = list(self.available)
        self.pending = deque()  # lot ids of pending credits, oldest first
        self.holds = deque()  # (hold id, amount) of open holds, oldest first
        self.debits = deque(maxlen=5000)  # (entry id, amount) of unreturned debits
        self.seq = 0

    def key(self) -> str:
        self.seq += 1
        return f"bench:{self.run_id}:{self.widx}:{self.seq}"

    def next_call(self):
        """(operation, zero-argument call, amount a partial capture gives back)."""
        ledger, rng = self.ledger, self.rng
        op = rng.choices(list(MIX), list(MIX.values()))[0]
        if op == "activate" and not self.pending:
            op = "credit_pending"
        if op in ("capture", "release") and not self.holds:
            op = "hold"
        if op == "return_debit" and not self.debits:
            op = "debit"
        acc = rng.choice(self.ids)
        if op in ("debit", "hold") and self.available[acc] < MIN_SPEND:
            op = "credit"
        ref = ledger.Reference("ORDER", f"{self.run_id}-{self.widx}-{self.seq}")
        key = self.key()

        if op in ("credit", "credit_pending"):
            amount, days = rng.randint(5, 120), rng.choice(EXPIRY_DAYS)
            source, pending = rng.choice(SOURCES), op == "credit_pending"
            return op, lambda: ledger.credit(
                acc, amount, key=key, source=source, pending=pending,
                expires_in_days=days, reference=ref,
            ), 0  # fmt: skip
        if op == "activate":
            lot_id = self.pending.popleft()
            return op, lambda: ledger.activate(lot_id), 0
        if op == "debit":
            amount = min(self.available[acc], rng.randint(MIN_SPEND, 260))
            return op, lambda: ledger.debit(acc, amount, key=key, reference=ref), 0
        if op == "hold":
            amount = min(self.available[acc], rng.randint(30, 200))
            expires = datetime.now(UTC) + timedelta(minutes=15)
            checkout = ledger.Reference("CHECKOUT", ref.id)
            return op, lambda: ledger.hold(
                acc, amount, key=key, reference=checkout, expires_at=expires
            ), 0  # fmt: skip
        if op == "capture":
            hold_id, held = self.holds.popleft()
            part = rng.randint(1, held - 1) if held > 1 and rng.random() < 0.25 else None
            # A partial capture also releases the rest, after the captured entry.
            return op, lambda: ledger.capture(hold_id, part), held - part if part else 0
        if op == "release":
            hold_id, _held = self.holds.popleft()
            return op, lambda: ledger.release(hold_id), 0
        entry_id, spent = self.debits.popleft()  # return_debit, in full or in part
        part = rng.randint(1, spent - 1) if spent > 1 and rng.random() < 0.5 else None
        return op, lambda: ledger.return_debit(entry_id, part, key=key), 0

    def record(self, op, posting, released):
        if posting is None:
            return
        self.available[posting.account_id] = int(posting.available) + released
        if op == "credit_pending":
            self.pending.append(posting.lot_id)
        elif op == "hold":
            self.holds.append((posting.hold_id, int(-posting.amount)))
        elif op == "debit":
            self.debits.append((posting.entry_id, int(-posting.amount)))


def _client_process(widx, url, run_id, accounts, opts, barrier, queue):
    """A ledger client: its own process and connection; one report per round."""
    try:
        _bootstrap(url, opts["db_options"])
        from django.db import connection

        from saleor_rewards.ledger.errors import RewardsError

        connection.ensure_connection()
        with connection.cursor() as cursor:
            if opts["track_functions"]:
                cursor.execute("SET track_functions = 'pl'")
            cursor.execute("SHOW synchronous_commit")
            sync_commit = cursor.fetchone()[0]
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
        client = _Client(widx, run_id, accounts, opts["seed"])
        stats = _SqlStats(connection) if opts["sql_stats"] else None
        profiler = None
        if opts["profile"] and widx == 0:
            import cProfile

            profiler = cProfile.Profile()

        def one(r: dict) -> None:
            """Post one operation; account for it in round ``r``."""
            op, call, released = client.next_call()
            before = stats.snapshot() if stats else None
            t0 = time.perf_counter()
            try:
                posting = call()
            except RewardsError as exc:  # refused by the ledger: rolled back
                r["rejected"][f"{op}: {type(exc).__name__}"] += 1
                return
            except Exception as exc:  # noqa: BLE001 - reported, never hidden
                r["errors"][f"{op}: {type(exc).__name__}: {exc}"[:300]] += 1
                connection.close()  # reopened on next use
                return
            r["latency"][op].append(time.perf_counter() - t0)
            r["counts"][op] += 1
            if stats:
                n, spent, committing = stats.snapshot()
                r["sql_n"][op] += n - before[0]
                r["sql_s"][op] += spent - before[1]
                r["commit_s"][op] += committing - before[2]
            client.record(op, posting, released)

        for round_no in range(opts["rounds"]):
            r = {"latency": defaultdict(list)} | {
                name: Counter()
                for name in (
                    "counts",
                    "errors",
                    "rejected",
                    "sql_n",
                    "sql_s",
                    "commit_s",
                )
            }
            wrapper = connection.execute_wrapper(stats) if stats else _Null()
            with wrapper:
                barrier.wait()  # every client and the parent start together
                if profiler:
                    profiler.enable()
                backend_cpu = _proc_cpu(backend_pid)
                client_cpu = time.process_time()
                started = time.perf_counter()
                if opts["seconds"]:
                    deadline = started + opts["seconds"]
                    while time.perf_counter() < deadline:
                        one(r)
                else:
                    for _ in range(opts["ops"]):
                        one(r)
                elapsed = time.perf_counter() - started
                client_cpu = time.process_time() - client_cpu
                after = _proc_cpu(backend_pid)
                backend_cpu = (
                    after - backend_cpu if after is not None and backend_cpu is not None else None
                )
                if profiler:
                    profiler.disable()
            try:  # commit counters: flush them now (PostgreSQL 15+)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_stat_force_next_flush()")
            except Exception:  # older server: the counters lag a little
                pass
            report = {name: dict(value) for name, value in r.items()} | {
                "worker": widx, "round": round_no, "elapsed": elapsed,
                "synchronous_commit": sync_commit,
                "client_cpu_s": client_cpu, "backend_cpu_s": backend_cpu,
            }  # fmt: skip
            if round_no == opts["rounds"] - 1:
                if stats:
                    report["statements"] = {k: tuple(v) for k, v in stats.by_statement.items()}
                if profiler:
                    RESULTS.mkdir(parents=True, exist_ok=True)
                    path = RESULTS / f"profile_{run_id}_client0.pstats"
                    profiler.dump_stats(str(path))
                    report["profile_file"] = str(path.relative_to(REPO))
            queue.put(report)
        connection.close()
    except BaseException as exc:  # the parent must never wait forever
        import traceback

        barrier.abort()
        queue.put({"worker": widx, "fatal": f"{exc!r}\n{traceback.format_exc()}"})


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ----------------------------------------------------------------------- pgbench


class PgBench:
    def __init__(self, args, url: str):
        exe = shutil.which("pgbench")
        if not exe:
            raise SystemExit("pgbench is not on PATH (use --no-pgbench to skip it).")
        p = _url_parts(url)
        self.url, self.db, self.exe = url, args.pgbench_db, exe
        self.env = dict(os.environ)
        if p["password"]:
            self.env["PGPASSWORD"] = p["password"]
        self.conn = ["-h", p["host"], "-p", p["port"], "-U", p["user"]]
        self.scale = args.pgbench_scale or max(1, args.clients)
        self.clients, self.seconds = args.clients, args.pgbench_seconds
        self.own_dbs = (p["dbname"], self.db)

    def init(self) -> str:
        _ensure_database(self.url, self.db)
        cmd = [self.exe, "-i", "-q", "-s", str(self.scale), *self.conn, self.db]
        subprocess.run(cmd, check=True, env=self.env, capture_output=True, text=True)
        return " ".join(cmd)

    def run(self) -> dict:
        cmd = [
            self.exe, "-c", str(self.clients), "-j", str(self.clients),
            "-T", str(self.seconds), *self.conn, self.db,
        ]  # fmt: skip
        before = _db_stats(self.url, self.db)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with _Sampler(self.url, self.own_dbs, watch_db=self.db) as load:
            out = subprocess.run(cmd, check=True, env=self.env, capture_output=True, text=True)
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = _db_stats(self.url, self.db)
        client_cpu = (done.ru_utime + done.ru_stime) - (children.ru_utime + children.ru_stime)
        found = {
            name: re.search(pattern, out.stdout, re.M)
            for name, pattern in {
                "tps": r"^tps = ([0-9.]+) \(without initial connection time\)",
                "latency_ms": r"^latency average = ([0-9.]+) ms",
                "transactions": r"^number of transactions actually processed: (\d+)",
            }.items()
        }
        if not found["tps"] or not found["transactions"]:
            raise SystemExit(f"could not read pgbench's output:\n{out.stdout}\n{out.stderr}")
        txs = int(found["transactions"].group(1))
        return {
            "tps": float(found["tps"].group(1)),
            "latency_ms": float(found["latency_ms"].group(1)) if found["latency_ms"] else None,
            "transactions": txs,
            "seconds": self.seconds,
            "wal_bytes_per_tx": (after["wal"] - before["wal"]) / txs if txs else None,
            "client_cpu_ms_per_tx": client_cpu / txs * 1e3 if txs else None,
            # sampled every 0.25 s until the backends exit: a slight underestimate
            "backend_cpu_ms_per_tx": load.figures()["watched_cpu_s"] / txs * 1e3
            if txs and load.figures()["watched_cpu_s"]
            else None,
            "load": load.figures(),
            "command": " ".join(cmd),
            "output": out.stdout,
        }


# ------------------------------------------------------------------------ the run


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
    dbname = _url_parts(url)["dbname"]
    opts = {
        "seconds": args.seconds, "ops": args.ops, "seed": args.seed,
        "rounds": args.rounds, "sql_stats": args.sql_stats,
        "track_functions": args.track_functions, "profile": args.profile,
        "db_options": args.db_options,
    }  # fmt: skip
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(args.clients + 1)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_client_process,
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
        checkpointed = _checkpoint(url)
        before = _db_stats(url, dbname)
        with _Sampler(url, (dbname, args.pgbench_db)) as ledger_load:
            with contextlib.suppress(Exception):  # a client died: its report says why
                barrier.wait(timeout=600)
            reports = [queue.get() for _ in procs]
        fatal = [r["fatal"] for r in reports if "fatal" in r]
        if fatal:
            for p in procs:
                p.kill()
            raise SystemExit("a ledger client failed:\n" + "\n".join(fatal))
        time.sleep(0.2)  # the clients' flushed commit counters reach shared memory
        after = _db_stats(url, dbname)
        elapsed = max(r["elapsed"] for r in reports)
        led = _ledger_figures(reports, elapsed, args.sql_stats)
        led["db_commits_per_op"] = (after["commits"] - before["commits"]) / led["ops"]
        led["db_rollbacks"] = after["rollbacks"] - before["rollbacks"]
        led["wal_bytes_per_op"] = (after["wal"] - before["wal"]) / led["ops"]
        led["load"] = ledger_load.figures()
        all_reports.extend(reports)
        pgb = None
        if pgbench:
            _checkpoint(url)
            pgb = pgbench.run()
        ratio = led["ops_per_s"] / pgb["tps"] if pgb else None
        rounds.append({"round": round_no + 1, "checkpoint_before": checkpointed,
                       "ledger": led, "pgbench": pgb, "ratio": ratio})  # fmt: skip
        print(f"round {round_no + 1}/{args.rounds}: ledger {led['ops_per_s']:.1f} ops/s"
              + (f", pgbench {pgb['tps']:.1f} tps, ratio {ratio:.3f}" if pgb else ""),
              flush=True)  # fmt: skip
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
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        changed = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "saleor_rewards"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
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
            "server_version", "synchronous_commit", "fsync", "wal_sync_method",
            "full_page_writes", "shared_buffers", "max_wal_size", "commit_delay", "jit",
        ):  # fmt: skip
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
        "database": _url_parts(url) | {"password": None},
        "postgres": settings,
    }


# ------------------------------------------------------------------------ output


def _load_text(phase: str, load: dict) -> str:
    busy, others = load.get("cpu_busy"), load.get("other_backends")
    text = f"{phase}: CPUs {busy:.0%} busy" if busy is not None else f"{phase}: CPUs ?"
    if others is not None:
        text += f", {others:.1f} other active backends"
    return text


def _ms(value) -> str:
    return f"{value:.3f} ms" if value is not None else "?"


def print_summary(s: dict) -> None:
    env, pg = s["environment"], s["environment"]["postgres"]
    led, pgb, setup, sql = s["ledger"], s["pgbench"], s["setup"], s["sql_stats"]
    lines = []
    w = lines.append
    n = s["clients"]
    w("=" * 88)
    w("Ledger benchmark: public ledger functions vs pgbench (TPC-B-like), same server")
    w("=" * 88)
    w(f"clients         {n} (ledger: processes with a connection each; pgbench -c {n} -j {n})")
    w(
        f"members         {s['members']}, {s['lots_per_member']} seed lots each "
        f"(channel {setup['channel']})"
    )
    analyze = f"; then ANALYZE {setup['analyze_seconds']:.1f} s"
    if setup["reused"]:
        w("setup           reused the accounts of an earlier run (--reuse)" + analyze)
    else:
        w(
            f"setup           {setup['calls']} public calls in "
            f"{setup['seconds']:.1f} s ({setup['calls_per_s']:.0f}/s, "
            f"{setup['workers']} processes, not timed)" + analyze
        )
    per = (
        f"{s['seconds_per_client']:g} s"
        if s["seconds_per_client"]
        else f"{s['ops_per_client']} ops"
    )
    then = f", then pgbench {s['rounds'][0]['pgbench']['seconds']} s" if pgb else ""
    w(f"durations       {len(s['rounds'])} round(s) of: ledger {per} per client{then}")
    if s["db_options"]:
        w(f"EXPERIMENT      ledger clients' DATABASES OPTIONS {s['db_options']}")
    w(f"code            saleor-rewards {env['git'] or '(no git)'}")
    w(f"postgres        {pg['server_version']}")
    w(
        f"                synchronous_commit={pg['synchronous_commit']} "
        f"(ledger sessions: {','.join(led['synchronous_commit'])}), "
        f"fsync={pg['fsync']}, wal_sync_method={pg['wal_sync_method']}, "
        f"shared_buffers={pg['shared_buffers']}"
    )
    w(
        f"machine         {env['cpus']} CPUs, load average {env['loadavg_before']} at "
        f"start; Python {env['python']}, Django {env['django']}, "
        f"psycopg {env['psycopg']}"
    )
    w(
        f"machine load    {_load_text('ledger', led['load'])}"
        + (f";  {_load_text('pgbench', pgb['load'])}" if pgb else "")
    )
    w("")
    head = (
        f"{'operation':<15}{'ops':>8}{'share':>7}{'ops/s':>9}"
        f"{'mean':>7}{'p50':>7}{'p95':>7}{'p99':>7}"
    )
    if sql:
        head += f"{'stmts':>7}{'in SQL':>8}{'COMMIT':>8}{'Python':>8}"
    w(head + ("" if sql else "   (latencies in ms)"))
    for op, r in [*led["by_type"].items(), ("total", led | {"share": None})]:
        line = (
            f"{op:<15}{r['ops']:>8}"
            + (f"{r['share']:>7.1%}" if r["share"] is not None else " " * 7)
            + f"{r['ops_per_s']:>9.1f}"
            + "".join(f"{r[k]:>7.2f}" for k in ("ms_mean", "ms_p50", "ms_p95", "ms_p99"))
        )
        if sql and r.get("statements_per_op") is not None:
            line += f"{r['statements_per_op']:>7.2f}" + "".join(
                f"{r[k]:>8.2f}" for k in ("ms_in_statements", "ms_in_commit", "ms_other")
            )
        w(line)
    if sql:
        w("  stmts: statements Django sends per op (psycopg adds BEGIN, COMMIT);")
        w("  in SQL: their time incl. BEGIN; COMMIT: incl. deferred triggers and the")
        w("  WAL flush; Python: the rest (ms per op)")
    w("")
    w(
        f"per op          {led['db_commits_per_op']:.3f} commits (rollbacks "
        f"{led['db_rollbacks']}), {led['wal_bytes_per_op']:.0f} WAL bytes"
        + (f" (pgbench: {pgb['wal_bytes_per_tx']:.0f} per tx)" if pgb else "")
        + ", WAL server-wide"
    )
    if led["client_cpu_ms_per_op"] is not None:
        w(
            f"CPU per op      {_ms(led['client_cpu_ms_per_op'])} in the Python client, "
            f"{_ms(led['backend_cpu_ms_per_op'])} in its backend "
            f"(latency mean {_ms(led['ms_mean'])})"
        )
    if pgb and pgb.get("client_cpu_ms_per_tx") is not None:
        w(
            f"CPU per tx      {_ms(pgb['client_cpu_ms_per_tx'])} in pgbench, "
            f"{_ms(pgb.get('backend_cpu_ms_per_tx'))} in its backend "
            f"(latency avg {_ms(pgb['latency_ms'])})"
        )
    if led["rejected"]:
        w(f"refused         {led['rejected']} (rolled back, not counted)")
    if led["errors"]:
        w(f"ERRORS          {led['errors']}")
    if led.get("statements"):
        w("")
        w("statements: count, mean ms (round trip included), statement")
        for st in led["statements"][:14]:
            w(f"  {st['count']:>8} {st['ms_mean']:>7.3f}  {st['statement']}")
    if s.get("functions"):
        w("")
        w("trigger functions (track_functions=pl) per ledger op: calls, total, self ms")
        for f in s["functions"]:
            calls, total, own = (f[k] / led["ops"] for k in ("calls", "total_ms", "self_ms"))
            w(f"  {f['function']:<32} {calls:>5.2f} {total:>7.3f} {own:>7.3f}")
    if led.get("profile_file"):
        w(f"profile         {led['profile_file']} (client 0, slowed by cProfile)")
    w("")
    if len(s["rounds"]) > 1:
        for r in s["rounds"]:
            line = f"round {r['round']:<10}ledger {r['ledger']['ops_per_s']:7.1f} ops/s"
            if r["pgbench"]:
                line += f"  pgbench {r['pgbench']['tps']:7.1f} tps  ratio {r['ratio']:.3f}"
            w(line)
            w(
                f"{'':16}{_load_text('ledger', r['ledger']['load'])}"
                + (f";  {_load_text('pgbench', r['pgbench']['load'])}" if r["pgbench"] else "")
            )
    w(f"LEDGER          {led['ops_per_s']:.1f} ops/s")
    if pgb:
        w(
            f"PGBENCH         {pgb['tps']:.1f} tps (scale {pgb['scale']}, "
            f"latency avg {_ms(pgb['latency_ms'])})"
        )
        verdict = "PASS" if s["pass"] else "FAIL"
        w(f"RATIO           {s['ratio']:.3f} (goal >= {GOAL}): {verdict}")
    else:
        w("PGBENCH         skipped (--no-pgbench): no ratio")
    audit = s["audit"]
    counts = ", ".join(f"{v} {k}" for k, v in audit["counts"].items())
    clean = audit["clean"]
    w(
        f"AUDIT           {counts}: "
        + ("clean, every balance is proven" if clean else f"{len(audit['drifts'])} DRIFT(S)")
    )
    lines.extend(f"  DRIFT {d}" for d in audit["drifts"][:20])
    if s.get("results_file"):
        w(f"results         {s['results_file']}")
    w("=" * 88)
    print("\n" + "\n".join(lines))


# -------------------------------------------------------------------------- main


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
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    dbname = _url_parts(url)["dbname"]
    if args.fresh and not dbname.startswith("rewards_bench"):
        raise SystemExit(f"--fresh drops the database: refused for {dbname!r}.")
    if dbname == args.pgbench_db:
        raise SystemExit("the ledger and pgbench need different databases.")
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"

    created = _ensure_database(url, dbname, fresh=args.fresh)
    _bootstrap(url)
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
        print(f"setup: {setup['seconds']:.1f} s ({setup['calls_per_s']:.0f} calls/s)",
              flush=True)  # fmt: skip

    # What autovacuum would long have done in a live ledger: the timed phase must not
    # run on the planner statistics of a table that was empty a minute ago.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rewards_account, rewards_lot, rewards_entry, "
                       "rewards_allocation, rewards_hold")  # fmt: skip
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


if __name__ == "__main__":
    sys.exit(main())
