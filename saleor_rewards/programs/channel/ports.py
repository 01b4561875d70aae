"""What every feature asks the shop platform about channels and customers.

The Saleor adapter implements it (``saleor_adapter/shop/channels.py``); the
Saleor-independent suite has an in-memory one (``tests/fakes.py``).
"""

from typing import Protocol

from ...ledger.models import Program


class Channels(Protocol):
    def program(self, channel_slug: str) -> Program | None:
        """The channel's rewards program; None when there is no such channel or it
        has no program. A read: programs are created with their channel."""
        ...

    def member_exists(self, user_id: int) -> bool:
        """Whether the shop has a customer (or staff user) with this id."""
        ...

    def member_verified(self, user_id: int) -> bool:
        """Whether the member's e-mail is verified (else: the Unverified tier, T1)."""
        ...
