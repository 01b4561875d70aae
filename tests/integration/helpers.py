"""Shared helpers of the integration suite: the endpoint, tokens, ledger checks."""

import json
from datetime import timedelta

import graphene
from django.db import connection

PLUGIN_ID = "saleor_rewards"
PLUGIN_PATH = "saleor_rewards.plugin.RewardsPlugin"
ENDPOINT = f"/plugins/global/{PLUGIN_ID}/graphql/"


def user_global_id(user) -> str:
    """Saleor's global id of a user, as the Dashboard and storefronts send it."""
    return graphene.Node.to_global_id("User", user.pk)


class RewardsApi:
    """The plugin's GraphQL endpoint, reached through Saleor's real URL routing."""

    def __init__(self, client):
        self.client = client

    def post(self, query, variables=None, *, token=None, path=ENDPOINT, meta=None):
        """``meta``: more of the request's headers, as Django names them."""
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        headers.update(meta or {})
        return self.client.post(
            path,
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )

    def execute(self, query, variables=None, *, token=None, meta=None) -> dict:
        """The JSON body of a request the endpoint answered with 200."""
        response = self.post(query, variables, token=token, meta=meta)
        assert response.status_code == 200, (response.status_code, response.content)
        return response.json()


def grant(user, *permissions, channels=None):
    """``permissions`` as the Dashboard grants them: a permission group of ``user``,
    with access to every channel, or restricted to ``channels`` (SPEC §0; staff
    without any group act in no channel, as in Saleor)."""
    from saleor.account.models import Group

    group = Group.objects.create(
        name=f"rewards test group {Group.objects.count() + 1}",
        restricted_access_to_channels=channels is not None,
    )
    group.permissions.add(*permissions)
    if channels:
        group.channels.add(*channels)
    group.user_set.add(user)
    return user


def error_codes(body: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def settle_deferred_checks() -> None:
    """Fire every queued deferred constraint trigger now, as COMMIT would.

    Covers the ledger's invariant triggers (migration 0002) and Saleor's deferred
    foreign keys alike; switching back keeps later checks deferred.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def ledger_row_counts() -> dict[str, int]:
    tables = ("rewards_account", "rewards_lot", "rewards_entry", "rewards_hold")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables))
        return dict(zip(tables, cursor.fetchone(), strict=False))


def forged_access_token(user, *, expires_in=timedelta(minutes=5)) -> str:
    """A Saleor-shaped access token for ``user`` signed with a key Saleor never saw."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from saleor.core.jwt import JWT_ACCESS_TYPE, jwt_user_payload
    from saleor.core.jwt_manager import get_jwt_manager

    payload = jwt_user_payload(user, JWT_ACCESS_TYPE, expires_in)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(
        payload,
        other_key,
        algorithm="RS256",
        headers={"kid": get_jwt_manager().get_key_id()},
    )


MEMBER_FIELDS = """
  userId
  channel
  points { available pending held expiringSoon { points expiresAt } }
  cash {
    available { amount currency }
    pending { amount currency }
    held { amount currency }
  }
  history(first: 20) {
    totalCount
    edges { node { kind type amount balanceAfter reason reference { type id } } }
  }
"""

ME_QUERY = f"""
query Me($channel: String!) {{
  rewardsMe(channel: $channel) {{ {MEMBER_FIELDS} }}
}}
"""

MEMBER_QUERY = f"""
query Member($userId: ID!, $channel: String!) {{
  rewardsMember(userId: $userId, channel: $channel) {{ {MEMBER_FIELDS} }}
}}
"""

ADJUST_MUTATION = """
mutation Adjust($userId: ID!, $channel: String!, $kind: RewardsBalanceKind!,
                $amount: Decimal!, $reason: String!, $expiresInDays: Int) {
  rewardsBalanceAdjust(userId: $userId, channel: $channel, kind: $kind,
                       amount: $amount, reason: $reason,
                       expiresInDays: $expiresInDays) {
    errors { field code message }
    entry { kind type amount balanceAfter reason expiresAt }
    member { points { available } cash { available { amount currency } } }
  }
}
"""


def grant_reminder_consent(user) -> None:
    """The member switches expiry reminders on (P6) in every channel, as
    ``rewardsConsentUpdate`` does in one."""
    from saleor_rewards.ledger.models import Program
    from saleor_rewards.programs.privacy.consent import update_consent

    for program in Program.objects.all():
        update_consent(program, user.id, expiry_reminders=True)


def restrict_member(user) -> None:
    """Staff restrict the member's processing (P5), as ``rewardsMemberRestrict`` does."""
    from saleor_rewards.ledger import Actor
    from saleor_rewards.programs.channel.restrictions import restrict_member as restrict

    restrict(user.id, True, reason="the member asked (P5)", actor=Actor("staff", "1"))
