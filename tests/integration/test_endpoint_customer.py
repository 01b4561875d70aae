"""API.md "Customer": a signed-in customer reads their own rewards, and only those,
through the plugin's endpoint with Saleor's own access token (U1, U3, U4)."""

from decimal import Decimal

from saleor.core.jwt import create_access_token

from saleor_rewards.ledger.models import Entry, Lot, Program

from .helpers import (
    ADJUST_MUTATION,
    ME_QUERY,
    MEMBER_QUERY,
    error_codes,
    ledger_row_counts,
    user_global_id,
)


def _money(amount, currency="USD"):
    return {"amount": amount, "currency": currency}


def test_customer_token_reads_own_points_cash_and_history(
    active_rewards_plugin, rewards_api, customer_user, channel_USD, customer_balance
):
    # given a customer with seeded balances and Saleor's access token
    token = create_access_token(customer_user)

    # when the storefront asks for the customer's rewards
    body = rewards_api.execute(ME_QUERY, {"channel": channel_USD.slug}, token=token)

    # then it gets the customer's own figures
    assert "errors" not in body, body
    me = body["data"]["rewardsMe"]
    assert me["userId"] == user_global_id(customer_user)
    assert me["channel"] == channel_USD.slug
    soonest = Lot.objects.get(account=customer_balance["points"], amount=500)
    assert me["points"] == {
        "available": 650,
        "pending": 200,
        "held": 150,
        "expiringSoon": [{"points": 350, "expiresAt": soonest.expires_at.isoformat()}],
    }
    assert me["cash"] == {
        "available": _money(10.0),
        "pending": _money(3.25),
        "held": _money(2.5),
    }

    # and every ledger entry, newest first, as the database has them
    history = me["history"]
    entries = Entry.objects.filter(account__member_id=customer_user.pk).order_by("-id")
    assert history["totalCount"] == entries.count() == 7
    nodes = [edge["node"] for edge in history["edges"]]
    assert [(n["kind"], n["type"]) for n in nodes] == [
        ("CASH", "HOLD"),
        ("CASH", "EARN"),
        ("CASH", "EARN"),
        ("POINTS", "HOLD"),
        ("POINTS", "EARN"),
        ("POINTS", "EARN"),
        ("POINTS", "EARN"),
    ]
    first_order = nodes[-1]
    assert first_order["amount"] == 500
    assert first_order["balanceAfter"] == 500
    assert first_order["reason"] == "Order 1"
    assert first_order["reference"]["type"] == "ORDER"


def test_customer_without_rewards_reads_zero_balances(
    active_rewards_plugin, rewards_api, customer_user, channel_USD
):
    # given a customer who never earned anything
    token = create_access_token(customer_user)

    # when they open their rewards page
    body = rewards_api.execute(ME_QUERY, {"channel": channel_USD.slug}, token=token)

    # then they see zeros in the channel's currency, and no account was opened
    me = body["data"]["rewardsMe"]
    assert me["points"] == {"available": 0, "pending": 0, "held": 0, "expiringSoon": []}
    assert me["cash"]["available"] == _money(0.0)
    assert me["history"] == {"totalCount": 0, "edges": []}
    assert ledger_row_counts()["rewards_account"] == 0


def test_unknown_channel_is_not_found(
    active_rewards_plugin, rewards_api, customer_user, channel_USD
):
    # given a slug no Saleor channel has
    token = create_access_token(customer_user)

    # when the customer asks for their rewards there
    body = rewards_api.execute(ME_QUERY, {"channel": "no-such-channel"}, token=token)

    # then NOT_FOUND names the channel argument, and no program was invented
    assert body["data"] == {"rewardsMe": None}
    assert error_codes(body) == ["NOT_FOUND"]
    assert body["errors"][0]["extensions"]["field"] == "channel"
    assert not Program.objects.filter(channel_slug="no-such-channel").exists()


def test_customer_cannot_read_another_member(
    active_rewards_plugin,
    rewards_api,
    customer_user,
    customer_user2,
    channel_USD,
    customer_balance,
):
    # given another customer's token
    token = create_access_token(customer_user2)

    # when they ask for the first customer's rewards as staff would
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )

    # then PERMISSION_DENIED, and none of the first customer's figures
    assert body["data"] == {"rewardsMember": None}
    assert error_codes(body) == ["PERMISSION_DENIED"]
    assert "650" not in str(body) and "Order 1" not in str(body)


def test_customer_cannot_adjust_a_balance(
    active_rewards_plugin, rewards_api, customer_user, channel_USD, customer_balance
):
    # given a customer's token and their balances
    token = create_access_token(customer_user)
    before = ledger_row_counts()

    # when they try to credit themselves
    body = rewards_api.execute(
        ADJUST_MUTATION,
        {
            "userId": user_global_id(customer_user),
            "channel": channel_USD.slug,
            "kind": "POINTS",
            "amount": "1000",
            "reason": "I deserve it",
        },
        token=token,
    )

    # then PERMISSION_DENIED and nothing is written
    result = body["data"]["rewardsBalanceAdjust"]
    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert result["entry"] is None
    assert ledger_row_counts() == before
    points = customer_balance["points"]
    points.refresh_from_db()
    assert points.available == Decimal(650)
