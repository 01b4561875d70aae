"""API.md: the caller is who Saleor's own JWT / App-token machinery says; any token
Saleor would not accept makes an anonymous caller, who gets PERMISSION_DENIED and
never anyone's data (SPEC §0)."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from saleor.core.jwt import create_access_token

from .helpers import (
    ENDPOINT,
    ME_QUERY,
    MEMBER_QUERY,
    error_codes,
    forged_access_token,
    user_global_id,
)


def _no_token(user):
    return None


def _garbage(user):
    return "not-a-token"


def _app_token_shaped_garbage(user):
    return "x" * 30  # Saleor treats 30-character tokens as App tokens


def _forged_signature(user):
    return forged_access_token(user)


def _expired(user):
    with freeze_time(timezone.now() - timedelta(hours=1)):
        return create_access_token(user)


def _revoked(user):
    token = create_access_token(user)
    user.jwt_token_key = "rotated-key"  # as deactivating all tokens does
    user.save(update_fields=["jwt_token_key"])
    return token


def _inactive_user(user):
    token = create_access_token(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return token


UNTRUSTED = [
    pytest.param(_no_token, id="no-token"),
    pytest.param(_garbage, id="garbage"),
    pytest.param(_app_token_shaped_garbage, id="app-token-shaped-garbage"),
    pytest.param(_forged_signature, id="forged-signature"),
    pytest.param(_expired, id="expired"),
    pytest.param(_revoked, id="revoked"),
    pytest.param(_inactive_user, id="inactive-user"),
]


@pytest.mark.parametrize("make_token", UNTRUSTED)
def test_untrusted_customer_token_is_anonymous(
    make_token,
    active_rewards_plugin,
    rewards_api,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given a token Saleor would not accept for the customer
    token = make_token(customer_user)

    # when it asks for "my" rewards
    body = rewards_api.execute(ME_QUERY, {"channel": channel_USD.slug}, token=token)

    # then the caller is anonymous: PERMISSION_DENIED and no data of anyone
    assert body["data"] == {"rewardsMe": None}
    assert error_codes(body) == ["PERMISSION_DENIED"]
    assert "650" not in str(body) and "Order 1" not in str(body)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(_forged_signature, id="forged-signature"),
        pytest.param(_expired, id="expired"),
        pytest.param(_revoked, id="revoked"),
    ],
)
def test_untrusted_staff_token_gets_no_staff_access(
    make_token,
    active_rewards_plugin,
    rewards_api,
    staff_can_manage_users,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given a token naming a staff member who really has MANAGE_USERS
    token = make_token(staff_can_manage_users)

    # when it asks for a customer's rewards
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )

    # then PERMISSION_DENIED and none of the customer's data
    assert body["data"] == {"rewardsMember": None}
    assert error_codes(body) == ["PERMISSION_DENIED"]
    assert "650" not in str(body)


def test_token_of_a_deactivated_app_gets_no_access(
    active_rewards_plugin,
    rewards_api,
    app_can_manage_users,
    customer_user,
    channel_USD,
    customer_balance,
):
    # given an App with MANAGE_USERS whose token is valid, then the App is disabled
    _, token = app_can_manage_users.tokens.create(name="rewards")
    app_can_manage_users.is_active = False
    app_can_manage_users.save(update_fields=["is_active"])

    # when the token asks for a customer's rewards
    body = rewards_api.execute(
        MEMBER_QUERY,
        {"userId": user_global_id(customer_user), "channel": channel_USD.slug},
        token=token,
    )

    # then PERMISSION_DENIED
    assert body["data"] == {"rewardsMember": None}
    assert error_codes(body) == ["PERMISSION_DENIED"]


def test_valid_token_of_the_same_customer_is_accepted(
    active_rewards_plugin, rewards_api, customer_user, channel_USD, customer_balance
):
    # given the control case of the tests above: a token Saleor issued just now
    token = create_access_token(customer_user)

    # when it asks for "my" rewards
    body = rewards_api.execute(ME_QUERY, {"channel": channel_USD.slug}, token=token)

    # then the customer is recognised
    assert "errors" not in body, body
    assert body["data"]["rewardsMe"]["points"]["available"] == 650


def test_token_in_saleors_authorization_bearer_header_is_accepted(
    active_rewards_plugin, client, customer_user, channel_USD, customer_balance
):
    # given Saleor's alternative header (Authorization-Bearer, used behind proxies
    # that strip Authorization)
    token = create_access_token(customer_user)

    # when the storefront sends the token there
    response = client.post(
        ENDPOINT,
        data={"query": ME_QUERY, "variables": {"channel": channel_USD.slug}},
        content_type="application/json",
        HTTP_AUTHORIZATION_BEARER=token,
    )

    # then the customer is recognised, as by Saleor's own API
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["rewardsMe"]["points"]["available"] == 650


def test_request_without_token_is_anonymous_without_reporting_a_refused_token(
    active_rewards_plugin, rewards_api, channel_USD, caplog
):
    # given a storefront call with no token at all (public fields will be called so)
    caplog.set_level(logging.INFO, logger="saleor_rewards.saleor_adapter.auth")

    # when it asks for "my" rewards
    body = rewards_api.execute(ME_QUERY, {"channel": channel_USD.slug})

    # then it is anonymous, as a plain outcome, not as a refused token: Saleor's
    # ``context.user`` is a SimpleLazyObject wrapping None, never ``None`` itself
    assert error_codes(body) == ["PERMISSION_DENIED"]
    refusals = [
        record.getMessage()
        for record in caplog.records
        if record.name == "saleor_rewards.saleor_adapter.auth"
    ]
    assert refusals == []
