"""Order hooks hand the order id here; the task syncs the programs with the order.

Hooks run after Saleor's commit and must never raise into Saleor (SPEC §0), so
``enqueue_order_sync`` swallows and logs a broken queue: the checkout goes on, and
the next hook or ``rewards_sync_orders`` catches the order up.
"""

import logging

from django.db import OperationalError
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ...programs.orders.sync import sync_order
from ..settings import program_settings
from ..shop import channels
from ..shop.orders import order_snapshot
from ..use_cases.redemption import capture_for_order, settle_for_order
from .tiers import sync_member

logger = logging.getLogger(__name__)


def sync_order_now(order_id: str):
    """Sync one order (the task's body; also used by the management command)."""
    with allow_writer():
        capture_for_order(order_id)  # S1: before the snapshot reads paid_with_rewards
        order = order_snapshot(order_id)
        if order is None:
            return None
        program = channels.program(order.channel_slug)
        if program is None:
            logger.warning(
                "saleor-rewards: channel %s has no rewards program, order %s earns "
                "nothing; `rewards_create_programs` creates the missing ones",
                order.channel_slug,
                order_id,
            )
            return None
        settle_for_order(program, order)  # S3, S4
        settings = program_settings(program)
        result = sync_order(program, settings, order)
        sync_member(program, order.customer_id, settings)  # the tier discount (T4)
        return result


@app.task(
    name="saleor_rewards.sync_order",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def sync_order_task(order_id: str) -> dict | None:
    result = sync_order_now(order_id)
    if result is None:
        return None
    return {
        "loyalty_points": result.loyalty_points,
        "referral_points": result.referral_points,
        "taken_back": result.taken_back,
        "commission": str(result.commission),
        "commission_taken_back": str(result.commission_taken_back),
    }


def sync_orders_updated_since(since, *, batch_size: int = 200, progress=None) -> dict:
    """Sync every non-draft order Saleor changed since ``since`` (catch-up after a
    queue outage; replays are harmless). ``progress(done, total, totals)`` after
    each batch."""
    from saleor.order import OrderStatus
    from saleor.order.models import Order

    with allow_writer():
        ids = list(
            Order.objects.filter(updated_at__gte=since)
            .exclude(status=OrderStatus.DRAFT)
            .order_by("number")
            .values_list("id", flat=True)
        )
    totals = {"orders": 0, "loyalty_points": 0, "referral_points": 0, "taken_back": 0}
    for start in range(0, len(ids), batch_size):
        for order_id in ids[start : start + batch_size]:
            result = sync_order_now(str(order_id))
            totals["orders"] += 1
            if result is not None:
                totals["loyalty_points"] += result.loyalty_points
                totals["referral_points"] += result.referral_points
                totals["taken_back"] += result.taken_back
        if progress:
            progress(min(start + batch_size, len(ids)), len(ids), dict(totals))
    return totals


def enqueue_order_sync(order_id) -> None:
    """Queue a sync of the order; never raises (a hook's caller must not break)."""
    try:
        sync_order_task.delay(str(order_id))
    except Exception:  # noqa: BLE001 - any broker error must stay out of Saleor
        logger.exception(
            "saleor-rewards could not queue the sync of order %s; "
            "`manage.py rewards_sync_orders` will catch it up",
            order_id,
        )
