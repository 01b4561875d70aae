"""PostgreSQL's pgbench (built-in TPC-B-like script) on the same server."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess

from .db import Sampler, db_stats, ensure_database, url_parts


class PgBench:
    def __init__(self, args, url: str):
        exe = shutil.which("pgbench")
        if not exe:
            raise SystemExit("pgbench is not on PATH (use --no-pgbench to skip it).")
        p = url_parts(url)
        self.url, self.db, self.exe = url, args.pgbench_db, exe
        self.env = dict(os.environ)
        if p["password"]:
            self.env["PGPASSWORD"] = p["password"]
        self.conn = ["-h", p["host"], "-p", p["port"], "-U", p["user"]]
        self.scale = args.pgbench_scale or max(1, args.clients)
        self.clients, self.seconds = args.clients, args.pgbench_seconds
        self.own_dbs = (p["dbname"], self.db)

    def init(self) -> str:
        ensure_database(self.url, self.db)
        cmd = [self.exe, "-i", "-q", "-s", str(self.scale), *self.conn, self.db]
        subprocess.run(cmd, check=True, env=self.env, capture_output=True, text=True)
        return " ".join(cmd)

    def run(self) -> dict:
        cmd = [
            self.exe,
            "-c",
            str(self.clients),
            "-j",
            str(self.clients),
            "-T",
            str(self.seconds),
            *self.conn,
            self.db,
        ]
        before = db_stats(self.url, self.db)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with Sampler(self.url, self.own_dbs, watch_db=self.db) as load:
            out = subprocess.run(cmd, check=True, env=self.env, capture_output=True, text=True)
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = db_stats(self.url, self.db)
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
