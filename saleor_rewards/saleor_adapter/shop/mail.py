"""Saleor's mail as the ``Mailer`` port: invitation e-mails (R2), and the mail of
every other feature (expiry reminders, O1) through ``send_shop_mail``."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import send_mail

from ...ledger.errors import ProgramDisabled


def send_shop_mail(to: str, subject: str, body: str, *, what: str, field: str | None = None):
    """Through Django's mail backend as Saleor configures it (``EMAIL_URL``), from
    the sender the shop set in its site settings."""
    if not settings.EMAIL_BACKEND:
        raise ProgramDisabled(
            f"{what} need the shop's e-mail to be configured (EMAIL_URL).", field=field
        )
    sender = Site.objects.get_current().settings.default_from_email
    send_mail(subject, body, sender, [to])


def send_invite(to: str, subject: str, body: str) -> None:
    send_shop_mail(to, subject, body, what="Invitations", field="emails")
