"""Saleor's mail as the ``Mailer`` port: invitation e-mails (R2)."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import send_mail

from ...ledger.errors import ProgramDisabled


def send_invite(to: str, subject: str, body: str) -> None:
    """Through Django's mail backend as Saleor configures it (``EMAIL_URL``), from
    the sender the shop set in its site settings."""
    if not settings.EMAIL_BACKEND:
        raise ProgramDisabled(
            "Invitations need the shop's e-mail to be configured (EMAIL_URL).",
            field="emails",
        )
    sender = Site.objects.get_current().settings.default_from_email
    send_mail(subject, body, sender, [to])
