"""SPEC §0: merchants enable and configure the plugin in the Dashboard's plugin
settings, through Saleor's own ``pluginUpdate`` mutation and ``plugin`` query."""

import pytest
from saleor.graphql.core.utils import snake_to_camel_case
from saleor.graphql.tests.utils import assert_no_permission, get_graphql_content
from saleor.plugins.manager import get_plugins_manager
from saleor.plugins.models import PluginConfiguration

from saleor_rewards import config
from saleor_rewards.plugin import RewardsPlugin

from .helpers import PLUGIN_ID

PLUGIN_UPDATE = """
mutation RewardsSettings($id: ID!, $active: Boolean,
                         $configuration: [ConfigurationItemInput!]) {
  pluginUpdate(id: $id, input: {active: $active, configuration: $configuration}) {
    plugin {
      id
      globalConfiguration { active configuration { name value } }
    }
    pluginsErrors { field code message }
  }
}
"""

PLUGIN_QUERY = """
query RewardsPlugin($id: ID!) {
  plugin(id: $id) {
    id
    name
    description
    globalConfiguration {
      active
      configuration { name value type label helpText }
    }
    channelConfigurations { active }
  }
}
"""

DEFAULT_TEXT = {item["name"]: item["value"] for item in RewardsPlugin.DEFAULT_CONFIGURATION}


def _values(configuration) -> dict:
    return {item["name"]: item["value"] for item in configuration}


def _stored() -> PluginConfiguration | None:
    return PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel=None).first()


def _loaded_plugin():
    """The plugin as the next request's manager builds it from the database."""
    return get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID)


def test_plugin_update_activates_the_plugin_and_saves_settings(
    rewards_plugin, staff_api_client_can_manage_plugins
):
    # given the plugin installed but never configured
    assert _stored() is None

    # when a merchant enables it and changes two settings in the Dashboard
    response = staff_api_client_can_manage_plugins.post_graphql(
        PLUGIN_UPDATE,
        {
            "id": PLUGIN_ID,
            "active": True,
            "configuration": [
                {"name": "loyalty_earn_percent", "value": "3.5"},
                {"name": "hold_days", "value": "7"},
            ],
        },
    )

    # then Saleor answers with the active plugin and its new values
    data = get_graphql_content(response)["data"]["pluginUpdate"]
    assert data["pluginsErrors"] == []
    shown = data["plugin"]["globalConfiguration"]
    assert shown["active"] is True
    assert _values(shown["configuration"])["loyalty_earn_percent"] == "3.5"
    assert _values(shown["configuration"])["hold_days"] == "7"

    # and the database holds them, so the next request's plugin has them
    stored = _stored()
    assert stored.active is True
    assert _values(stored.configuration)["loyalty_earn_percent"] == "3.5"
    plugin = _loaded_plugin()
    assert plugin.active is True
    assert plugin.settings()["loyalty_earn_percent"] == "3.5"
    assert plugin.settings()["points_per_unit"] == DEFAULT_TEXT["points_per_unit"]
    effective = config.parse(plugin.settings())
    assert str(effective["loyalty_earn_percent"]) == "3.5"
    assert effective["hold_days"] == 7


@pytest.mark.parametrize(
    ("field", "bad_value"),
    [
        ("loyalty_earn_percent", "-1"),  # a negative percent
        ("points_per_unit", "abc"),  # text in a number field
        ("storefront_referral_url", "https://shop.example/"),  # no {code} in it (R1)
    ],
)
def test_plugin_update_refuses_an_invalid_value_naming_the_field(
    field, bad_value, plugin_configuration_row, staff_api_client_can_manage_plugins
):
    # given an active plugin with a known configuration
    plugin_configuration_row(active=True, hold_days="3")
    before = _stored().configuration

    # when a merchant saves a bad value together with other changes
    response = staff_api_client_can_manage_plugins.post_graphql(
        PLUGIN_UPDATE,
        {
            "id": PLUGIN_ID,
            "active": False,
            "configuration": [
                {"name": "hold_days", "value": "7"},
                {"name": field, "value": bad_value},
            ],
        },
    )

    # then the update is refused with an error naming the field (Saleor camelCases
    # error fields, e.g. loyalty_earn_percent -> loyaltyEarnPercent)
    data = get_graphql_content(response)["data"]["pluginUpdate"]
    assert data["plugin"] is None
    assert [(e["field"], e["code"]) for e in data["pluginsErrors"]] == [
        (snake_to_camel_case(field), "INVALID")
    ]
    assert config.BY_NAME[field].label in data["pluginsErrors"][0]["message"]

    # and nothing was saved: still active, no value changed
    stored = _stored()
    assert stored.active is True
    assert stored.configuration == before
    plugin = _loaded_plugin()
    assert plugin.active is True
    assert plugin.settings()["hold_days"] == "3"
    assert plugin.settings()[field] == DEFAULT_TEXT[field]


def test_refused_first_update_leaves_the_plugin_off_with_its_defaults(
    rewards_plugin, staff_api_client_can_manage_plugins
):
    # given the plugin never configured
    assert _stored() is None

    # when the very first save activates it with a bad value
    response = staff_api_client_can_manage_plugins.post_graphql(
        PLUGIN_UPDATE,
        {
            "id": PLUGIN_ID,
            "active": True,
            "configuration": [{"name": "loyalty_earn_percent", "value": "-1"}],
        },
    )

    # then it is refused
    data = get_graphql_content(response)["data"]["pluginUpdate"]
    assert [e["field"] for e in data["pluginsErrors"]] == ["loyaltyEarnPercent"]

    # and the plugin stays off with the SPEC defaults (Saleor may have created the
    # row with the defaults before validating; it must not carry the refused input)
    stored = _stored()
    if stored is not None:
        assert stored.active is False
        assert _values(stored.configuration)["loyalty_earn_percent"] == "2.5"
    plugin = _loaded_plugin()
    assert plugin.active is False
    assert plugin.settings()["loyalty_earn_percent"] == "2.5"


def test_plugin_update_needs_manage_plugins(plugin_configuration_row, staff_api_client):
    # given an inactive plugin and a staff member without MANAGE_PLUGINS
    plugin_configuration_row(active=False)

    # when they try to enable it
    response = staff_api_client.post_graphql(PLUGIN_UPDATE, {"id": PLUGIN_ID, "active": True})

    # then Saleor refuses and the plugin stays off
    assert_no_permission(response)
    assert _stored().active is False


def test_dashboard_sees_the_plugins_configuration_structure(
    rewards_plugin, staff_api_client_can_manage_plugins
):
    # when the Dashboard opens the plugin's settings page
    response = staff_api_client_can_manage_plugins.post_graphql(PLUGIN_QUERY, {"id": PLUGIN_ID})

    # then it gets the plugin, global (no per-channel configurations), still off
    plugin = get_graphql_content(response)["data"]["plugin"]
    assert plugin["id"] == PLUGIN_ID
    assert plugin["name"] == RewardsPlugin.PLUGIN_NAME
    assert plugin["description"]
    assert plugin["channelConfigurations"] == []
    global_configuration = plugin["globalConfiguration"]
    assert global_configuration["active"] is False

    # and one labelled, explained item per setting, with its SPEC default
    items = {item["name"]: item for item in global_configuration["configuration"]}
    assert set(items) == {setting.name for setting in config.SETTINGS}
    for setting in config.SETTINGS:
        item = items[setting.name]
        assert item["label"] == setting.label
        assert item["helpText"].startswith(setting.help)
        assert f"Default: {setting.as_text(setting.default)}." in item["helpText"]
        assert item["type"] == ("BOOLEAN" if setting.boolean else "STRING")
    assert items["points_per_unit"]["value"] == "100"
    assert items["loyalty_earn_percent"]["value"] == "2.5"
    assert items["program_enabled"]["value"] == "true"


def test_dashboard_can_save_back_every_value_it_was_shown(
    rewards_plugin, staff_api_client_can_manage_plugins
):
    # given the form the Dashboard builds from the plugin query (all defaults)
    client = staff_api_client_can_manage_plugins
    shown = get_graphql_content(client.post_graphql(PLUGIN_QUERY, {"id": PLUGIN_ID}))
    form = [
        {"name": item["name"], "value": item["value"]}
        for item in shown["data"]["plugin"]["globalConfiguration"]["configuration"]
    ]

    # when the merchant ticks "active" and saves the whole form unchanged
    response = client.post_graphql(
        PLUGIN_UPDATE, {"id": PLUGIN_ID, "active": True, "configuration": form}
    )

    # then every default, as shown, is accepted and the plugin is on
    data = get_graphql_content(response)["data"]["pluginUpdate"]
    assert data["pluginsErrors"] == []
    plugin = _loaded_plugin()
    assert plugin.active is True
    assert config.parse(plugin.settings()) == config.parse({})


def test_a_configuration_saved_before_a_setting_was_retired_can_still_be_saved(
    plugin_configuration_row, staff_api_client_can_manage_plugins
):
    # given a row saved by a version that still had legacy_bonus_multiplier
    row = plugin_configuration_row(active=False)
    row.configuration.append({"name": "legacy_bonus_multiplier", "value": "2"})
    row.save(update_fields=["configuration"])

    # when a merchant enables the plugin and changes a setting
    response = staff_api_client_can_manage_plugins.post_graphql(
        PLUGIN_UPDATE,
        {
            "id": PLUGIN_ID,
            "active": True,
            "configuration": [{"name": "loyalty_earn_percent", "value": "3"}],
        },
    )

    # then the retired setting does not block the save, and the plugin never sees it
    data = get_graphql_content(response)["data"]["pluginUpdate"]
    assert data["pluginsErrors"] == []
    plugin = _loaded_plugin()
    assert plugin.active is True
    assert plugin.settings()["loyalty_earn_percent"] == "3"
    assert "legacy_bonus_multiplier" not in plugin.settings()
