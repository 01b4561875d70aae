"""Referral tasks: a new customer's own code (R1) and the sponsor they named at
registration (R3).

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
from ..shop import customers
from ..use_cases.programs import create_missing_codes

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


@app.task(name="saleor_rewards.create_referral_code")
def create_referral_code(user_id: int) -> str | None:
    """R1: the new customer's own code, before anyone reads it."""
    with allow_writer():
        if not User.objects.filter(id=user_id).exists():
            return None
        return referrals.create_code(user_id)


@app.task(name="saleor_rewards.create_missing_referral_codes")
def create_missing_referral_codes() -> int:
    """R1: codes for the customers who registered before the plugin was switched on."""
    with allow_writer():
        created = create_missing_codes()
    logger.info("saleor-rewards: created %s referral code(s).", created)
    return created


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
                referrals.Person(user.pk, user.email),
                customers,
                settings,
                source=ReferralSource.REGISTRATION,
                code=code or None,
                sponsor_email=None if code else email,
            )
        except RewardsError as error:
            logger.info(
                "Referral at registration refused for user %s: %s (%s)",
                user_id,
                error.message,
                error.code,
            )
            return None
        return referral.id
