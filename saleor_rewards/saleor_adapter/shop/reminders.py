"""Saleor behind the ``ReminderShop`` port (O1): customers' addresses, their consent
and restriction, and Saleor's mail."""

from django.contrib.sites.models import Site
from saleor.account.models import User

from ...ledger.models import Program
from ...programs.channel.restrictions import restricted_among
from ...programs.privacy.consent import members_consenting_to_reminders
from .mail import send_shop_mail


def member_emails(member_ids) -> dict[int, str]:
    users = User.objects.filter(id__in=list(member_ids), is_active=True).exclude(email="")
    return dict(users.values_list("id", "email"))


def consenting_member_ids(program: Program, member_ids) -> set[int]:
    """P6: off until the member turns reminders on (``rewardsConsentUpdate``)."""
    return members_consenting_to_reminders(program, member_ids)


def restricted_member_ids(program: Program, member_ids) -> set[int]:
    """P5: no mail while restricted."""
    return restricted_among(member_ids)


def shop_name() -> str:
    return Site.objects.get_current().name


def send_expiry_reminder(to: str, subject: str, body: str) -> None:
    send_shop_mail(to, subject, body, what="Reminders")
