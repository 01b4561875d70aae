import graphene

from ... import money
from ...ledger.errors import InvalidInput, NotFound
from ...ledger.models import Entry
from ...programs.channel.members import adjust_balance
from ..ids import decode_int_id
from ..permissions import MANAGE_GIFT_CARD
from ..types.member import (
    MemberForStaff,
    RewardsBalanceKind,
    RewardsLedgerEntry,
    RewardsMember,
)
from .base import RewardsMutation


class RewardsBalanceAdjust(RewardsMutation):
    """Staff / Apps: add to or take from a member's points or cash, with a reason
    (MANAGE_GIFT_CARD). Nobody adjusts their own balance; one credit adds at most
    the program's ``adjust_max_points`` (cash by its value in points); an
    ``idempotencyKey`` sent again with other arguments is a CONFLICT."""

    class Arguments:
        user_id = graphene.ID(required=True, description="Saleor User id.")
        channel = graphene.String(required=True, description="Channel slug.")
        kind = RewardsBalanceKind(required=True)
        amount = graphene.Decimal(
            required=True, description="Positive adds a lot, negative takes back."
        )
        reason = graphene.String(required=True)
        expires_in_days = graphene.Int(
            description="Expiry of added points; default: the program's setting."
        )
        idempotency_key = graphene.String(
            description="Repeat a request with the same key (up to "
            f"{money.MAX_CLIENT_KEY_LENGTH} characters) to apply it only once."
        )

    entry = graphene.Field(RewardsLedgerEntry)
    member = graphene.Field(RewardsMember)

    @classmethod
    def perform(
        cls,
        root,
        info,
        *,
        user_id,
        channel,
        kind,
        amount,
        reason,
        expires_in_days=None,
        idempotency_key=None,
    ):
        context = info.context
        program = context.staff_program(channel, MANAGE_GIFT_CARD)
        member_id = decode_int_id(user_id, "User", field="userId")
        if not context.shop.channels.member_exists(member_id):
            raise NotFound(f"User {user_id} does not exist.", field="userId")
        settings = context.settings_for(program)
        if expires_in_days is None:
            expires_in_days = settings["expiry_days_adjustment"]
        elif expires_in_days < 1:
            raise InvalidInput("expiresInDays must be at least 1.", field="expiresInDays")
        member = MemberForStaff(program, member_id)
        key = money.client_key("adjust:", idempotency_key)
        posting = adjust_balance(
            member,
            kind,
            amount,
            reason=reason,
            actor=context.requestor.actor(),
            key=key,
            expires_in_days=expires_in_days,
            settings=settings,
        )
        entry = Entry.objects.select_related("account", "lot").get(id=posting.entry_id)
        return {"entry": entry, "member": member}
