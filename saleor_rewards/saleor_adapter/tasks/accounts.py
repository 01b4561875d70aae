"""Account hooks hand the user id here: the e-mail verification bonus (B1).

Hooks run after Saleor's commit and must never raise into Saleor (SPEC §0), so
``enqueue_email_verified_bonus`` swallows and logs a broken queue.
"""

import logging

from django.db import OperationalError
from django.utils import timezone
from saleor.account.models import User
from saleor.celeryconf import app
from saleor.channel.models import Channel
from saleor.core.db.connection import allow_writer

from ...programs.loyalty.bonus import award_email_verified
from ..settings import program_settings
from ..shop import channels

logger = logging.getLogger(__name__)


@app.task(
    name="saleor_rewards.award_email_verified",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def award_email_verified_task(user_id: int) -> dict[str, int]:
    """Credit the verification bonus in every active channel, once (B1).

    Account hooks have no channel, so each active channel's program gets it; the
    ledger key makes a repeated hook a no-op. Returns points per channel slug.
    """
    awarded = {}
    with allow_writer():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or not user.is_confirmed:
            return awarded
        now = timezone.now()
        slugs = Channel.objects.filter(is_active=True).order_by("pk")
        for slug in slugs.values_list("slug", flat=True):
            program = channels.program(slug)
            if program is None:
                continue  # a channel without a program (see rewards_create_programs)
            awarded[slug] = award_email_verified(
                program, user.pk, program_settings(program), now=now
            )
    return awarded


def enqueue_email_verified_bonus(user_id: int) -> None:
    """Queue the bonus; never raises (a hook's caller must not break)."""
    try:
        award_email_verified_task.delay(user_id)
    except Exception:  # noqa: BLE001 - any broker error must stay out of Saleor
        logger.exception("saleor-rewards could not queue the e-mail bonus of user %s", user_id)
