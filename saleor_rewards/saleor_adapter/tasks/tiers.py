"""Tier tasks (T3, T4): the checkout discount, re-levelling, and their beat entries.

The beat entry is registered the way ``scheduled_tasks`` registers its own (an
entry of the same name in ``CELERY_BEAT_SCHEDULE`` wins).
"""

import logging
from datetime import timedelta

from django.db import OperationalError, transaction
from saleor.account.models import User
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer
from saleor.discount.models import VoucherCode

from ...ledger.models import Program
from ...programs.tiers import services as tiers
from ...programs.tiers.models import MemberTier
from ..settings import program_settings, switched_off
from ..shop.tier_discounts import (
    apply_to_checkout,
    checkouts_holding_codes,
    sync_member_discount,
    sync_program_discounts,
)
from .schedule import schedule_every

logger = logging.getLogger(__name__)

RECOMPUTE_EVERY = timedelta(hours=6)
# Saleor's "e-mail verified" flag for the set-based recompute (T1 Unverified).


def _verification(program: Program) -> tuple[list[int], list[int]]:
    """(verified, unverified) members of the program, as Saleor says now."""
    verified, unverified = [], []
    ids = tiers.member_ids(program)
    for start in range(0, len(ids), 10_000):
        users = User.objects.filter(id__in=ids[start : start + 10_000])
        for user_id, confirmed in users.values_list("id", "is_confirmed"):
            (verified if confirmed else unverified).append(user_id)
    return verified, unverified


@app.task(
    name="saleor_rewards.apply_tier_discount",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def apply_tier_discount_task(checkout_token: str) -> str:
    with allow_writer():
        return apply_to_checkout(checkout_token)


def enqueue_tier_discount(checkout_token) -> None:
    """Queue the checkout's tier discount; never raises (called from a hook)."""
    try:
        apply_tier_discount_task.delay(str(checkout_token))
    except Exception:  # noqa: BLE001 - a broker error must stay out of Saleor
        logger.exception("saleor-rewards could not queue the tier discount of a checkout")


def enqueue_member_tiers(user_id) -> None:
    """Queue the member's re-levelling; never raises (called from a hook)."""
    try:
        recompute_member_tiers_task.delay(user_id)
    except Exception:  # noqa: BLE001 - a broker error must stay out of Saleor
        logger.exception("saleor-rewards could not queue the tiers of user %s", user_id)


def refresh_checkouts_later(tokens) -> None:
    """Re-apply the tier discount of these checkouts after the current commit."""
    for token in tokens:
        transaction.on_commit(lambda token=token: enqueue_tier_discount(token))


def sync_member(program: Program, member_id: int | None, settings: dict) -> None:
    """After an order sync re-levelled the member: their code follows their tier,
    and their open checkouts follow their code."""
    if member_id is not None:
        sync_member_discount(program, member_id, settings)
        refresh_checkouts_later(checkouts_holding_codes(program, member_id))


def sync_program(program: Program, settings: dict | None = None) -> int:
    """Every code of the program in line with its tier; open checkouts follow."""
    changed = sync_program_discounts(program, settings)
    refresh_checkouts_later(checkouts_holding_codes(program))
    return changed


def tiers_changed(program: Program) -> None:
    """The ``TierDiscounts`` port (programs/tiers/ports.py): staff changed the tiers,
    so the vouchers, the members' codes and their open checkouts follow."""
    sync_program(program)


def forget_codes(codes: list[str]) -> None:
    """The ``TierDiscounts`` port: an erased member's personal codes leave the shop
    (P2), so nobody can use them once the member's tier row is gone."""
    VoucherCode.objects.filter(code__in=list(codes)).delete()


@app.task(name="saleor_rewards.recompute_member_tiers")
def recompute_member_tiers_task(user_id: int) -> int:
    """The member's e-mail was verified: leave Unverified in every channel (T1)."""
    with allow_writer():
        user = User.objects.filter(id=user_id).first()
        if user is None:
            return 0
        rows = MemberTier.objects.filter(member_id=user_id).select_related("program")
        for row in rows:
            settings = program_settings(row.program)
            tiers.recompute_member(row.program, user_id, settings, verified=user.is_confirmed)
            sync_member(row.program, user_id, settings)
        return len(rows)


def recompute_all_tiers(progress=None) -> dict:
    """Every program: re-level all members in one statement, then move their codes."""
    totals = {"programs": 0, "members_changed": 0, "codes_changed": 0}
    with allow_writer():
        programs = list(Program.objects.order_by("id"))
        for program in programs:
            settings = program_settings(program)
            verified, unverified = _verification(program)
            changed = tiers.recompute_program(
                program, settings, verified=verified, unverified=unverified
            )
            totals["members_changed"] += len(changed)
            totals["codes_changed"] += sync_program(program, settings)
            totals["programs"] += 1
            if progress:
                progress(program, len(changed), totals["programs"], len(programs))
    return totals


@app.task(name="saleor_rewards.recompute_tiers")
def recompute_tiers_task() -> dict:
    """Rolling windows and verification changes (T2, T3)."""
    if switched_off("tier recompute"):
        return {}
    totals = recompute_all_tiers()
    logger.info("saleor-rewards: tiers recomputed %s", totals)
    return totals


schedule_every("saleor-rewards-recompute-tiers", recompute_tiers_task, RECOMPUTE_EVERY)
