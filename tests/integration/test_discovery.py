"""SPEC §0: Saleor discovers the installed distribution and applies its migrations."""

import importlib.metadata
import io

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from .helpers import PLUGIN_PATH

PROGRAM_TABLES = {
    "rewards_order_award",
    "rewards_delivery_confirmation",
    "rewards_referral",
    "rewards_referral_code",
    "rewards_referral_invite",
    "rewards_review",
    "rewards_voucher_conversion",
    "rewards_redemption",
    "rewards_tier",
    "rewards_member_tier",
    "rewards_audit_event",
    "rewards_expiry_reminder",
    "rewards_member_restriction",
    "rewards_member_consent",
    "rewards_invite_optout",
    "rewards_withdrawal",
    "rewards_affiliate",
    "rewards_affiliate_visit",
    "rewards_affiliate_commission",
    "rewards_claim",
    "rewards_claim_line",
    "rewards_claim_event",
    "rewards_claim_document",
    "rewards_return_address",
}
LEDGER_TABLES = {
    "rewards_program",
    "rewards_account",
    "rewards_lot",
    "rewards_hold",
    "rewards_entry",
    "rewards_allocation",
}


def test_distribution_declares_the_saleor_plugins_entry_point():
    # given the package installed in Saleor's environment
    entry_points = importlib.metadata.entry_points(group="saleor.plugins")

    # when Saleor looks for plugins
    ours = [ep for ep in entry_points if ep.name == "saleor_rewards"]

    # then it finds ours, named after the Django app
    assert [ep.value for ep in ours] == ["saleor_rewards.plugin:RewardsPlugin"]


def test_saleor_settings_list_the_plugin():
    # given Saleor's settings module (saleor.tests.settings empties PLUGINS after it)
    import saleor.settings as saleor_settings

    # then the entry point made the plugin an external plugin of Saleor
    assert PLUGIN_PATH in saleor_settings.EXTERNAL_PLUGINS
    assert PLUGIN_PATH in saleor_settings.PLUGINS


def test_saleor_settings_install_the_django_app():
    # then its models and migrations load with Saleor's
    assert "saleor_rewards" in settings.INSTALLED_APPS
    config = apps.get_app_config("saleor_rewards")
    assert {model._meta.db_table for model in config.get_models()} == (
        LEDGER_TABLES | PROGRAM_TABLES
    )


def test_plugin_class_is_the_one_saleor_loads(rewards_plugin):
    # given Saleor's plugin manager with the settings' plugin list
    from saleor.plugins.manager import get_plugins_manager

    from saleor_rewards.saleor_adapter.plugin import RewardsPlugin

    # when it loads the global plugins
    plugin = get_plugins_manager(allow_replica=False).get_plugin("saleor_rewards")

    # then it is ours, global, and off until a merchant enables it
    assert isinstance(plugin, RewardsPlugin)
    assert plugin.CONFIGURATION_PER_CHANNEL is False
    assert plugin.active is False


def test_migrations_are_applied_in_saleors_test_database(db):
    # given the test database Saleor's migrate built
    applied = MigrationRecorder(connection).applied_migrations()

    # then every migration of ours on disk is recorded as applied
    executor = MigrationExecutor(connection)
    on_disk = {key for key in executor.loader.disk_migrations if key[0] == "saleor_rewards"}
    assert ("saleor_rewards", "0001_initial") in on_disk
    assert on_disk <= set(applied)
    rows = MigrationRecorder.Migration.objects.filter(app="saleor_rewards")
    assert set(rows.values_list("app", "name")) == on_disk


def test_migrations_applied_with_saleors_leave_nothing_pending(db):
    # given Saleor's ~1,400 migrations and ours in one graph
    executor = MigrationExecutor(connection)

    # when Django plans a migrate to the latest state of every app
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())

    # then there is nothing left to apply, and no conflicting leaves
    assert plan == []
    assert executor.loader.detect_conflicts() == {}


def test_ledger_tables_and_invariant_triggers_exist(db):
    # then the tables exist
    assert set(connection.introspection.table_names()) >= LEDGER_TABLES

    # and so do migration 0002's triggers (append-only, balanced at commit) and
    # 0008's (append-only audit events)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid::regclass::text LIKE 'rewards_%%'"
        )
        triggers = {row[0] for row in cursor.fetchall()}
    assert {
        "rewards_entry_append_only",
        "rewards_allocation_append_only",
        "rewards_audit_event_append_only",
    } <= triggers


def test_models_match_their_migrations(db):
    # when Django compares the models with the migrations under Saleor's settings
    out = io.StringIO()
    call_command("makemigrations", "saleor_rewards", check=True, dry_run=True, stdout=out)

    # then there is nothing to generate (``--check`` exits non-zero otherwise)
    assert "No changes detected" in out.getvalue()
