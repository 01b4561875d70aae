"""SPEC §0: the endpoint is served by Saleor's plugin manager at
``/plugins/global/saleor_rewards/graphql/`` only while the plugin is active."""

import pytest
from saleor.core.jwt import create_access_token

from .helpers import ENDPOINT, ME_QUERY, PLUGIN_ID

SIMPLE_QUERY = "{ __typename }"


def test_active_plugin_serves_its_graphql_endpoint(active_rewards_plugin, rewards_api):
    # when anyone posts a query to the plugin's URL
    response = rewards_api.post(SIMPLE_QUERY)

    # then the plugin's schema answers
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_inactive_plugin_endpoint_is_not_found(
    plugin_configuration_row, rewards_api, customer_user, channel_USD
):
    # given the merchant switched the plugin off in the Dashboard
    plugin_configuration_row(active=False)
    token = create_access_token(customer_user)

    # when a storefront calls the endpoint
    response = rewards_api.post(ME_QUERY, {"channel": channel_USD.slug}, token=token)

    # then Saleor's manager answers 404, the plugin never runs
    assert response.status_code == 404


def test_never_configured_plugin_is_off_and_not_found(rewards_plugin, rewards_api):
    # given the plugin installed but never enabled (DEFAULT_ACTIVE = False)
    # when the endpoint is called
    response = rewards_api.post(SIMPLE_QUERY)

    # then 404
    assert response.status_code == 404


def test_endpoint_is_not_found_when_saleor_does_not_load_the_plugin(
    settings, plugin_configuration_row, rewards_api
):
    # given an active configuration row, but the plugin not in Saleor's PLUGINS
    plugin_configuration_row(active=True)
    settings.PLUGINS = []

    # when the endpoint is called
    response = rewards_api.post(SIMPLE_QUERY)

    # then 404
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/plugins/global/{PLUGIN_ID}/",
        f"/plugins/global/{PLUGIN_ID}/graphql/extra/",
        f"/plugins/global/{PLUGIN_ID}/admin/",
    ],
)
def test_other_paths_under_the_plugin_are_not_found(path, active_rewards_plugin, rewards_api):
    # when a path other than graphql/ is called on the active plugin
    response = rewards_api.post(SIMPLE_QUERY, path=path)

    # then 404
    assert response.status_code == 404


def test_endpoint_without_trailing_slash_is_served(active_rewards_plugin, rewards_api):
    # when a client drops the trailing slash (the plugin accepts both)
    response = rewards_api.post(SIMPLE_QUERY, path=ENDPOINT.rstrip("/"))

    # then the schema still answers
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
