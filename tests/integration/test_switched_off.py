"""SPEC I1 inside a real Saleor 3.23: switched off (``pluginUpdate`` with
``active: false``), the plugin answers 404 on every route — Saleor's global route and
its legacy ``/plugins/<id>/`` route, which does not check that a plugin is active —
and posts nothing: no hook, task or scheduled job writes a row while it is off."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from saleor.core.jwt import create_access_token
from saleor.discount.models import Voucher
from saleor.graphql.tests.utils import get_graphql_content

from saleor_rewards.ledger import Kind, LotSource, credit, open_account

from .helpers import PLUGIN_ID, settle_deferred_checks
from .storefront import entries, run

PLUGIN_UPDATE = """
mutation Switch($id: ID!, $active: Boolean) {
  pluginUpdate(id: $id, input: {active: $active}) {
    plugin { globalConfiguration { active } }
    pluginsErrors { field code message }
  }
}
"""

VOUCHER = """
mutation { rewardsVoucherCreate(channel: "main", points: 500) {
  errors { code } voucherCode } }
"""

ROUTES = [
    f"/plugins/global/{PLUGIN_ID}/graphql/",
    f"/plugins/global/{PLUGIN_ID}/graphql",
    # Saleor's legacy route runs the plugin's webhook whether it is active or not
    # (PluginsManager.webhook_endpoint_without_channel, Saleor 3.23).
    f"/plugins/{PLUGIN_ID}/graphql/",
    f"/plugins/{PLUGIN_ID}/graphql",
    f"/plugins/{PLUGIN_ID}/",
    f"/plugins/{PLUGIN_ID}/app/manifest",
]


def rewards_rows() -> dict[str, int]:
    """Rows of every table of the plugin: what "posts nothing" is checked against."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'rewards\\_%' ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _balance(account) -> tuple:
    account.refresh_from_db()
    return account.available, account.pending, account.held


@pytest.fixture
def switch(staff_api_client_can_manage_plugins):
    """Switch the plugin on or off the way a merchant does, in the Dashboard."""

    def set_active(active: bool):
        response = staff_api_client_can_manage_plugins.post_graphql(
            PLUGIN_UPDATE, {"id": PLUGIN_ID, "active": active}
        )
        data = get_graphql_content(response)["data"]["pluginUpdate"]
        assert data["pluginsErrors"] == []
        assert data["plugin"]["globalConfiguration"]["active"] is active

    return set_active


@pytest.fixture
def variant(product):
    """The store's product (10.00 USD, in stock in the store's warehouse)."""
    return product.variants.get()


@pytest.fixture
def member(program, customer_user):
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.LOYALTY, expires_in_days=365)
    settle_deferred_checks()
    return customer_user


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("method", ["post", "get"])
def test_I1_switched_off_every_route_answers_404(
    path, method, active_rewards_plugin, switch, client, member
):
    # given the merchant switched the plugin off
    switch(False)
    token = create_access_token(member)

    # when a storefront posts to any of its routes, or a browser opens it (GraphiQL)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "post":
        response = client.post(path, data=VOUCHER, content_type="application/graphql", **auth)
    else:
        response = client.get(path, HTTP_ACCEPT="text/html", **auth)

    # then 404, as if the plugin were not installed
    assert response.status_code == 404


def test_I1_switched_off_the_legacy_route_spends_no_points(
    active_rewards_plugin, switch, client, member
):
    # given a member with 1,000 points, and the plugin switched off
    switch(False)
    before = rewards_rows()

    # when a storefront still posts a voucher conversion to Saleor's legacy route
    response = client.post(
        f"/plugins/{PLUGIN_ID}/graphql/",
        data=VOUCHER,
        content_type="application/graphql",
        HTTP_AUTHORIZATION=f"Bearer {create_access_token(member)}",
    )

    # then nothing is served, nothing is debited, Saleor gets no voucher
    assert response.status_code == 404
    assert rewards_rows() == before
    assert Voucher.objects.count() == 0


def test_I1_switching_on_again_serves_both_routes(active_rewards_plugin, switch, client):
    switch(False)
    switch(True)

    for path in (f"/plugins/global/{PLUGIN_ID}/graphql/", f"/plugins/{PLUGIN_ID}/graphql/"):
        response = client.post(path, data="{ __typename }", content_type="application/graphql")
        assert response.status_code == 200
        assert response.json() == {"data": {"__typename": "Query"}}


def test_I1_switched_off_an_order_through_saleor_posts_nothing(
    store, switch, variant, customer_user
):
    # given the plugin switched off in a store that was running it
    switch(False)
    before = rewards_rows()

    # when a customer orders and pays, staff fulfil and refund part of it, through
    # Saleor's own mutations, with every after-commit hook and task run
    checkout = run(store, store.checkout, [(variant, 2)])
    order = run(store, store.pay_legacy, checkout)
    run(store, store.fulfil, order["id"])
    run(store, store.refund_legacy, order["id"], "5.00")

    # then the plugin wrote nothing: no points, no award, no tier, no discount code
    assert rewards_rows() == before
    assert entries(customer_user) == []


def test_I1_switched_off_the_scheduled_jobs_post_nothing(
    active_rewards_plugin, switch, program, customer_user
):
    from saleor_rewards.saleor_adapter.tasks.redemption import release_stale_redemptions_task
    from saleor_rewards.saleor_adapter.tasks.schedule import (
        activate_due_credits_task,
        expire_due_lots_task,
    )
    from saleor_rewards.saleor_adapter.tasks.tiers import recompute_tiers_task

    # given points due to activate and points due to expire
    now = timezone.now()
    points = open_account(program, customer_user.pk, Kind.POINTS)
    credit(
        points,
        100,
        key="due",
        source=LotSource.LOYALTY,
        pending=True,
        available_at=now - timedelta(hours=1),
        expires_in_days=30,
    )
    credit(
        points,
        40,
        key="old",
        source=LotSource.BONUS,
        expires_in_days=1,
        now=now - timedelta(days=2),
    )
    settle_deferred_checks()
    switch(False)
    before = rewards_rows(), _balance(points)

    # when Saleor's beat runs every job of the plugin
    results = [
        activate_due_credits_task.delay().get(),
        expire_due_lots_task.delay().get(),
        release_stale_redemptions_task.delay().get(),
        recompute_tiers_task.delay().get(),
    ]

    # then they do nothing while the plugin is off
    assert results[:3] == [0, 0, 0]
    assert (rewards_rows(), _balance(points)) == before
