"""Saleor's mail as the ``WithdrawalMail`` port: a member's withdrawal news (W5).

Called after the commit of the step it reports (``transaction.on_commit``): a mail
that cannot go is logged (with the member's id, never an address or a detail) and
never undoes the step.
"""

import logging

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import send_mail
from saleor.account.models import User

logger = logging.getLogger(__name__)


def notify_member(member_id: int, subject: str, body: str) -> None:
    try:
        email = User.objects.filter(id=member_id).values_list("email", flat=True).first()
        if not email or not settings.EMAIL_BACKEND:
            return
        sender = Site.objects.get_current().settings.default_from_email
        send_mail(subject, body, sender, [email])
    except Exception:
        logger.warning("saleor-rewards: the withdrawal mail to member %s failed.", member_id)
