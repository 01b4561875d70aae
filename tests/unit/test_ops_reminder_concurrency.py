"""O1 under contention: reminder runs at once, committed for real, one connection per
thread. The unique lot of ``rewards_expiry_reminder`` lets one run record the lot;
the others insert nothing and so send nothing."""

import threading

import pytest
from django.utils import timezone

from saleor_rewards import config
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.reminders.models import ExpiryReminder
from saleor_rewards.programs.reminders.services import send_expiry_reminders

from .test_ledger_concurrency import run_at_once
from .test_ops_reminders import FakeShop

pytestmark = pytest.mark.django_db(transaction=True)


class SlowShop(FakeShop):
    """Sends slowly, so every run has read the due lots before any commits."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()

    def send_expiry_reminder(self, to, subject, body):
        threading.Event().wait(0.2)
        with self.lock:
            super().send_expiry_reminder(to, subject, body)


def test_O1_overlapping_runs_send_one_mail_per_lot(program):
    account = open_account(program, 7, Kind.POINTS)
    credit(account, 10, key="a", source=LotSource.BONUS, expires_in_days=3)
    credit(account, 20, key="b", source=LotSource.BONUS, expires_in_days=4)
    shop = SlowShop(consenting={7})
    settings = config.parse({})
    now = timezone.now()

    def remind(n):
        return send_expiry_reminders(
            now, programs=[program], settings_for=lambda p: settings, shop=shop
        ).mails

    results, errors = run_at_once(4, remind)

    assert errors == []
    assert sorted(results) == [0, 0, 0, 1]
    assert len(shop.sent) == 1 and "30 of your points" in shop.sent[0][2]
    assert ExpiryReminder.objects.count() == 2
