"""Referral tasks: a new customer names their sponsor at registration (R3).

Saleor's ``accountRegister`` (and staff's ``customerCreate``) take
``metadata: [{key, value}]``; the storefront puts the sponsor there under
``referral_code`` or ``referrer_email``. ``customer_created`` hands the user id to
``attribute_new_customer``, which reads the keys (private metadata first, set by
staff or Apps; then public) and attributes. Refusals (self-referral, a full sponsor,
an unknown code, ...) are logged: registration has already succeeded.
"""

import logging

from saleor.account.models import User
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ... import config
from ...ledger.errors import RewardsError
from ...programs.referrals import services as referrals
from ...programs.referrals.models import ReferralSource
from ..settings import plugin_settings
from ..shop.directory import SaleorDirectory

logger = logging.getLogger(__name__)

CODE_KEY = "referral_code"
EMAIL_KEY = "referrer_email"


def _plugin_settings() -> dict | None:
    """The plugin's own (channel-less) settings; None while it is inactive."""
    values = plugin_settings()
    return config.resolve(values, {}) if values["program_enabled"] else None


def named_sponsor(user: User) -> tuple[str, str]:
    """(referral code, referrer e-mail) from the user's metadata; blanks if none."""
    for metadata in (user.private_metadata or {}, user.metadata or {}):
        code = str(metadata.get(CODE_KEY) or "").strip()
        email = str(metadata.get(EMAIL_KEY) or "").strip()
        if code or email:
            return code, email
    return "", ""


@app.task(name="saleor_rewards.attribute_new_customer")
def attribute_new_customer(user_id: int) -> int | None:
    """Returns the new Referral's id, or None when nobody (valid) was named."""
    with allow_writer():
        user = User.objects.filter(id=user_id).first()
        if user is None:
            return None
        code, email = named_sponsor(user)
        if not (code or email):
            return None
        settings = _plugin_settings()
        if settings is None or not settings["program_enabled"]:
            return None
        try:
            referral = referrals.attribute(
                referrals.Person(user.pk, user.email), SaleorDirectory(), settings,
                source=ReferralSource.REGISTRATION, code=code or None,
                sponsor_email=None if code else email,
            )  # fmt: skip
        except RewardsError as error:
            logger.info(
                "Referral at registration refused for user %s: %s (%s)",
                user_id, error.message, error.code,
            )  # fmt: skip
            return None
        return referral.id
