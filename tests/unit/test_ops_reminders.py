"""SPEC O1, P5, P6 without Saleor: the reminder pass picks members with points
expiring in the window, keeps the consenting and unrestricted ones, sends one mail
per member, and records each lot once (an overlapping run sends nothing more)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_rewards import config
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.reminders.models import ExpiryReminder
from saleor_rewards.programs.reminders.services import due_members, send_expiry_reminders

pytestmark = pytest.mark.django_db


class FakeShop:
    def __init__(self, consenting=(), restricted=()):
        self.consenting, self.restricted = set(consenting), set(restricted)
        self.sent = []

    def member_emails(self, member_ids):
        return {member_id: f"m{member_id}@example.com" for member_id in member_ids}

    def consenting_member_ids(self, program, member_ids):
        return self.consenting & set(member_ids)

    def restricted_member_ids(self, program, member_ids):
        return self.restricted & set(member_ids)

    def shop_name(self):
        return "Test shop"

    def send_expiry_reminder(self, to, subject, body):
        self.sent.append((to, subject, body))


def _run(program, shop, now=None, **settings):
    values = config.parse({**settings})
    return send_expiry_reminders(
        now or timezone.now(), programs=[program], settings_for=lambda p: values, shop=shop
    )


def _points(program, member, amount, days, key):
    account = open_account(program, member, Kind.POINTS)
    credit(account, amount, key=key, source=LotSource.BONUS, expires_in_days=days)


def test_O1_only_lots_expiring_within_the_window_are_due(program, new_member):
    soon, later = new_member(), new_member()
    _points(program, soon, 10, 3, "a")
    _points(program, soon, 5, 6, "b")
    _points(program, later, 10, 30, "c")

    due = due_members(program, 7, timezone.now())

    assert [(m.member_id, m.points) for m in due] == [(soon, 15)]


def test_P6_P5_only_consenting_unrestricted_members_get_one_mail(program, new_member):
    yes, no, restricted = new_member(), new_member(), new_member()
    for member in (yes, no, restricted):
        _points(program, member, 10, 3, f"x{member}")
        _points(program, member, 20, 5, f"y{member}")
    shop = FakeShop(consenting={yes, restricted}, restricted={restricted})

    run = _run(program, shop)

    assert [to for to, _s, _b in shop.sent] == [f"m{yes}@example.com"]
    assert "30 of your points" in shop.sent[0][2]
    assert (run.mails, run.lots, run.skipped, run.members_due) == (1, 2, 2, 3)


def test_O1_a_lot_is_reminded_once_even_by_an_overlapping_run(program, member):
    _points(program, member, 10, 3, "a")
    shop = FakeShop(consenting={member})
    stale = due_members(program, 7, timezone.now())  # read by a run that overlaps

    _run(program, shop)
    assert ExpiryReminder.objects.count() == 1

    # the overlapping run's insert finds the lot reminded: no second mail
    from saleor_rewards.programs.reminders.services import _record

    assert _record(program, stale[0], timezone.now()).lots == []
    _run(program, shop)
    assert len(shop.sent) == 1


def test_O1_zero_days_or_a_disabled_program_sends_nothing(program, member):
    _points(program, member, 10, 3, "a")
    shop = FakeShop(consenting={member})

    _run(program, shop, reminder_days_before=0)
    _run(program, shop, program_enabled=False)

    assert shop.sent == [] and ExpiryReminder.objects.count() == 0


def test_O1_expired_or_spent_lots_are_not_reminded(program, member):
    _points(program, member, 10, 3, "a")
    shop = FakeShop(consenting={member})

    _run(program, shop, now=timezone.now() + timedelta(days=4))  # already past expiry

    assert shop.sent == []
