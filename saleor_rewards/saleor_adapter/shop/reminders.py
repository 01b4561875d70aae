"""Saleor behind the ``ReminderShop`` port (O1): customers' addresses, their consent
and restriction, and Saleor's mail."""

from django.contrib.sites.models import Site
from saleor.account.models import User

from ...ledger.models import Program
from .mail import send_shop_mail

# Placeholders until the privacy feature's tables land: the flags live in the
# customer's private metadata (only staff and Apps can write it).
CONSENT_KEY = "saleor_rewards.expiry_reminders"
RESTRICTED_KEY = "saleor_rewards.restricted"


def member_emails(member_ids) -> dict[int, str]:
    users = User.objects.filter(id__in=list(member_ids), is_active=True).exclude(email="")
    return dict(users.values_list("id", "email"))


def _flagged(member_ids, key: str) -> set[int]:
    users = User.objects.filter(id__in=list(member_ids), private_metadata__contains={key: "true"})
    return set(users.values_list("id", flat=True))


def consenting_member_ids(program: Program, member_ids) -> set[int]:
    """P6: off until the member turns reminders on."""
    return _flagged(member_ids, CONSENT_KEY)  # wired to privacy's MemberConsent at merge


def restricted_member_ids(program: Program, member_ids) -> set[int]:
    """P5: no mail while restricted."""
    return _flagged(member_ids, RESTRICTED_KEY)  # wired to privacy's restriction at merge


def shop_name() -> str:
    return Site.objects.get_current().name


def send_expiry_reminder(to: str, subject: str, body: str) -> None:
    send_shop_mail(to, subject, body, what="Reminders")
