"""What withdrawals ask the shop platform: to mail the member about their request.

The Saleor adapter implements it (``saleor_adapter/shop/withdrawal_mail.py``) with
Saleor's mail; the Saleor-independent suite records the mails (``tests/fakes.py``).
"""

from typing import Protocol


class WithdrawalMail(Protocol):
    def notify_member(self, member_id: int, subject: str, body: str) -> None:
        """Mail the member; never raises (a mail that cannot go is logged)."""
        ...
