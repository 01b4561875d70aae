"""Retention (P3, O2): the purges that keep data only as long as its purpose needs.

Each feature declares its purges in its own ``programs/<feature>/retention.py``::

    from ..retention import purge

    @purge("expired-invitations", "invitation hashes older than invite_retention_days")
    def purge_expired_invitations(now, *, dry_run, batch_size, progress) -> int:
        ...  # set-based, in batches; returns how many rows it removed (or would)

``discover()`` imports every feature's ``retention`` module once, so the scheduled task
and the ``rewards_purge`` command run every purge without a central list to edit.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Purge:
    name: str
    description: str
    run: Callable[..., int]


PURGES: dict[str, Purge] = {}


def purge(name: str, description: str):
    def register(function):
        if name in PURGES and PURGES[name].run is not function:
            raise ValueError(f"two purges are named {name!r}")
        PURGES[name] = Purge(name, description, function)
        return function

    return register


def discover() -> dict[str, Purge]:
    from .. import __path__ as programs_path

    for module in pkgutil.iter_modules(programs_path):
        if module.ispkg and module.name != "retention":
            try:
                importlib.import_module(f"saleor_rewards.programs.{module.name}.retention")
            except ModuleNotFoundError as missing:
                if missing.name != f"saleor_rewards.programs.{module.name}.retention":
                    raise
    return dict(sorted(PURGES.items()))


def run_purges(
    now: datetime,
    *,
    only: str | None = None,
    batch_size: int = 1000,
    dry_run: bool = False,
    started: Callable[[str, str], None] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Run every purge (or the one named ``only``, KeyError if none is); returns
    purge name -> rows removed (or, with ``dry_run``, that would be)."""
    purges = discover()
    if only is not None:
        purges = {only: purges[only]}
    done = {}
    for name, registered in purges.items():
        if started:
            started(name, registered.description)

        def report(count, name=name):
            if progress:
                progress(name, count)

        done[name] = registered.run(now, dry_run=dry_run, batch_size=batch_size, progress=report)
    return done
