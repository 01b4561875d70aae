"""Program settings per channel: rewardsProgram / rewardsProgramUpdate (SPEC §0
program settings -> MANAGE_PLUGINS, P4 audited staff changes)."""

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from graphql_relay import to_global_id

from saleor_rewards import config
from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.graphql.permissions import MANAGE_PLUGINS, MANAGE_USERS
from saleor_rewards.ledger import Actor, ActorType
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.channel.settings import program_settings, update_program_settings

from ...fakes import fake_shop

pytestmark = pytest.mark.django_db

STAFF = Actor(ActorType.STAFF, "5")
WHEN = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PLUGIN = {"points_per_unit": "150", "hold_days": "3"}

PROGRAM = """query($channel: String!) { rewardsProgram(channel: $channel) {
  channel currency enabled pointsPerUnit loyaltyEarnPercent holdDays
  expiryDays { loyalty referral bonus review adjustment } maxRedeemPercent
  settings { name value overridden pluginValue default }
  changes { changedAt actorType actorId settings { name before after
    overriddenBefore overriddenAfter } } } }"""
UPDATE = """mutation($channel: String!, $input: RewardsProgramInput!) {
  rewardsProgramUpdate(channel: $channel, input: $input) {
    errors { field code message }
    program { pointsPerUnit enabled settings { name value overridden } } } }"""

ADMIN = Requestor(kind=RequestorKind.STAFF, user_id=5, permissions=frozenset({MANAGE_PLUGINS}))
APP = Requestor(kind=RequestorKind.APP, app_id=9, permissions=frozenset({MANAGE_PLUGINS}))
USER_MANAGER = Requestor(kind=RequestorKind.STAFF, user_id=6, permissions=frozenset({MANAGE_USERS}))
CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7)


@pytest.fixture
def program():
    return Program.objects.create(channel_slug="main", currency="EUR")


def states(program, plugin=PLUGIN):
    return {s.name: s for s in program_settings(program, plugin).settings}


def update(program, values=(), reset=(), *, actor=STAFF, now=WHEN):
    return update_program_settings(
        program, PLUGIN, values=list(values), reset=list(reset), actor=actor, now=now
    )


def stored(program) -> dict:
    return Program.objects.get(id=program.id).settings


def history(program):
    """The program's settings-change events, oldest first."""
    return list(
        AuditEvent.objects.filter(
            program=program, type=AuditEventType.PROGRAM_SETTINGS_CHANGED
        ).order_by("id")
    )


def call(query, variables, requestor):
    body = json.dumps({"query": query, "variables": variables})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    context = RewardsContext(shop=fake_shop(), requestor=requestor, plugin_settings=PLUGIN)
    return json.loads(view.handle(request, context).content)


# -- the domain ------------------------------------------------------------------


def test_program_lists_every_setting_inherited_from_the_plugin(program):
    listed = states(program)

    assert list(listed) == [s.name for s in config.SETTINGS]
    assert not any(s.overridden for s in listed.values())
    assert (listed["points_per_unit"].value, listed["points_per_unit"].default) == (
        "150",
        "100",
    )
    assert listed["review_points"].value == listed["review_points"].plugin_value == "5"


def test_override_is_stored_as_text_and_takes_effect(program):
    update(program, [("loyalty_earn_percent", " 3.75 "), ("points_per_unit", "200")])

    assert stored(program)["loyalty_earn_percent"] == "3.75"
    assert stored(program)["points_per_unit"] == "200"
    effective = config.resolve(PLUGIN, stored(program))
    assert effective["loyalty_earn_percent"] == Decimal("3.75")
    assert effective["points_per_unit"] == 200
    listed = states(Program.objects.get(id=program.id))
    assert (
        listed["points_per_unit"].value,
        listed["points_per_unit"].overridden,
        listed["points_per_unit"].plugin_value,
    ) == ("200", True, "150")


@pytest.mark.parametrize(
    ("name", "given", "text", "typed"),
    [
        ("program_enabled", "off", "false", False),
        ("max_redeem_percent", " 12.50 ", "12.50", Decimal("12.50")),
        (
            "storefront_referral_url",
            "https://s.example/?r={code}",
            "https://s.example/?r={code}",
            "https://s.example/?r={code}",
        ),
    ],
)
def test_override_round_trips_through_its_text_form(program, name, given, text, typed):
    update(program, [(name, given)])

    assert stored(program)[name] == text
    assert config.resolve(PLUGIN, stored(program))[name] == typed
    assert config.parse({name: stored(program)[name]})[name] == typed


def test_reset_falls_back_to_the_plugin_configuration(program):
    update(program, [("hold_days", "14"), ("review_points", "9")])

    update(program, reset=["hold_days"], now=WHEN.replace(hour=13))

    assert "hold_days" not in stored(program)
    listed = states(Program.objects.get(id=program.id))
    assert (listed["hold_days"].value, listed["hold_days"].overridden) == ("3", False)
    assert (listed["review_points"].value, listed["review_points"].overridden) == (
        "9",
        True,
    )


def test_every_bad_setting_is_reported_and_nothing_is_written(program):
    update(program, [("hold_days", "14")])
    before = stored(program)

    with pytest.raises(config.SettingsError) as raised:
        update(
            program,
            [
                ("points_per_unit", "0"),
                ("loyalty_earn_percent", "lots"),
                ("no_such_thing", "1"),
                ("review_points", "5"),
            ],
            reset=["hold_days"],
        )

    assert set(raised.value.errors) == {
        "points_per_unit",
        "loyalty_earn_percent",
        "no_such_thing",
    }
    assert "at least 1" in raised.value.errors["points_per_unit"]
    assert "not a rewards setting" in raised.value.errors["no_such_thing"]
    assert stored(program) == before


@pytest.mark.parametrize(
    ("values", "reset", "field", "words"),
    [
        ([("hold_days", "1"), ("hold_days", "2")], [], "hold_days", "more than once"),
        ([("hold_days", "1")], ["hold_days"], "hold_days", "both set and reset"),
        ([], ["nope"], "nope", "not a rewards setting"),
    ],
)
def test_contradictory_input_is_refused_naming_the_setting(program, values, reset, field, words):
    with pytest.raises(config.SettingsError) as raised:
        update(program, values, reset)

    assert words in raised.value.errors[field]
    assert stored(program) == {}


def test_P4_a_change_records_who_when_and_before_after(program, caplog):
    update(program, [("hold_days", "14")])

    with caplog.at_level(logging.INFO, logger="saleor_rewards.audit"):
        update(
            program,
            [("points_per_unit", "250")],
            reset=["hold_days"],
            actor=Actor(ActorType.APP, "9"),
            now=WHEN.replace(hour=15),
        )

    newest, oldest = program_settings(Program.objects.get(id=program.id), PLUGIN).changes
    assert (newest.changed_at, newest.actor) == (
        WHEN.replace(hour=15),
        Actor(ActorType.APP, "9"),
    )
    assert [
        (c.name, c.before, c.after, c.overridden_before, c.overridden_after)
        for c in newest.settings
    ] == [
        ("points_per_unit", "150", "250", False, True),
        ("hold_days", "14", "3", True, False),
    ]
    assert (oldest.actor, oldest.settings[0].after) == (STAFF, "14")
    assert "main: settings changed by app 9" in caplog.text
    assert "points_per_unit '150' -> '250'" in caplog.text


def test_P4_an_update_that_changes_nothing_records_nothing(program):
    update(program, [("hold_days", "14")])

    update(program, [("hold_days", "14")], reset=["review_points"])

    assert len(history(program)) == 1


def test_history_is_not_a_setting_for_the_programs(program):
    update(program, [("hold_days", "14")])

    assert config.resolve(PLUGIN, stored(program))["hold_days"] == 14


# -- the API ---------------------------------------------------------------------


def test_rewards_program_shows_the_settings_in_effect(program):
    update(program, [("program_enabled", "false")])

    body = call(PROGRAM, {"channel": "main"}, ADMIN)

    result = body["data"]["rewardsProgram"]
    assert (result["channel"], result["currency"], result["enabled"]) == (
        "main",
        "EUR",
        False,
    )
    assert (result["pointsPerUnit"], result["holdDays"], result["loyaltyEarnPercent"]) == (
        150,
        3,
        "2.5",
    )
    assert result["expiryDays"] == {
        "loyalty": 60,
        "referral": 60,
        "bonus": 60,
        "review": 60,
        "adjustment": 60,
    }
    assert result["settings"][0] == {
        "name": "program_enabled",
        "value": "false",
        "overridden": True,
        "pluginValue": "true",
        "default": "true",
    }
    (change,) = result["changes"]
    assert (change["actorType"], change["actorId"]) == ("STAFF", to_global_id("User", 5))


@pytest.mark.parametrize("requestor", [USER_MANAGER, CUSTOMER, Requestor()])
def test_rewards_program_needs_manage_plugins(program, requestor):
    body = call(PROGRAM, {"channel": "main"}, requestor)

    assert body["data"] == {"rewardsProgram": None}
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_rewards_program_update_by_an_app_overrides_and_resets(program):
    update(program, [("hold_days", "14")])
    variables = {
        "channel": "main",
        "input": {
            "settings": [{"name": "points_per_unit", "value": "300"}],
            "reset": ["hold_days"],
        },
    }

    body = call(UPDATE, variables, APP)

    result = body["data"]["rewardsProgramUpdate"]
    assert result["errors"] == []
    assert result["program"]["pointsPerUnit"] == 300
    overridden = {s["name"] for s in result["program"]["settings"] if s["overridden"]}
    assert overridden == {"points_per_unit"}
    assert stored(program)["points_per_unit"] == "300"
    assert history(program)[-1].actor_type == "app"


def test_rewards_program_update_reports_each_bad_setting_and_changes_nothing(program):
    variables = {
        "channel": "main",
        "input": {
            "settings": [
                {"name": "points_per_unit", "value": "-1"},
                {"name": "max_redeem_percent", "value": "101"},
                {"name": "hold_days", "value": "2"},
            ]
        },
    }

    body = call(UPDATE, variables, ADMIN)

    result = body["data"]["rewardsProgramUpdate"]
    assert result["program"] is None
    assert sorted((e["field"], e["code"]) for e in result["errors"]) == [
        ("max_redeem_percent", "INVALID"),
        ("points_per_unit", "INVALID"),
    ]
    assert all(e["message"].startswith(e["field"] + ": ") for e in result["errors"])
    assert stored(program) == {}


@pytest.mark.parametrize("requestor", [USER_MANAGER, CUSTOMER])
def test_rewards_program_update_needs_manage_plugins(program, requestor):
    variables = {
        "channel": "main",
        "input": {"settings": [{"name": "points_per_unit", "value": "300"}]},
    }

    body = call(UPDATE, variables, requestor)

    (error,) = body["data"]["rewardsProgramUpdate"]["errors"]
    assert error["code"] == "PERMISSION_DENIED"
    assert stored(program) == {}


def test_rewards_program_update_of_an_unknown_channel_is_not_found(program):
    variables = {"channel": "nope", "input": {"reset": ["hold_days"]}}

    body = call(UPDATE, variables, ADMIN)

    assert body["data"]["rewardsProgramUpdate"]["errors"] == [
        {"field": "channel", "code": "NOT_FOUND", "message": "Channel 'nope' does not exist."}
    ]
