"""Members' consents to marketing mail (P6), per channel's program."""

from django.db import models
from django.utils import timezone

from ...ledger.models import Program


class MemberConsent(models.Model):
    """What the member agreed to in one channel; off until they turn it on (API.md)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField()
    expiry_reminders = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_member_consent"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "member_id"], name="rewards_member_consent_unique"
            )
        ]
