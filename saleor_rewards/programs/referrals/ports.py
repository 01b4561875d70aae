"""What the referral program asks the shop platform (R1-R5).

The Saleor adapter implements these (``saleor_adapter/shop/customers.py`` and
``mail.py``); the Saleor-independent suite has in-memory ones (``tests/fakes.py``).
"""

from typing import Protocol


class ReferralShop(Protocol):
    """The shop's customers and their orders, as sponsorship needs them."""

    def member_emails(self, user_ids) -> dict[int, str]:
        """user id -> e-mail of the ids the shop knows."""
        ...

    def member_by_email(self, email: str) -> int | None:
        """The active customer with this (normalized) e-mail; None if nobody."""
        ...

    def has_paid_order(self, user_id: int) -> bool:
        """R5: the customer has (or had) an order paid in full."""
        ...

    def customer_order_ids(self, user_ids) -> dict[int, list[str]]:
        """user id -> ids of their orders, for the friends' states."""
        ...

    def shop_name(self) -> str:
        """The shop's name, for share texts and invitations; may be empty."""
        ...


class Mailer(Protocol):
    """Sends the invitation e-mails (R2)."""

    def send_invite(self, to: str, subject: str, body: str) -> None:
        """Send one invitation; raise a domain error when the shop cannot send mail."""
        ...
