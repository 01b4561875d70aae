"""Saleor's channels and customers as the ``Channels`` port (programs/channel/ports.py).

A read: a channel's program is created with the channel (``use_cases/programs.py``),
never here.
"""

from saleor.account.models import User

from ...ledger.models import Program


def program(channel_slug: str) -> Program | None:
    return Program.objects.filter(channel_slug=channel_slug).first()


def member_exists(user_id: int) -> bool:
    return User.objects.filter(id=user_id).exists()


def member_verified(user_id: int) -> bool:
    return User.objects.filter(id=user_id, is_confirmed=True).exists()
