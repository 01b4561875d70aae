"""GraphQL types of privacy (P5, P6)."""

import graphene


class RewardsConsent(graphene.ObjectType):
    expiry_reminders = graphene.Boolean(
        required=True, description="Expiry reminders by e-mail; off until turned on (P6)."
    )
