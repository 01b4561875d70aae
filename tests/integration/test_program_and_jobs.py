"""Program settings per channel through the plugin's endpoint (SPEC §0: program
settings -> MANAGE_PLUGINS; P4), and the scheduled jobs inside Saleor (O1): the beat
entries Saleor's scheduler builds, and the Celery tasks run against Saleor's DB."""

import sys
from datetime import timedelta

import celery.beat
import graphene
import pytest
from django.utils import timezone
from saleor.core.jwt import create_access_token

from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.ledger import Kind, LotSource, LotStatus, credit, open_account
from saleor_rewards.ledger.models import Lot, Program

from .helpers import error_codes, grant, settle_deferred_checks

PROGRAM_QUERY = """query($channel: String!) { rewardsProgram(channel: $channel) {
  channel currency enabled pointsPerUnit holdDays
  settings { name value overridden pluginValue }
  changes { actorType actorId settings { name before after } } } }"""
UPDATE_MUTATION = """mutation($channel: String!, $input: RewardsProgramInput!) {
  rewardsProgramUpdate(channel: $channel, input: $input) {
    errors { field code message }
    program { pointsPerUnit holdDays settings { name value overridden } } } }"""

ACTIVATE_TASK = "saleor_rewards.activate_due_credits"
EXPIRE_TASK = "saleor_rewards.expire_due_lots"
ENTRIES = (
    "saleor-rewards-activate-due-credits",
    "saleor-rewards-expire-due-lots",
    "saleor-rewards-release-stale-redemptions",
    "saleor-rewards-recompute-tiers",
    "saleor-rewards-send-expiry-reminders",
    "saleor-rewards-purge-by-retention",
)
RELEASE_TASK = "saleor_rewards.release_stale_redemptions"
TIERS_TASK = "saleor_rewards.recompute_tiers"
REMINDERS_TASK = "saleor_rewards.send_expiry_reminders"
PURGE_TASK = "saleor_rewards.purge_by_retention"


@pytest.fixture
def configured_plugin(plugin_configuration_row):
    return plugin_configuration_row(active=True, points_per_unit="150", hold_days="3")


@pytest.fixture
def plugin_admin_token(staff_user, permission_manage_plugins):
    return create_access_token(grant(staff_user, permission_manage_plugins))


@pytest.fixture
def user_manager_token(staff_can_manage_users):
    return create_access_token(staff_can_manage_users)


def _update(rewards_api, token, channel, **input):
    body = rewards_api.execute(
        UPDATE_MUTATION, {"channel": channel.slug, "input": input}, token=token
    )
    return body["data"]["rewardsProgramUpdate"]


def _stored(channel) -> dict:
    program = Program.objects.filter(channel_slug=channel.slug).first()
    return program.settings if program else {}


def _setting(program_or_payload, name):
    return next(s for s in program_or_payload["settings"] if s["name"] == name)


def test_staff_with_manage_plugins_reads_the_channels_program(
    configured_plugin, rewards_api, plugin_admin_token, channel_USD
):
    # when staff with MANAGE_PLUGINS asks for the program of channel "main"
    body = rewards_api.execute(
        PROGRAM_QUERY, {"channel": channel_USD.slug}, token=plugin_admin_token
    )

    # then it shows the plugin configuration's values, all inherited
    program = body["data"]["rewardsProgram"]
    assert (program["channel"], program["currency"], program["enabled"]) == (
        channel_USD.slug,
        "USD",
        True,
    )
    assert (program["pointsPerUnit"], program["holdDays"]) == (150, 3)
    assert _setting(program, "points_per_unit") == {
        "name": "points_per_unit",
        "value": "150",
        "overridden": False,
        "pluginValue": "150",
    }


def test_staff_without_manage_plugins_cannot_read_the_program(
    configured_plugin, rewards_api, user_manager_token, channel_USD
):
    body = rewards_api.execute(
        PROGRAM_QUERY, {"channel": channel_USD.slug}, token=user_manager_token
    )

    assert body["data"] == {"rewardsProgram": None}
    assert error_codes(body) == ["PERMISSION_DENIED"]


def test_staff_overrides_a_setting_for_the_channel_and_it_is_audited(
    configured_plugin, rewards_api, plugin_admin_token, staff_user, channel_USD
):
    # when staff overrides points per unit in channel "main"
    result = _update(
        rewards_api,
        plugin_admin_token,
        channel_USD,
        settings=[{"name": "points_per_unit", "value": "200"}],
    )

    # then the channel uses it, stores it as text, and the change names who did it
    assert result["errors"] == []
    assert result["program"]["pointsPerUnit"] == 200
    program = Program.objects.get(channel_slug=channel_USD.slug)
    assert program.settings["points_per_unit"] == "200"
    body = rewards_api.execute(
        PROGRAM_QUERY, {"channel": channel_USD.slug}, token=plugin_admin_token
    )
    (change,) = body["data"]["rewardsProgram"]["changes"]
    assert change == {
        "actorType": "STAFF",
        "actorId": graphene.Node.to_global_id("User", staff_user.pk),
        "settings": [{"name": "points_per_unit", "before": "150", "after": "200"}],
    }


def test_reset_returns_the_channel_to_the_plugin_configuration(
    configured_plugin, rewards_api, plugin_admin_token, channel_USD
):
    # given the channel overrides hold_days
    _update(
        rewards_api,
        plugin_admin_token,
        channel_USD,
        settings=[{"name": "hold_days", "value": "10"}],
    )

    # when it is reset
    result = _update(rewards_api, plugin_admin_token, channel_USD, reset=["hold_days"])

    # then the plugin configuration's 3 days apply again
    assert result["errors"] == []
    assert result["program"]["holdDays"] == 3
    assert _setting(result["program"], "hold_days")["overridden"] is False
    program = Program.objects.get(channel_slug=channel_USD.slug)
    assert "hold_days" not in program.settings


def test_bad_settings_are_refused_field_by_field_and_nothing_changes(
    configured_plugin, rewards_api, plugin_admin_token, channel_USD
):
    result = _update(
        rewards_api,
        plugin_admin_token,
        channel_USD,
        settings=[
            {"name": "points_per_unit", "value": "0"},
            {"name": "no_such_setting", "value": "30"},
            {"name": "review_points", "value": "8"},
        ],
    )

    assert result["program"] is None
    assert sorted((e["field"], e["code"]) for e in result["errors"]) == [
        ("no_such_setting", "INVALID"),
        ("points_per_unit", "INVALID"),
    ]
    # (the program row the request created on first use went too)
    assert _stored(channel_USD) == {}


def test_staff_without_manage_plugins_cannot_change_the_program(
    configured_plugin, rewards_api, user_manager_token, channel_USD
):
    result = _update(
        rewards_api,
        user_manager_token,
        channel_USD,
        settings=[{"name": "points_per_unit", "value": "1"}],
    )

    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert _stored(channel_USD) == {}


def test_an_app_with_manage_plugins_changes_the_program(
    configured_plugin, rewards_api, app, permission_manage_plugins, channel_USD
):
    app.permissions.add(permission_manage_plugins)
    _, token = app.tokens.create(name="loyalty admin")

    result = _update(
        rewards_api, token, channel_USD, settings=[{"name": "hold_days", "value": "7"}]
    )

    assert (result["errors"], result["program"]["holdDays"]) == ([], 7)
    program = Program.objects.get(channel_slug=channel_USD.slug)
    (event,) = AuditEvent.objects.filter(
        program=program, type=AuditEventType.PROGRAM_SETTINGS_CHANGED
    )
    assert event.actor_type == "app"
    assert event.actor_id == str(app.pk)


# -- scheduled jobs (O1) ----------------------------------------------------------


@pytest.fixture
def fresh_beat_process(rewards_plugin, monkeypatch):
    """Saleor's Celery app as a new ``celery beat`` process finds it: our task
    modules not imported yet, and no entry of ours in the beat schedule."""
    from saleor.celeryconf import app

    import saleor_rewards.saleor_adapter.tasks as adapter

    beat_modules = ("schedule", "redemption", "tiers")
    monkeypatch.delitem(sys.modules, "saleor_rewards.tasks", raising=False)
    for module in beat_modules:
        monkeypatch.delitem(
            sys.modules, f"saleor_rewards.saleor_adapter.tasks.{module}", raising=False
        )
        monkeypatch.delattr(adapter, module, raising=False)
    for name in ENTRIES:
        monkeypatch.delitem(app.conf.beat_schedule, name, raising=False)
    return app


def _beat_scheduler(app, scheduler_cls):
    # What `celery beat` does (celery/apps/beat.py): Beat.init_loader() imports the
    # default modules, i.e. runs autodiscovery, then start_scheduler() builds the
    # scheduler, whose setup_schedule() reads app.conf.beat_schedule.
    app.loader.import_default_modules()
    return scheduler_cls(app=app)


def test_O1_beat_schedules_activation_hourly_and_expiry_every_15_minutes(
    fresh_beat_process,
):
    app = fresh_beat_process

    scheduler = _beat_scheduler(app, celery.beat.Scheduler)

    schedule = scheduler.schedule
    activation = schedule["saleor-rewards-activate-due-credits"]
    expiry = schedule["saleor-rewards-expire-due-lots"]
    assert (activation.task, activation.schedule.run_every) == (
        ACTIVATE_TASK,
        timedelta(hours=1),
    )
    assert (expiry.task, expiry.schedule.run_every) == (EXPIRE_TASK, timedelta(minutes=15))
    assert {ACTIVATE_TASK, EXPIRE_TASK} <= set(app.tasks)


def test_O1_saleors_database_scheduler_stores_our_beat_entries(fresh_beat_process, monkeypatch):
    # given the scheduler Saleor's beat runs with (pyproject: --scheduler
    # saleor.schedulers.schedulers.DatabaseScheduler)
    import django_celery_beat.schedulers
    from saleor.schedulers.models import CustomPeriodicTask
    from saleor.schedulers.schedulers import DatabaseScheduler

    # (between ticks it recycles old connections; inside this test's transaction
    # that would close the test's own connection)
    monkeypatch.setattr(django_celery_beat.schedulers, "close_old_connections", lambda: None)

    # when beat starts
    scheduler = _beat_scheduler(fresh_beat_process, DatabaseScheduler)
    scheduler._finalize.cancel()  # no sync at garbage collection, after the test

    # then our entries are periodic tasks of its database, enabled
    rows = CustomPeriodicTask.objects.filter(name__startswith="saleor-rewards-")
    assert {(row.name, row.task, row.enabled) for row in rows} == {
        ("saleor-rewards-activate-due-credits", ACTIVATE_TASK, True),
        ("saleor-rewards-expire-due-lots", EXPIRE_TASK, True),
        ("saleor-rewards-release-stale-redemptions", RELEASE_TASK, True),  # S2
        ("saleor-rewards-recompute-tiers", TIERS_TASK, True),  # T3
        ("saleor-rewards-send-expiry-reminders", REMINDERS_TASK, True),  # O1
        ("saleor-rewards-purge-by-retention", PURGE_TASK, True),  # O2
    }
    assert set(ENTRIES) <= set(scheduler.schedule)


def test_O1_a_merchants_own_entry_of_the_same_name_wins(fresh_beat_process, monkeypatch):
    # given CELERY_BEAT_SCHEDULE in Saleor's settings has an entry of our name
    app = fresh_beat_process
    mine = {"task": ACTIVATE_TASK, "schedule": timedelta(minutes=5)}
    monkeypatch.setitem(app.conf.beat_schedule, ENTRIES[0], mine)

    scheduler = _beat_scheduler(app, celery.beat.Scheduler)

    entry = scheduler.schedule["saleor-rewards-activate-due-credits"]
    assert entry.schedule.run_every == timedelta(minutes=5)


@pytest.fixture
def due_lots(program, customer_user):
    """A pending lot whose hold ended an hour ago, one still on hold, one with no
    date, and an available lot that expired a minute ago."""
    now = timezone.now()
    points = open_account(program, customer_user.pk, Kind.POINTS)
    lots = {
        name: credit(
            points,
            amount,
            key=name,
            source=LotSource.LOYALTY,
            pending=True,
            available_at=when,
            expires_in_days=30,
            now=now,
        ).lot_id
        for name, amount, when in (
            ("due", 100, now - timedelta(hours=1)),
            ("on-hold", 20, now + timedelta(days=2)),
            ("no-date", 5, None),
        )
    }
    lots["expired"] = credit(
        points,
        40,
        key="old",
        source=LotSource.BONUS,
        expires_in_days=1,
        now=now - timedelta(days=1, minutes=1),
    ).lot_id
    settle_deferred_checks()
    return lots


def _status(lot_id):
    return Lot.objects.get(id=lot_id).status


def test_O1_activation_task_runs_against_saleors_database(active_rewards_plugin, due_lots):
    from saleor_rewards.saleor_adapter.tasks.schedule import activate_due_credits_task

    # when Celery runs the task (eagerly in Saleor's tests, with writer checks on)
    result = activate_due_credits_task.delay()

    # then only the due lot became available
    assert result.get() == 1
    assert _status(due_lots["due"]) == LotStatus.AVAILABLE
    assert _status(due_lots["on-hold"]) == LotStatus.PENDING
    assert _status(due_lots["no-date"]) == LotStatus.PENDING


def test_O1_expiry_task_runs_against_saleors_database(active_rewards_plugin, due_lots):
    from saleor_rewards.saleor_adapter.tasks.schedule import expire_due_lots_task

    result = expire_due_lots_task.delay()

    assert result.get() == 1
    assert _status(due_lots["expired"]) == LotStatus.EXPIRED
