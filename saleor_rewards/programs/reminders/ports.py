"""What the reminders need of the shop (O1, P5, P6); the Saleor adapter implements it
(``saleor_adapter/shop/reminders.py``), the Saleor-independent suite fakes it."""

from collections.abc import Iterable
from typing import Protocol

from ...ledger.models import Program


class ReminderShop(Protocol):
    def member_emails(self, member_ids: Iterable[int]) -> dict[int, str]:
        """member id -> e-mail of the active customers among ``member_ids``."""

    def consenting_member_ids(self, program: Program, member_ids: Iterable[int]) -> set[int]:
        """Those of ``member_ids`` who switched expiry reminders on (P6)."""

    def restricted_member_ids(self, program: Program, member_ids: Iterable[int]) -> set[int]:
        """Those of ``member_ids`` whose processing is restricted: no mail (P5)."""

    def shop_name(self) -> str: ...

    def send_expiry_reminder(self, to: str, subject: str, body: str) -> None:
        """Send one mail; raise when the shop cannot send mail."""
