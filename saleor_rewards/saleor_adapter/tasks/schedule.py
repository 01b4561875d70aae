"""Scheduled jobs (O1): Celery tasks and their Celery beat entries.

Saleor's worker and beat import ``saleor_rewards.tasks`` (and so this module) through
``app.autodiscover_tasks(lambda: discover_plugins_modules(settings.PLUGINS))`` in
``saleor/celeryconf.py``. Celery runs that discovery from ``loader.init_worker()``
(``import_default_modules``), which ``celery beat`` calls in ``Beat.init_loader``
before ``start_scheduler`` builds its scheduler, and every scheduler (Celery's
``PersistentScheduler``, Saleor's ``DatabaseScheduler``) reads
``app.conf.beat_schedule`` in ``setup_schedule``. So the entries added below at
import time are scheduled without the merchant editing Saleor's settings (checked
against Celery 5.x and Saleor 3.23.28). An entry of the same name already in
``CELERY_BEAT_SCHEDULE`` wins, which is how a merchant changes a schedule.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ...ledger import activate_due_lots, expire_due_lots
from ...programs.retention import run_purges
from ..settings import switched_off
from ..use_cases.operations import send_reminders

logger = logging.getLogger(__name__)

ACTIVATION_EVERY = timedelta(hours=1)
EXPIRY_EVERY = timedelta(minutes=15)
REMINDERS_EVERY = timedelta(hours=6)
PURGE_EVERY = timedelta(days=1)


@app.task(name="saleor_rewards.activate_due_credits")
def activate_due_credits_task() -> int:
    """Make pending lots whose hold is over spendable (L2); returns how many."""
    if switched_off("activation of due credits"):
        return 0
    with allow_writer():
        activated = activate_due_lots()
    logger.info("saleor-rewards: activated %s due lot(s).", activated)
    return activated


@app.task(name="saleor_rewards.expire_due_lots")
def expire_due_lots_task() -> int:
    """Expire available lots past their expiry date (L4); returns how many."""
    if switched_off("expiry of due lots"):
        return 0
    with allow_writer():
        expired = expire_due_lots()
    logger.info("saleor-rewards: expired %s lot(s).", expired)
    return expired


@app.task(name="saleor_rewards.send_expiry_reminders")
def send_expiry_reminders_task() -> int:
    """Mail consenting members whose points expire soon, once per lot (O1); returns
    how many mails went out."""
    if switched_off("expiry reminders"):
        return 0
    with allow_writer():
        run = send_reminders(timezone.now())
    logger.info(
        "saleor-rewards: sent %s expiry reminder(s) about %s lot(s), %s failed.",
        run.mails,
        run.lots,
        run.failed,
    )
    return run.mails


@app.task(name="saleor_rewards.purge_by_retention")
def purge_by_retention_task() -> int:
    """Run every retention purge (P3, O2); returns how many rows went. Runs while the
    plugin is switched off too: keeping data longer than promised is no way to
    switch a plugin off."""
    with allow_writer():
        done = run_purges(timezone.now())
    for name, count in done.items():
        logger.info("saleor-rewards: purge %s removed %s row(s).", name, count)
    return sum(done.values())


def schedule_every(name: str, task, every: timedelta, conf=app.conf) -> None:
    """Put ``task`` on Saleor's beat schedule every ``every``, unless the merchant's
    ``CELERY_BEAT_SCHEDULE`` already has an entry of that name (theirs wins).

    A run that waited longer than its interval in the queue is dropped: the next one
    does the same work, so stale duplicates would only queue up behind a busy worker.
    """
    # In place: with Saleor's ``namespace="CELERY"`` a lookup of ``beat_schedule``
    # finds ``CELERY_BEAT_SCHEDULE`` of Django's settings first, so assigning
    # ``conf.beat_schedule`` would be shadowed by it; the dict it returns is the one
    # every scheduler reads.
    schedule = conf.beat_schedule
    if schedule is None:
        conf.beat_schedule = schedule = {}
    schedule.setdefault(
        name,
        {
            "task": task.name,
            "schedule": every,
            "options": {"expires": every.total_seconds()},
        },
    )


schedule_every("saleor-rewards-activate-due-credits", activate_due_credits_task, ACTIVATION_EVERY)
schedule_every("saleor-rewards-expire-due-lots", expire_due_lots_task, EXPIRY_EVERY)
schedule_every("saleor-rewards-send-expiry-reminders", send_expiry_reminders_task, REMINDERS_EVERY)
schedule_every("saleor-rewards-purge-by-retention", purge_by_retention_task, PURGE_EVERY)
