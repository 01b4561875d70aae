"""Jobs at scale (issue 14): the set-based jobs over a million lots, one channel.

``JOBS`` is the list the bench runs, in order, on the data ``seed`` wrote; each
entry is a ``Job``: a name, a function ``run(ctx) -> rows`` and the target in
seconds. A new job (e.g. the liability report of ``programs/liability``) is one
more entry (as the liability report of ``programs/liability`` is)::

    JOBS.append(Job("liability report", _liability, 2.0))

``ctx`` (``Context``) carries the program, the bench clock ``now``, the tier
settings and ``progress(done)``, which the job calls with its running count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Context:
    program: object
    now: datetime
    settings: dict
    progress: Callable[[int], None] = field(default=lambda done: None)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Context], int]
    target_seconds: float


def _expire(ctx: Context) -> int:
    from saleor_rewards.ledger import expire_due_lots

    return expire_due_lots(ctx.now, progress=lambda accounts, lots: ctx.progress(lots))


def _activate(ctx: Context) -> int:
    from saleor_rewards.ledger import activate_due_lots

    return activate_due_lots(ctx.now, progress=lambda accounts, lots: ctx.progress(lots))


def _recompute_tiers(ctx: Context) -> int:
    from saleor_rewards.programs.tiers.services import recompute_program

    changed = len(recompute_program(ctx.program, ctx.settings, ctx.now))
    ctx.progress(changed)
    return changed


def _liability(ctx: Context) -> int:
    """The liability report as ``rewardsLiability`` and ``rewards_liability`` build it:
    totals, the points expiring within 30 days and the daily series of 30 days. Its
    rows: the days of the series."""
    from saleor_rewards.programs.liability.report import liability

    report = liability(ctx.program, points_per_unit=100, days=30, now=ctx.now)
    ctx.progress(len(report.series))
    return len(report.series)


JOBS: list[Job] = [
    Job("expiry of due lots", _expire, 60.0),
    Job("activation of due lots", _activate, 60.0),
    Job("tier recompute", _recompute_tiers, 60.0),
    Job("liability report", _liability, 2.0),
]
