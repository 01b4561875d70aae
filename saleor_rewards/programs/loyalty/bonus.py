"""The e-mail verification bonus (B1): ``signup_bonus_points`` once per member.

Saleor's ``account_confirmed`` hook has no channel, so the adapter calls this for
every active channel's program; the bonus is then once per member and channel. The
ledger key is the same for every call, so a repeated hook credits nothing more.
"""

from datetime import datetime

from ...ledger import LotSource, Reference, ReferenceType
from ...ledger.models import Program
from .daily_cap import credit_activity

EMAIL_VERIFIED_KEY = "bonus:email-verified"


def award_email_verified(
    program: Program, member_id: int, settings: dict, *, now: datetime | None = None
) -> int:
    """Credit the verification bonus, available at once, cut by the daily cap (B3).

    Returns the points credited under the bonus key, the first credit's on a
    replay (0 when off: program disabled or ``signup_bonus_points`` = 0).
    """
    points = settings["signup_bonus_points"]
    if not settings["program_enabled"] or points <= 0:
        return 0
    return credit_activity(
        program,
        member_id,
        points,
        key=EMAIL_VERIFIED_KEY,
        source=LotSource.BONUS,
        settings=settings,
        expires_in_days=settings["expiry_days_bonus"],
        reference=Reference(ReferenceType.ACCOUNT, str(member_id)),
        reason="E-mail verified",
        now=now,
    )
