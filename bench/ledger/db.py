"""Database plumbing: Django per process, admin connections, counters, load sampling."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse


def bootstrap(url: str, db_options: dict | None = None) -> None:
    """Django for this process: tests.settings on ``url`` (once per process).

    tests.settings is found through the repository root, which bench/ledger_bench.py
    puts on ``sys.path`` (spawned processes inherit it).

    ``db_options`` go into ``DATABASES["default"]["OPTIONS"]`` before the first
    connection (the --server-side-binding / --prepare-threshold experiments).
    """
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    from django.conf import settings

    django.setup()
    if db_options:
        settings.DATABASES["default"].setdefault("OPTIONS", {}).update(db_options)


def url_parts(url: str) -> dict:
    u = urlparse(url)
    return {
        "host": u.hostname or "127.0.0.1",
        "port": str(u.port or 5432),
        "user": unquote(u.username) if u.username else "postgres",
        "password": unquote(u.password) if u.password else None,
        "dbname": u.path.lstrip("/"),
    }


def admin_conn(url: str):
    """An autocommit connection to the server's ``postgres`` database."""
    import psycopg

    p = url_parts(url)
    return psycopg.connect(
        host=p["host"],
        port=p["port"],
        user=p["user"],
        password=p["password"],
        dbname="postgres",
        autocommit=True,
    )


def ensure_database(url: str, name: str, *, fresh: bool = False) -> bool:
    """Create database ``name`` if missing (dropped first if ``fresh``); True if new."""
    from psycopg import sql

    with admin_conn(url) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def checkpoint(url: str) -> bool:
    """CHECKPOINT, so that no timed phase pays for the dirty pages of another."""
    try:
        with admin_conn(url) as conn:
            conn.execute("CHECKPOINT")
        return True
    except Exception:  # not a superuser: carry on, noted in the results
        return False


def db_stats(url: str, dbname: str) -> dict:
    """Commits of one database and the server's WAL position (for per-op figures)."""
    with admin_conn(url) as conn:
        commits, rollbacks = conn.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = %s",
            [dbname],
        ).fetchone()
        wal = conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0]
    return {"commits": commits, "rollbacks": rollbacks, "wal": int(wal)}


def proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a process on this machine, if readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Sampler:
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
            with admin_conn(self.url) as conn:
                last = self._cpu()
                while not self._stop.wait(0.25):
                    if self.watch_db:
                        pids = conn.execute(
                            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                            "AND backend_type = 'client backend'",
                            [self.watch_db],
                        ).fetchall()
                        for (pid,) in pids:
                            cpu = proc_cpu(pid)
                            if cpu is not None:
                                self.watched_cpu[pid] = cpu
                    others = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE state <> 'idle' "
                        "AND backend_type = 'client backend' "
                        "AND pid <> pg_backend_pid() AND datname <> ALL(%s)",
                        [self.own_dbs],
                    ).fetchone()[0]
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
