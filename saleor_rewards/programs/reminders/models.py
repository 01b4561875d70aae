"""The reminders already sent (O1): one row per lot, so a lot is reminded once."""

from django.db import models
from django.utils import timezone

from ...ledger.models import Lot, Program


class ExpiryReminder(models.Model):
    """A lot that a reminder mail named; its member is the lot's account's (no copy:
    erasure cuts that link once, in the ledger)."""

    id = models.BigAutoField(primary_key=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    # One reminder per lot, ever: a second run, or two runs at once, insert nothing.
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="+")
    # The lot's expiry the mail announced (the lot's own may not change, but the
    # mail's promise is what the row records).
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_expiry_reminder"
        indexes = [models.Index(fields=["sent_at"], name="rewards_reminder_sent")]

    def __str__(self):
        return f"reminder of lot {self.lot_id} sent {self.sent_at:%Y-%m-%d}"
