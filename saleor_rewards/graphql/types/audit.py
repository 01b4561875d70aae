"""The audit trail as the API shows it (P4, API.md ``RewardsAuditEvent``)."""

import graphene
from graphql_relay import from_global_id, to_global_id

from ...events.models import AuditEvent, AuditSubject
from ...ledger import ActorType
from ...ledger.errors import InvalidInput
from ..pagination import CountableConnection, connection_from_queryset

AUDIT_EVENT_TYPE = "RewardsAuditEvent"
_ACTORS = {ActorType.STAFF: ("USER", "User"), ActorType.APP: ("APP", "App")}
# The subject's GraphQL type: a member is Saleor's User, every other subject the
# plugin's ``Rewards<Subject>`` (RewardsTier, RewardsReview, RewardsWithdrawal, ...).
_SUBJECT_TYPES = {
    subject: "User"
    if subject == AuditSubject.MEMBER
    else "Rewards" + "".join(part.title() for part in subject.split("_"))
    for subject in AuditSubject.ALL
}
_SUBJECTS_BY_TYPE = {graphql: subject for subject, graphql in _SUBJECT_TYPES.items()}


def subject_filter(global_id: str) -> tuple[str, str]:
    """(subject type, subject id) named by a ``subjectId`` the API showed."""
    try:
        type_, raw = from_global_id(global_id)
    except Exception:
        type_, raw = None, None
    if type_ not in _SUBJECTS_BY_TYPE or not raw:
        raise InvalidInput(f"{global_id[:100]!r} is no audit subject's id.", field="subject")
    return _SUBJECTS_BY_TYPE[type_], raw


def actor_filter(global_id: str) -> tuple[str, str]:
    """(actor type, actor id) of a Saleor ``User`` or ``App`` global id."""
    try:
        type_, raw = from_global_id(global_id)
    except Exception:
        type_, raw = None, None
    for actor_type, (_shown, graphql) in _ACTORS.items():
        if type_ == graphql and raw:
            return actor_type, raw
    raise InvalidInput(f"{global_id[:100]!r} is no User or App id.", field="actor")


class RewardsAuditActorType(graphene.Enum):
    USER = "USER"
    APP = "APP"
    SYSTEM = "SYSTEM"


class RewardsAuditEvent(graphene.ObjectType):
    """One staff change: who (a staff user or an App), when, what, from what to what."""

    id = graphene.ID(required=True)
    created_at = graphene.DateTime(required=True)
    actor_type = RewardsAuditActorType(required=True)
    actor_id = graphene.ID(description="Saleor global id of the User or App.")
    type = graphene.String(required=True, description="e.g. TIER_UPDATED, BALANCE_ADJUSTED.")
    subject_type = graphene.String(required=True, description="e.g. TIER, ACCOUNT, PLUGIN.")
    subject_id = graphene.ID(
        required=True, description="The subject's global id (pass it as `subject`)."
    )
    before = graphene.JSONString(description="null for something created.")
    after = graphene.JSONString(description="null for something deleted.")
    channel = graphene.String(description="null for the plugin's own configuration.")

    @staticmethod
    def resolve_id(root: AuditEvent, info):
        return to_global_id(AUDIT_EVENT_TYPE, root.id)

    @staticmethod
    def resolve_actor_type(root: AuditEvent, info):
        return _ACTORS.get(root.actor_type, ("SYSTEM", None))[0]

    @staticmethod
    def resolve_actor_id(root: AuditEvent, info):
        graphql = _ACTORS.get(root.actor_type, (None, None))[1]
        return to_global_id(graphql, root.actor_id) if graphql and root.actor_id else None

    @staticmethod
    def resolve_type(root: AuditEvent, info):
        return root.type.upper()

    @staticmethod
    def resolve_subject_type(root: AuditEvent, info):
        return root.subject_type.upper()

    @staticmethod
    def resolve_subject_id(root: AuditEvent, info):
        return to_global_id(_SUBJECT_TYPES[root.subject_type], root.subject_id)

    @staticmethod
    def resolve_channel(root: AuditEvent, info):
        return root.program.channel_slug if root.program_id else None


class RewardsAuditEventConnection(CountableConnection):
    class Meta:
        node = RewardsAuditEvent


def audit_event_connection(events, *, first=None, after=None):
    """A page of ``events``, newest first."""
    events = events.select_related("program").order_by("-id")
    return connection_from_queryset(RewardsAuditEventConnection, events, first=first, after=after)
