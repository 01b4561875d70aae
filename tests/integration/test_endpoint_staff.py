"""API.md "Staff": staff with MANAGE_USERS, and Apps with it, read members; with
MANAGE_GIFT_CARD they adjust balances (SPEC §0 permission map, U3); everyone else
gets PERMISSION_DENIED."""

from datetime import timedelta
from decimal import Decimal

import graphene
import pytest
from django.utils import timezone
from saleor.core.jwt import create_access_token, create_access_token_for_app

from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.ledger.models import Entry

from .helpers import (
    ADJUST_MUTATION,
    MEMBER_QUERY,
    error_codes,
    ledger_row_counts,
    user_global_id,
)


def _adjust(user, channel, amount, *, kind="POINTS", reason="Goodwill", **extra):
    return {
        "userId": user_global_id(user),
        "channel": channel.slug,
        "kind": kind,
        "amount": amount,
        "reason": reason,
        **extra,
    }


@pytest.fixture
def staff_token(staff_can_manage_users):
    return create_access_token(staff_can_manage_users)


@pytest.fixture
def app_token(app_can_manage_users):
    _, token = app_can_manage_users.tokens.create(name="rewards back office")
    return token


@pytest.fixture
def adjust_token(staff_can_adjust):
    """Staff who may credit balances: MANAGE_GIFT_CARD (SPEC §0)."""
    return create_access_token(staff_can_adjust)


@pytest.fixture
def app_adjust_token(app_can_adjust):
    _, token = app_can_adjust.tokens.create(name="rewards back office")
    return token


def test_staff_with_manage_users_reads_a_member(
    active_rewards_plugin,
    rewards_api,
    staff_token,
    customer_user,
    channel_USD,
    customer_balance,
):
    # when a staff member with MANAGE_USERS opens the customer in the Dashboard
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=staff_token,
    )

    # then they see that customer's balances and history
    assert "errors" not in body, body
    member = body["data"]["rewardsMember"]
    assert member["userId"] == user_global_id(customer_user)
    assert member["points"]["available"] == 650
    assert member["points"]["pending"] == 200
    assert member["cash"]["available"] == {"amount": 10.0, "currency": "USD"}
    assert member["history"]["totalCount"] == 7


def test_staff_with_manage_users_from_a_permission_group_reads_a_member(
    active_rewards_plugin,
    rewards_api,
    permission_group_manage_users,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given a staff member holding MANAGE_USERS through a permission group, as the
    # Dashboard grants it
    staff = permission_group_manage_users.user_set.get()
    assert not staff.user_permissions.exists()
    token = create_access_token(staff)

    # when they open the customer
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )

    # then they read the member
    assert "errors" not in body, body
    assert body["data"]["rewardsMember"]["points"]["available"] == 650


def test_staff_adjustment_is_written_with_actor_and_reason(
    active_rewards_plugin,
    rewards_api,
    staff_can_adjust,
    adjust_token,
    customer_user,
    channel_USD,
    customer_balance,
):
    # when staff add points to the customer's balance with a reason
    body = rewards_api.execute(
        ADJUST_MUTATION,
        _adjust(customer_user, channel_USD, "250", reason="Late delivery, ticket 42"),
        token=adjust_token,
    )

    # then the mutation answers with the new entry and balance
    result = body["data"]["rewardsBalanceAdjust"]
    assert result["errors"] == []
    assert result["entry"]["kind"] == "POINTS"
    assert result["entry"]["type"] == "ADJUST"
    assert result["entry"]["amount"] == 250
    assert result["entry"]["balanceAfter"] == 900
    assert result["entry"]["reason"] == "Late delivery, ticket 42"
    assert result["member"]["points"]["available"] == 900

    # and the ledger holds one adjust entry, by that staff member, with the reason
    entry = Entry.objects.select_related("lot").get(
        account=customer_balance["points"], type="adjust"
    )
    assert entry.amount == Decimal(250)
    assert entry.available_after == Decimal(900)
    assert (entry.actor_type, entry.actor_id) == (
        "staff",
        str(staff_can_adjust.pk),
    )
    assert entry.reason == "Late delivery, ticket 42"
    assert entry.lot.source == "adjustment"
    assert result["entry"]["expiresAt"] == entry.lot.expires_at.isoformat()
    customer_balance["points"].refresh_from_db()
    assert customer_balance["points"].available == Decimal(900)


def test_adjusted_points_expire_after_the_dashboard_setting(
    plugin_configuration_row,
    rewards_api,
    adjust_token,
    customer_user,
    channel_USD,
    program,
):
    # given the merchant set "Expiry of staff adjustments" to 10 days in the Dashboard
    plugin_configuration_row(active=True, expiry_days_adjustment="10")
    started = timezone.now()

    # when staff add points without an explicit expiry
    body = rewards_api.execute(
        ADJUST_MUTATION, _adjust(customer_user, channel_USD, "100"), token=adjust_token
    )

    # then the new lot expires 10 days later (the SPEC default would be 60)
    assert body["data"]["rewardsBalanceAdjust"]["errors"] == []
    lot = (
        Entry.objects.select_related("lot")
        .get(account__member_id=customer_user.pk, type="adjust")
        .lot
    )
    assert lot.expires_in_days == 10
    assert started + timedelta(days=10) <= lot.expires_at
    assert lot.expires_at <= timezone.now() + timedelta(days=10)


def test_P4_staff_adjustment_is_an_audit_event_naming_the_staff_user(
    active_rewards_plugin,
    rewards_api,
    staff_can_adjust,
    adjust_token,
    customer_user,
    channel_USD,
    customer_balance,
):
    # when staff add points with Saleor's own token
    body = rewards_api.execute(
        ADJUST_MUTATION, _adjust(customer_user, channel_USD, "250"), token=adjust_token
    )

    # then one audit event names that staff user and the balance before and after
    assert body["data"]["rewardsBalanceAdjust"]["errors"] == []
    (event,) = AuditEvent.objects.filter(type=AuditEventType.BALANCE_ADJUSTED)
    assert (event.actor_type, event.actor_id) == ("staff", str(staff_can_adjust.pk))
    assert event.subject_id == str(customer_balance["points"].id)
    assert (event.before["available"], event.after["available"]) == ("650", "900")


def test_failed_adjustment_changes_nothing(
    active_rewards_plugin,
    rewards_api,
    adjust_token,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given the customer's cash: 10.00 available
    before = ledger_row_counts()

    # when staff take back more than is available
    body = rewards_api.execute(
        ADJUST_MUTATION,
        _adjust(customer_user, channel_USD, "-25.00", kind="CASH"),
        token=adjust_token,
    )

    # then the error says why, and nothing is written (U8: never below zero)
    result = body["data"]["rewardsBalanceAdjust"]
    assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert result["entry"] is None
    assert ledger_row_counts() == before
    customer_balance["cash"].refresh_from_db()
    assert customer_balance["cash"].available == Decimal("10.00")


def test_adjusting_a_user_saleor_does_not_know_is_not_found(
    active_rewards_plugin, rewards_api, adjust_token, channel_USD, program
):
    # given a well-formed User id of nobody
    nobody = graphene.Node.to_global_id("User", 987654321)
    before = ledger_row_counts()

    # when staff adjust that "user"
    body = rewards_api.execute(
        ADJUST_MUTATION,
        {
            "userId": nobody,
            "channel": channel_USD.slug,
            "kind": "POINTS",
            "amount": "10",
            "reason": "Typo",
        },
        token=adjust_token,
    )

    # then NOT_FOUND on userId, and no account is opened for a ghost
    result = body["data"]["rewardsBalanceAdjust"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("NOT_FOUND", "userId")]
    assert ledger_row_counts() == before


def test_app_with_manage_users_reads_a_member(
    active_rewards_plugin,
    rewards_api,
    app_token,
    customer_user,
    channel_USD,
    customer_balance,
):
    # when an App with MANAGE_USERS asks with its Saleor App token
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=app_token,
    )

    # then it reads the member
    assert "errors" not in body, body
    member = body["data"]["rewardsMember"]
    assert member["userId"] == user_global_id(customer_user)
    assert member["points"]["available"] == 650


def test_app_adjustment_is_written_with_the_app_as_actor(
    active_rewards_plugin,
    rewards_api,
    app_can_adjust,
    app_adjust_token,
    customer_user,
    channel_USD,
    customer_balance,
):
    # when an App with MANAGE_USERS adds cash
    body = rewards_api.execute(
        ADJUST_MUTATION,
        _adjust(customer_user, channel_USD, "5.50", kind="CASH", reason="Migration"),
        token=app_adjust_token,
    )

    # then the entry names the App
    result = body["data"]["rewardsBalanceAdjust"]
    assert result["errors"] == []
    assert result["member"]["cash"]["available"] == {"amount": 15.5, "currency": "USD"}
    entry = Entry.objects.get(account=customer_balance["cash"], type="adjust")
    assert (entry.actor_type, entry.actor_id) == ("app", str(app_can_adjust.pk))
    assert entry.amount == Decimal("5.50")
    assert entry.reason == "Migration"


def test_staff_without_manage_users_cannot_read_a_member(
    active_rewards_plugin,
    rewards_api,
    staff_user,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given a staff member without MANAGE_USERS
    token = create_access_token(staff_user)

    # when they open a customer's rewards
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )

    # then PERMISSION_DENIED and no data
    assert body["data"] == {"rewardsMember": None}
    assert error_codes(body) == ["PERMISSION_DENIED"]


def test_staff_without_manage_users_cannot_adjust(
    active_rewards_plugin,
    rewards_api,
    staff_user,
    permission_manage_orders,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given a staff member with another permission, not MANAGE_USERS
    staff_user.user_permissions.add(permission_manage_orders)
    token = create_access_token(staff_user)
    before = ledger_row_counts()

    # when they try to adjust a customer's points
    body = rewards_api.execute(
        ADJUST_MUTATION, _adjust(customer_user, channel_USD, "100"), token=token
    )

    # then PERMISSION_DENIED and nothing is written
    result = body["data"]["rewardsBalanceAdjust"]
    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert ledger_row_counts() == before


def test_app_without_manage_users_cannot_read_a_member(
    active_rewards_plugin,
    rewards_api,
    app,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given an App without MANAGE_USERS
    _, token = app.tokens.create(name="no permissions")

    # when it asks for a member
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )

    # then PERMISSION_DENIED
    assert body["data"] == {"rewardsMember": None}
    assert error_codes(body) == ["PERMISSION_DENIED"]


def test_staff_asking_for_an_unknown_channel_get_not_found(
    active_rewards_plugin, rewards_api, staff_token, customer_user, channel_USD
):
    # when staff ask for a member in a channel Saleor does not have
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": "no-such-channel"},
        token=staff_token,
    )

    # then NOT_FOUND
    assert body["data"] == {"rewardsMember": None}
    assert error_codes(body) == ["NOT_FOUND"]


def test_app_extension_token_acts_for_staff_with_both_permissions(
    active_rewards_plugin,
    rewards_api,
    app_can_manage_users,
    staff_can_manage_users,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given the token Saleor gives a Dashboard App extension acting for a staff
    # member: the permissions both the App and the staff member have
    token = create_access_token_for_app(app_can_manage_users, staff_can_manage_users)

    # when the extension opens a member
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )

    # then it reads the member
    assert "errors" not in body, body
    assert body["data"]["rewardsMember"]["points"]["available"] == 650


def test_app_extension_token_is_limited_to_the_apps_permissions(
    active_rewards_plugin,
    rewards_api,
    app,
    staff_can_manage_users,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given an App extension token for a staff member with MANAGE_USERS, issued to
    # an App without it
    token = create_access_token_for_app(app, staff_can_manage_users)
    before = ledger_row_counts()

    # when the extension tries to read and to adjust
    read = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )
    adjust = rewards_api.execute(
        ADJUST_MUTATION, _adjust(customer_user, channel_USD, "100"), token=token
    )

    # then both are refused: the staff member's own permission does not leak
    assert read["data"] == {"rewardsMember": None}
    assert error_codes(read) == ["PERMISSION_DENIED"]
    errors = adjust["data"]["rewardsBalanceAdjust"]["errors"]
    assert [e["code"] for e in errors] == ["PERMISSION_DENIED"]
    assert ledger_row_counts() == before
