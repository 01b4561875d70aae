"""Expiry reminders with Saleor behind them (O1), shared by the Celery task and
the command."""

from collections.abc import Callable
from datetime import datetime

from ...ledger.models import Program
from ...programs.reminders.services import ReminderRun, send_expiry_reminders
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
