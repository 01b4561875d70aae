"""Setup (not timed): a program, the members' accounts and their seed lots."""

from __future__ import annotations

import multiprocessing as mp
import random
import time

from . import EXPIRY_DAYS, SOURCES
from .db import bootstrap


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
                account.id,
                rng.randint(40, 150),
                key=f"seed:{run_id}:{member}:{i}",
                source=rng.choice(SOURCES),
                expires_in_days=expiries[i % len(expiries)],
                reference=ledger.Reference("ORDER", f"seed-{member}-{i}"),
            )
            available = int(posting.available)
        # Some history: one redemption, so that allocations exist before the run.
        posting = ledger.debit(
            account.id,
            rng.randint(20, min(80, available)),
            key=f"seed:{run_id}:{member}:d",
            reference=ledger.Reference("ORDER", f"seed-{member}-d"),
        )
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
                    "seconds": 0.0,
                    "calls": 0,
                    "calls_per_s": 0.0,
                    "workers": 0,
                }
    program = Program.objects.create(
        channel_slug=f"bench-{run_id}", currency="USD", settings={"bench": shape}
    )
    connection.close()  # no connection crosses into the pool
    members = list(range(1, args.members + 1))
    chunk = 250
    jobs = [
        (
            program.id,
            run_id,
            members[i : i + chunk],
            args.lots_per_member,
            args.seed * 1_000_003 + i,
        )
        for i in range(0, len(members), chunk)
    ]
    workers = max(1, min(args.setup_workers, len(jobs)))
    started = time.perf_counter()
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=bootstrap, initargs=(url, args.db_options)) as pool:
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
