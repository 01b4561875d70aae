"""A ledger client: one process, one connection, the timed mix of operations."""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime, timedelta

from . import EXPIRY_DAYS, MIN_SPEND, MIX, REPO, RESULTS, SOURCES
from .db import bootstrap, proc_cpu


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
            return (
                op,
                lambda: ledger.credit(
                    acc,
                    amount,
                    key=key,
                    source=source,
                    pending=pending,
                    expires_in_days=days,
                    reference=ref,
                ),
                0,
            )
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
            return (
                op,
                lambda: ledger.hold(acc, amount, key=key, reference=checkout, expires_at=expires),
                0,
            )
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


def client_process(widx, url, run_id, accounts, opts, barrier, queue):
    """A ledger client: its own process and connection; one report per round."""
    try:
        bootstrap(url, opts["db_options"])
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
                backend_cpu = proc_cpu(backend_pid)
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
                after = proc_cpu(backend_pid)
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
                "worker": widx,
                "round": round_no,
                "elapsed": elapsed,
                "synchronous_commit": sync_commit,
                "client_cpu_s": client_cpu,
                "backend_cpu_s": backend_cpu,
            }
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
