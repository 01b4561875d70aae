"""A shop behind the referral program, without Saleor: known e-mails, paid customers,
orders; invitations go through Django's mail backend (locmem in tests)."""

from dataclasses import dataclass, field

from saleor_rewards import config
from saleor_rewards.graphql.context import ProgramDirectory


@dataclass
class FakeShop(ProgramDirectory):
    emails: dict[int, str] = field(default_factory=dict)
    paid: set[int] = field(default_factory=set)
    orders: dict[int, list[str]] = field(default_factory=dict)
    name: str = "Example Shop"

    def member_emails(self, user_ids) -> dict[int, str]:
        return {uid: self.emails[uid] for uid in user_ids if uid in self.emails}

    def member_by_email(self, email: str) -> int | None:
        return next(
            (
                uid
                for uid, known in self.emails.items()
                if known.lower() == email.lower()
            ),
            None,
        )

    def has_paid_order(self, user_id: int) -> bool:
        return user_id in self.paid

    def customer_order_ids(self, user_ids) -> dict[int, list[str]]:
        return {uid: self.orders.get(uid, []) for uid in user_ids}

    def shop_name(self) -> str:
        return self.name


def settings(**values) -> dict:
    """Effective settings with ``values`` over the SPEC defaults."""
    return config.resolve({}, values)
