"""The scheduled operations jobs with Saleor behind them (O1, O2): expiry reminders
and the retention purge, shared by the Celery tasks and the commands."""

from collections.abc import Callable
from datetime import datetime

from ...ledger.models import Program
from ...programs.reminders.services import ReminderRun, send_expiry_reminders
from ...programs.retention import discover
from ..settings import program_settings
from ..shop import reminders as reminder_shop


def send_reminders(
    now: datetime,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Callable[[ReminderRun], None] | None = None,
) -> ReminderRun:
    return send_expiry_reminders(
        now,
        programs=Program.objects.order_by("id"),
        settings_for=program_settings,
        shop=reminder_shop,
        batch_size=batch_size,
        dry_run=dry_run,
        progress=progress,
    )


def purge_by_retention(
    now: datetime,
    *,
    only: str | None = None,
    batch_size: int = 1000,
    dry_run: bool = False,
    started: Callable[[str, str], None] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Run every registered purge (or the one named ``only``); purge name -> rows."""
    purges = discover()
    if only is not None:
        if only not in purges:
            raise KeyError(only)
        purges = {only: purges[only]}
    done = {}
    for name, registered in purges.items():
        if started:
            started(name, registered.description)
        done[name] = registered.run(
            now,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=(lambda count, name=name: progress(name, count))
            if progress
            else (lambda _c: None),
        )
    return done
