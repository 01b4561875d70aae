import graphene

from ...programs.privacy.consent import consents_to_reminders, update_consent
from ..types.privacy import RewardsConsent
from .base import RewardsMutation


class RewardsConsentUpdate(RewardsMutation):
    """Customer: switch expiry reminders on or off in a channel (P6)."""

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        expiry_reminders = graphene.Boolean(description="Omitted: unchanged.")

    consent = graphene.Field(RewardsConsent)

    @classmethod
    def perform(cls, root, info, *, channel, expiry_reminders=None):
        context = info.context
        member_id = context.requestor.require_user()
        program = context.program(channel)
        if expiry_reminders is None:
            return {"consent": {"expiry_reminders": consents_to_reminders(program, member_id)}}
        row = update_consent(program, member_id, expiry_reminders=expiry_reminders)
        return {"consent": {"expiry_reminders": row.expiry_reminders}}
