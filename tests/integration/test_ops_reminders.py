"""SPEC O1, O2, P5, P6 in a real Saleor 3.23: expiry reminders go through Saleor's
mail, only to consenting, unrestricted members with points expiring within
``reminder_days_before`` days, one mail per member and run, once per lot; the
command has ``--now``, ``--dry-run`` and progress; beat runs it every 6 hours.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from saleor.plugins.models import PluginConfiguration

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.reminders.models import ExpiryReminder
from saleor_rewards.saleor_adapter.shop import reminders as reminder_shop
from saleor_rewards.saleor_adapter.tasks import schedule

from .helpers import PLUGIN_ID, grant_reminder_consent, restrict_member, settle_deferred_checks
from .storefront import run


@pytest.fixture
def delivered_order(store, product, customer_user):
    """The store's customer paid 2 x 10.00 and got them: 50 points available that
    expire in 60 days (expiry_days_loyalty)."""
    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, store.pay_legacy, checkout)
    run(store, store.fulfil, order["id"])
    return order


def _credit(program, user, points, days, key):
    account = open_account(program, user.pk, Kind.POINTS)
    credit(account, points, key=key, source=LotSource.BONUS, expires_in_days=days)
    settle_deferred_checks()


def _send(*args, days_ahead=55) -> str:
    out = io.StringIO()
    now = timezone.now() + timedelta(days=days_ahead)
    call_command("rewards_send_reminders", "--now", now.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_O1_a_consenting_member_gets_one_mail_about_points_expiring_in_the_window(
    delivered_order, customer_user, mailoutbox
):
    grant_reminder_consent(customer_user)

    output = _send()  # 55 days on: the 50 points expire in 5 days, within 7

    assert [mail.to for mail in mailoutbox] == [[customer_user.email]]
    assert "50 of your points" in mailoutbox[0].body
    assert ExpiryReminder.objects.count() == 1
    assert "Sent 1 reminder(s) about 1 lot(s)" in output


def test_O1_a_lot_is_reminded_once(delivered_order, customer_user, mailoutbox):
    grant_reminder_consent(customer_user)
    _send()

    output = _send(days_ahead=57)

    assert len(mailoutbox) == 1
    assert "Sent 0 reminder(s)" in output
    assert ExpiryReminder.objects.count() == 1


def test_O1_one_mail_per_member_for_several_lots_and_a_new_lot_gets_its_own(
    delivered_order, program, customer_user, mailoutbox
):
    grant_reminder_consent(customer_user)
    _credit(program, customer_user, 30, 58, "ops:bonus-1")  # expires 3 days after "now"

    _send()

    assert len(mailoutbox) == 1
    assert "80 of your points" in mailoutbox[0].body
    assert ExpiryReminder.objects.count() == 2

    _credit(program, customer_user, 20, 60, "ops:bonus-2")
    _send()

    assert len(mailoutbox) == 2
    assert "20 of your points" in mailoutbox[1].body


def test_P6_no_mail_without_consent(delivered_order, customer_user, mailoutbox):
    output = _send()

    assert mailoutbox == []
    assert ExpiryReminder.objects.count() == 0
    assert "1 skipped" in output


def test_P5_no_mail_to_a_restricted_member(delivered_order, customer_user, mailoutbox):
    grant_reminder_consent(customer_user)
    restrict_member(customer_user)

    _send()

    assert mailoutbox == []
    assert ExpiryReminder.objects.count() == 0


def test_O1_points_expiring_after_the_window_are_not_reminded_yet(
    delivered_order, customer_user, mailoutbox
):
    grant_reminder_consent(customer_user)

    _send(days_ahead=50)  # expire in 10 days, window 7

    assert mailoutbox == []


def test_O1_reminder_days_before_zero_switches_reminders_off(
    delivered_order, customer_user, mailoutbox
):
    row = PluginConfiguration.objects.get(identifier=PLUGIN_ID, channel=None)
    for item in row.configuration:
        if item["name"] == "reminder_days_before":
            item["value"] = "0"
    row.save(update_fields=["configuration"])
    grant_reminder_consent(customer_user)

    _send()

    assert mailoutbox == []


def test_O1_only_the_consenting_member_among_others_is_mailed(
    delivered_order, program, customer_user, customer_user2, mailoutbox
):
    _credit(program, customer_user2, 40, 58, "ops:other")
    grant_reminder_consent(customer_user2)

    _send()

    assert [mail.to for mail in mailoutbox] == [[customer_user2.email]]
    assert "40 of your points" in mailoutbox[0].body


def test_O2_dry_run_sends_and_records_nothing(delivered_order, customer_user, mailoutbox):
    grant_reminder_consent(customer_user)

    output = _send("--dry-run")

    assert mailoutbox == []
    assert ExpiryReminder.objects.count() == 0
    assert "Dry run: would send 1 reminder(s)" in output


def test_O1_a_failed_mail_records_nothing_and_the_next_run_sends_it(
    delivered_order, customer_user, mailoutbox, monkeypatch
):
    grant_reminder_consent(customer_user)

    def broken(to, subject, body):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(reminder_shop, "send_expiry_reminder", broken)
    with pytest.raises(CommandError, match="1 failed"):
        _send()
    assert ExpiryReminder.objects.count() == 0

    monkeypatch.undo()
    _send()

    assert len(mailoutbox) == 1
    assert ExpiryReminder.objects.count() == 1


def test_O1_the_beat_schedule_runs_reminders_every_6_hours_and_the_purge_daily():
    entries = schedule.app.conf.beat_schedule

    reminders = entries["saleor-rewards-send-expiry-reminders"]
    purge = entries["saleor-rewards-purge-by-retention"]
    assert reminders["task"] == "saleor_rewards.send_expiry_reminders"
    assert reminders["schedule"] == timedelta(hours=6)
    assert purge["task"] == "saleor_rewards.purge_by_retention"
    assert purge["schedule"] == timedelta(days=1)


def test_O1_the_task_sends_nothing_while_the_plugin_is_switched_off(
    plugin_configuration_row, program, customer_user, mailoutbox
):
    plugin_configuration_row(active=False)
    _credit(program, customer_user, 40, 3, "ops:off")
    grant_reminder_consent(customer_user)

    assert schedule.send_expiry_reminders_task() == 0
    assert mailoutbox == []


def test_O1_the_task_sends_while_switched_on(
    active_rewards_plugin, program, customer_user, mailoutbox
):
    _credit(program, customer_user, 40, 3, "ops:on")
    grant_reminder_consent(customer_user)

    assert schedule.send_expiry_reminders_task() == 1
    assert len(mailoutbox) == 1
