"""P4: every staff change is one append-only audit event — who, when, before/after.

Settings, tier edits, review decisions and balance adjustments each write exactly one
event in the transaction of the change; a refused change writes none; the database
refuses to change or delete an event (migration 0008); and the settings history that
lived in ``Program.settings["_changes"]`` moves into events.
"""

import importlib
import json
from datetime import UTC, datetime

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from graphql_relay import to_global_id

from saleor_rewards import config
from saleor_rewards.events.models import AuditEvent, AuditEventType, AuditSubject
from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import (
    Requestor,
    RequestorKind,
    RewardsContext,
)
from saleor_rewards.graphql.permissions import (
    MANAGE_DISCOUNTS,
    MANAGE_GIFT_CARD,
    MANAGE_PLUGINS,
    MANAGE_USERS,
)
from saleor_rewards.ledger import SYSTEM, Actor, ActorType, Kind
from saleor_rewards.ledger.errors import AlreadyExists, Conflict, InsufficientBalance
from saleor_rewards.ledger.models import Entry, Program
from saleor_rewards.programs.channel.members import Member, adjust_balance
from saleor_rewards.programs.channel.settings import program_settings, update_program_settings
from saleor_rewards.programs.reviews.services import (
    OrderLineInfo,
    ReviewAction,
    moderate_review,
    submit_review,
)
from saleor_rewards.programs.tiers import editing
from saleor_rewards.programs.tiers import services as tiers
from saleor_rewards.programs.tiers.editing import TierInput, create_tier, update_tier
from saleor_rewards.programs.tiers.models import Tier
from tests.fakes import fake_shop

from .helpers import T0

pytestmark = pytest.mark.django_db

# Staff and an App who read members, credit balances and edit tiers (SPEC §0).
STAFF_PERMISSIONS = frozenset({MANAGE_USERS, MANAGE_GIFT_CARD, MANAGE_DISCOUNTS})
STAFF = Requestor(kind=RequestorKind.STAFF, user_id=1, permissions=STAFF_PERMISSIONS)
APP = Requestor(kind=RequestorKind.APP, app_id=9, permissions=STAFF_PERMISSIONS)
SETTINGS = config.parse({})
PLUGIN = {"points_per_unit": "150"}
MIGRATION = importlib.import_module("saleor_rewards.migrations.0008_audit_events")

CREATE = """mutation($input: RewardsTierInput!) {
  rewardsTierCreate(channel: "main", input: $input) { errors { field code } tier { id } } }"""
UPDATE = """mutation($id: ID!, $input: RewardsTierInput!) {
  rewardsTierUpdate(id: $id, input: $input) { errors { field code } } }"""
DELETE = """mutation($id: ID!) { rewardsTierDelete(id: $id) { errors { field code } } }"""
ADJUST = """mutation($amount: Decimal!, $key: String) {
  rewardsBalanceAdjust(userId: "VXNlcjo3", channel: "main", kind: POINTS,
    amount: $amount, reason: "goodwill", idempotencyKey: $key) {
    errors { field code } entry { amount } } }"""
MODERATE = """mutation($id: ID!, $action: RewardsReviewAction!) {
  rewardsReviewModerate(id: $id, action: $action, note: "thanks") {
    errors { field code } } }"""


@pytest.fixture
def program():
    return Program.objects.create(channel_slug="main", currency="EUR")


def call(query, variables, requestor=STAFF):
    context = RewardsContext(requestor=requestor, shop=fake_shop())
    body = json.dumps({"query": query, "variables": variables})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    return json.loads(view.handle(request, context).content)


def events(type=None):
    rows = AuditEvent.objects.order_by("id")
    return list(rows.filter(type=type) if type else rows)


def who(event):
    return (event.actor_type, event.actor_id)


def pending_review(program, member=7, line_id="line-1"):
    line = OrderLineInfo(
        line_id=line_id,
        order_id="order-1",
        owner_id=member,
        channel_slug=program.channel_slug,
        fulfilled=True,
    )
    text = "Fits well, warm, and the zip feels solid after a month."
    return submit_review(Member(program, member, now=T0), line, text, settings=SETTINGS)


# --- program settings ------------------------------------------------------------------


def test_P4_a_settings_change_writes_one_event_with_who_and_before_after(program):
    update_program_settings(
        program, PLUGIN, values=[("hold_days", "14")], actor=Actor(ActorType.STAFF, "5"), now=T0
    )

    (event,) = events()
    assert (event.type, event.program_id, who(event), event.created_at) == (
        AuditEventType.PROGRAM_SETTINGS_CHANGED,
        program.id,
        ("staff", "5"),
        T0,
    )
    assert (event.subject_type, event.subject_id) == (AuditSubject.PROGRAM, str(program.id))
    assert event.before == {"hold_days": {"value": "0", "overridden": False}}
    assert event.after == {"hold_days": {"value": "14", "overridden": True}}
    assert "_changes" not in Program.objects.get(id=program.id).settings


def test_P4_a_refused_settings_change_writes_no_event(program):
    with pytest.raises(config.SettingsError):
        update_program_settings(program, PLUGIN, values=[("hold_days", "-1")], actor=SYSTEM)

    assert events() == []


# --- tiers (T2) --------------------------------------------------------------------------


def test_P4_T2_creating_a_tier_writes_one_event_with_the_new_tier(program):
    tiers.create_default_tiers(program)

    body = call(
        CREATE, {"input": {"name": "VIP-E", "minConsumption": "100", "discountPercent": "0.75"}}
    )

    assert body["data"]["rewardsTierCreate"]["errors"] == []
    (event,) = events()
    tier = Tier.objects.get(name="VIP-E")
    assert (event.type, who(event), event.subject_id) == (
        AuditEventType.TIER_CREATED,
        ("staff", "1"),
        str(tier.id),
    )
    assert event.before is None
    assert event.after == {
        "name": "VIP-E",
        "min_consumption": "100",
        "discount_percent": "0.75",
        "max_redeem_percent": None,
        "earn_multiplier": "1",
        "position": 0,
        "for_unverified": False,
    }


def test_P4_T2_updating_a_tier_records_the_fields_that_changed(program):
    tiers.create_default_tiers(program)
    vip_d = Tier.objects.get(name="VIP-D")

    body = call(
        UPDATE,
        {
            "id": to_global_id("RewardsTier", vip_d.id),
            "input": {"minConsumption": "300", "name": "VIP-D"},
        },
        APP,
    )

    assert body["data"]["rewardsTierUpdate"]["errors"] == []
    (event,) = events()
    assert (event.type, who(event), event.subject_id) == (
        AuditEventType.TIER_UPDATED,
        ("app", "9"),
        str(vip_d.id),
    )
    assert (event.before, event.after) == ({"min_consumption": "200"}, {"min_consumption": "300"})


def test_P4_T2_an_update_that_changes_nothing_records_nothing(program):
    tiers.create_default_tiers(program)
    vip_d = Tier.objects.get(name="VIP-D")

    update_tier(vip_d.id, TierInput(min_consumption="200.000"), SETTINGS, actor=SYSTEM)

    assert events() == []


def test_P4_T2_deleting_a_tier_writes_one_event_with_the_tier_it_was(program):
    tiers.create_default_tiers(program)
    vip_c = Tier.objects.get(name="VIP-C")

    body = call(DELETE, {"id": to_global_id("RewardsTier", vip_c.id)})

    assert body["data"]["rewardsTierDelete"]["errors"] == []
    (event,) = events()
    assert (event.type, who(event), event.subject_id, event.after) == (
        AuditEventType.TIER_DELETED,
        ("staff", "1"),
        str(vip_c.id),
        None,
    )
    assert (event.before["name"], event.before["min_consumption"]) == ("VIP-C", "800")


def test_P4_T2_a_refused_tier_change_writes_no_event(program):
    tiers.create_default_tiers(program)

    with pytest.raises(AlreadyExists):
        create_tier(program, TierInput(name="vip-d"), SETTINGS, actor=SYSTEM)
    body = call(
        UPDATE,
        {
            "id": to_global_id("RewardsTier", Tier.objects.get(name="VIP-C").id),
            "input": {"name": "VIP-D"},
        },
    )

    assert body["data"]["rewardsTierUpdate"]["errors"] == [
        {"field": "name", "code": "ALREADY_EXISTS"}
    ]
    assert events() == []


def test_P4_T2_a_tier_change_whose_event_fails_is_undone(program, monkeypatch):
    tiers.create_default_tiers(program)

    def refuse(*args, **kwargs):
        raise IntegrityError("no audit, no change")

    monkeypatch.setattr(editing, "tier_created_event", refuse)
    with pytest.raises(IntegrityError):
        create_tier(program, TierInput(name="VIP-E"), SETTINGS, actor=SYSTEM)

    assert not Tier.objects.filter(name="VIP-E").exists()


# --- reviews (B2) ------------------------------------------------------------------------


def test_P4_B2_approving_a_review_writes_one_event_with_the_points(program):
    review = pending_review(program)

    body = call(MODERATE, {"id": to_global_id("RewardsReview", review.id), "action": "APPROVE"})

    assert body["data"]["rewardsReviewModerate"]["errors"] == []
    (event,) = events()
    assert (event.type, who(event), event.subject_type, event.subject_id) == (
        AuditEventType.REVIEW_APPROVED,
        ("staff", "1"),
        AuditSubject.REVIEW,
        str(review.id),
    )
    assert (event.before, event.after) == (
        {"status": "pending"},
        {"status": "approved", "points": 5, "note": "thanks"},
    )


def test_P4_B2_rejecting_a_review_writes_one_event(program):
    review = pending_review(program)

    moderate_review(
        review.id,
        ReviewAction.REJECT,
        settings=SETTINGS,
        note="blurry",
        actor=Actor(ActorType.APP, "9"),
        now=T0,
    )

    (event,) = events()
    assert (event.type, who(event), event.created_at) == (
        AuditEventType.REVIEW_REJECTED,
        ("app", "9"),
        T0,
    )
    assert event.after == {"status": "rejected", "note": "blurry"}


def test_P4_B2_a_second_decision_is_refused_and_writes_no_event(program):
    review = pending_review(program)
    moderate_review(review.id, ReviewAction.REJECT, settings=SETTINGS, now=T0)

    with pytest.raises(Conflict):
        moderate_review(review.id, ReviewAction.APPROVE, settings=SETTINGS, now=T0)

    assert [event.type for event in events()] == [AuditEventType.REVIEW_REJECTED]


# --- staff adjustments (U3) --------------------------------------------------------------


def test_P4_U3_a_staff_adjustment_writes_one_event_with_the_balances(program):
    call(ADJUST, {"amount": "500"})

    body = call(ADJUST, {"amount": "-200"}, APP)

    assert body["data"]["rewardsBalanceAdjust"]["errors"] == []
    first, second = events()
    entry = Entry.objects.order_by("id").last()
    assert (second.type, who(second), second.subject_type, second.subject_id) == (
        AuditEventType.BALANCE_ADJUSTED,
        ("app", "9"),
        AuditSubject.ACCOUNT,
        str(entry.account_id),
    )
    assert second.before == {
        "kind": "points",
        "currency": None,
        "available": "500",
        "pending": "0",
        "held": "0",
    }
    assert second.after == {
        "kind": "points",
        "currency": None,
        "available": "300",
        "pending": "0",
        "held": "0",
        "amount": "-200",
        "entry_id": entry.id,
    }
    assert (who(first), first.before["available"], first.after["available"]) == (
        ("staff", "1"),
        "0",
        "500",
    )


def test_P4_L3_an_adjustment_that_pays_a_debt_records_what_the_member_is_left_with(program):
    from saleor_rewards.ledger import open_account, revoke

    # given member 7 owes 150 points after a take-back
    revoke(open_account(program, 7, Kind.POINTS), 150, key="refund")

    body = call(ADJUST, {"amount": "500"})

    # then 150 of the 500 paid the debt: the event says so, and 350 are left
    assert body["data"]["rewardsBalanceAdjust"]["errors"] == []
    (event,) = events(AuditEventType.BALANCE_ADJUSTED)
    assert (event.before["available"], event.after["available"]) == ("0", "350")
    assert (event.after["amount"], event.after["debt_paid"]) == ("500", "150")


def test_P4_U3_a_replayed_adjustment_records_one_event(program):
    call(ADJUST, {"amount": "100", "key": "ticket-42"})
    call(ADJUST, {"amount": "100", "key": "ticket-42"})

    assert len(events(AuditEventType.BALANCE_ADJUSTED)) == 1


def test_P4_U3_a_refused_adjustment_writes_no_event(program):
    body = call(ADJUST, {"amount": "-10"})

    assert body["data"]["rewardsBalanceAdjust"]["errors"] == [
        {"field": "amount", "code": "INSUFFICIENT_BALANCE"}
    ]
    with pytest.raises(InsufficientBalance):
        adjust_balance(
            Member(program, 7),
            Kind.POINTS,
            -10,
            reason="x",
            actor=SYSTEM,
            key="k",
            expires_in_days=None,
        )
    assert events() == []


def test_P4_U3_an_adjustment_whose_event_fails_is_undone(program, monkeypatch):
    from saleor_rewards.programs.channel import members

    def refuse(*args, **kwargs):
        raise IntegrityError("no audit, no change")

    monkeypatch.setattr(members, "balance_adjusted_event", refuse)
    with pytest.raises(IntegrityError):
        adjust_balance(
            Member(program, 7),
            Kind.POINTS,
            50,
            reason="x",
            actor=SYSTEM,
            key="k",
            expires_in_days=None,
        )

    assert Entry.objects.count() == 0


# --- append-only in the database --------------------------------------------------------


@pytest.fixture
def event(program):
    update_program_settings(program, PLUGIN, values=[("hold_days", "14")], actor=SYSTEM)
    return AuditEvent.objects.get()


@pytest.mark.parametrize(
    "assignment",
    [
        "actor_id = 'someone-else'",
        "after = '{}'::jsonb",
        "created_at = created_at - interval '1 day'",
    ],
)
def test_P4_an_event_cannot_be_updated(event, assignment):
    with pytest.raises(IntegrityError, match="append-only: UPDATE on rewards_audit_event"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE rewards_audit_event SET {assignment} WHERE id = %s", [event.id])

    fresh = AuditEvent.objects.get(id=event.id)
    assert (fresh.actor_id, fresh.after, fresh.created_at) == (
        event.actor_id,
        event.after,
        event.created_at,
    )


def test_P4_an_event_cannot_be_deleted(event):
    with pytest.raises(IntegrityError, match="append-only: DELETE on rewards_audit_event"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM rewards_audit_event WHERE id = %s", [event.id])

    assert AuditEvent.objects.filter(id=event.id).exists()


def test_P4_an_event_delete_through_the_orm_is_refused_too(event):
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic():
            AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 1


def test_P4_an_event_of_an_unknown_type_is_refused(program):
    with pytest.raises(IntegrityError, match="rewards_audit_event_type"):
        with transaction.atomic():
            AuditEvent.objects.create(
                type="tier_renamed",
                actor_type=ActorType.STAFF,
                program=program,
                subject_type=AuditSubject.TIER,
                subject_id="1",
                after={"name": "x"},
            )


# --- migration 0008: the settings history moves into events -----------------------------


HISTORY = [
    {
        "at": "2030-01-01T12:00:00+00:00",
        "actor_type": "staff",
        "actor_id": "5",
        "settings": [
            {
                "name": "points_per_unit",
                "before": "150",
                "after": "250",
                "overridden_before": False,
                "overridden_after": True,
            },
            {
                "name": "hold_days",
                "before": "3",
                "after": "14",
                "overridden_before": False,
                "overridden_after": True,
            },
        ],
    },
    {
        "at": "2030-01-01T15:00:00+00:00",
        "actor_type": "app",
        "actor_id": "9",
        "settings": [
            {
                "name": "hold_days",
                "before": "14",
                "after": "3",
                "overridden_before": True,
                "overridden_after": False,
            }
        ],
    },
]


def test_P4_migration_moves_the_settings_history_into_events(program, other_program):
    program.settings = {"points_per_unit": "250", "_changes": HISTORY}
    program.save()

    MIGRATION.move_settings_history(django_apps, None)

    program.refresh_from_db()
    assert program.settings == {"points_per_unit": "250"}
    newest, oldest = program_settings(program, PLUGIN).changes
    assert (newest.changed_at, newest.actor) == (
        datetime(2030, 1, 1, 15, tzinfo=UTC),
        Actor(ActorType.APP, "9"),
    )
    assert [
        (c.name, c.before, c.after, c.overridden_before, c.overridden_after)
        for c in newest.settings
    ] == [("hold_days", "14", "3", True, False)]
    assert (oldest.actor, [(c.name, c.after) for c in oldest.settings]) == (
        Actor(ActorType.STAFF, "5"),
        [("points_per_unit", "250"), ("hold_days", "14")],
    )
    assert program_settings(other_program, PLUGIN).changes == ()


def test_P4_migration_reversed_puts_the_history_back(program):
    program.settings = {"_changes": HISTORY}
    program.save()
    MIGRATION.move_settings_history(django_apps, None)

    MIGRATION.restore_settings_history(django_apps, None)

    restored = Program.objects.get(id=program.id).settings["_changes"]
    assert [
        {**record, "settings": sorted(record["settings"], key=lambda c: c["name"])}
        for record in restored
    ] == [
        {**record, "settings": sorted(record["settings"], key=lambda c: c["name"])}
        for record in HISTORY
    ]


def test_P4_settings_history_reads_through_the_api_after_the_move(program):
    program.settings = {"_changes": HISTORY}
    program.save()
    MIGRATION.move_settings_history(django_apps, None)

    admin = Requestor(kind=RequestorKind.STAFF, user_id=5, permissions=frozenset({MANAGE_PLUGINS}))
    body = call(
        """{ rewardsProgram(channel: "main") { changes(last: 1) {
      changedAt actorType actorId settings { name before after } } } }""",
        {},
        admin,
    )

    assert body["data"]["rewardsProgram"]["changes"] == [
        {
            "changedAt": "2030-01-01T15:00:00+00:00",
            "actorType": "APP",
            "actorId": to_global_id("App", 9),
            "settings": [{"name": "hold_days", "before": "14", "after": "3"}],
        }
    ]
