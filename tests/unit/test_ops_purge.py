"""SPEC O2, P3: ``rewards_purge`` runs every registered retention purge (or one),
with progress and a dry run; the reminders' own purge removes only rows of lots
closed for good, after 30 days."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from saleor_rewards.ledger import LotSource, credit, expire_due_lots
from saleor_rewards.ledger.models import Lot
from saleor_rewards.programs import retention
from saleor_rewards.programs.reminders.models import ExpiryReminder
from saleor_rewards.programs.reminders.retention import purge_closed_lot_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def dummy_purge():
    """A purge of three rows in batches of ``batch_size``, recording its calls."""
    calls = []

    @retention.purge("ops-dummy", "three dummy rows")
    def purge_dummy(now, *, dry_run, batch_size, progress):
        calls.append({"dry_run": dry_run, "batch_size": batch_size})
        done = 0
        while done < 3:
            done = min(3, done + batch_size)
            progress(done)
        return 3

    yield calls
    retention.PURGES.pop("ops-dummy")


def _purge(*args) -> str:
    out = io.StringIO()
    call_command("rewards_purge", *args, stdout=out)
    return out.getvalue()


def test_O2_rewards_purge_runs_every_registered_purge_with_progress(dummy_purge):
    output = _purge("--batch-size", "2")

    assert dummy_purge == [{"dry_run": False, "batch_size": 2}]
    assert "ops-dummy: three dummy rows" in output
    assert "ops-dummy: 2 row(s) removed so far" in output
    assert "ops-dummy: 3 row(s) removed." in output
    assert "closed-lot-reminders: 0 row(s) removed." in output  # discovered, ran too


def test_O2_every_features_purge_is_discovered():
    assert list(retention.discover()) == [
        "affiliate-visit-hashes",
        "claim-evidence",
        "closed-lot-reminders",
        "expired-invitations",
        "withdrawal-details",
    ]


def test_O2_only_runs_one_purge_and_dry_run_is_passed_on(dummy_purge):
    output = _purge("--only", "ops-dummy", "--dry-run")

    assert dummy_purge == [{"dry_run": True, "batch_size": 1000}]
    assert "closed-lot-reminders" not in output
    assert "Dry run: would remove 3 row(s) in 1 purge(s)" in output


def test_O2_an_unknown_purge_is_refused_naming_the_known_ones(dummy_purge):
    with pytest.raises(CommandError, match="known: .*ops-dummy"):
        _purge("--only", "nonsense")

    assert dummy_purge == []


def _reminded_lot(program, points, *, expired: bool, sent_days_ago: int, key: str):
    now = timezone.now()
    posting = credit(
        points,
        10,
        key=key,
        source=LotSource.BONUS,
        expires_in_days=1,
        now=now - timedelta(days=3) if expired else now,
    )
    lot = Lot.objects.get(entry__id=posting.entry_id)
    if expired:
        expire_due_lots(now)
        lot.refresh_from_db()
    return ExpiryReminder.objects.create(
        program=program,
        lot=lot,
        expires_at=lot.expires_at or now,
        sent_at=now - timedelta(days=sent_days_ago),
    )


def test_O2_reminders_of_lots_closed_for_30_days_are_purged_others_kept(program, points):
    old_closed = _reminded_lot(program, points, expired=True, sent_days_ago=40, key="a")
    recent_closed = _reminded_lot(program, points, expired=True, sent_days_ago=5, key="b")
    still_open = _reminded_lot(program, points, expired=False, sent_days_ago=40, key="c")
    seen = []

    would = purge_closed_lot_reminders(
        timezone.now(), dry_run=True, batch_size=10, progress=seen.append
    )
    assert would == 1 and ExpiryReminder.objects.count() == 3

    done = purge_closed_lot_reminders(
        timezone.now(), dry_run=False, batch_size=10, progress=seen.append
    )

    assert done == 1
    assert set(ExpiryReminder.objects.values_list("id", flat=True)) == {
        recent_closed.id,
        still_open.id,
    }
    assert not ExpiryReminder.objects.filter(id=old_closed.id).exists()
