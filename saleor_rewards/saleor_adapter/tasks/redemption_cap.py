"""Paying with points in Saleor: the task that lowers a checkout's redemption to
its cap after the checkout changed (S1; ``use_cases/redemption_cap.py``)."""

import logging

from django.db import OperationalError
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ...programs.redemption.models import Redemption, RedemptionStatus
from ..use_cases.redemption_cap import fit_to_cap

logger = logging.getLogger(__name__)


@app.task(
    name="saleor_rewards.fit_redemption_to_cap",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def fit_redemption_to_cap_task(checkout_token: str) -> str:
    with allow_writer():
        return fit_to_cap(checkout_token)


def enqueue_fit_to_cap(checkout_token) -> None:
    """Queue the fit of the checkout's redemption, if it has one; never raises
    (called after a checkout hook)."""
    try:
        token = str(checkout_token)
        if Redemption.objects.filter(checkout_token=token, status=RedemptionStatus.HELD).exists():
            fit_redemption_to_cap_task.delay(token)
    except Exception:  # noqa: BLE001 - a broker or database error must stay out of Saleor
        logger.exception("saleor-rewards could not queue the redemption cap of a checkout")
