"""A member's restriction of processing (P5), global like the member: one row per
member who was ever restricted, holding the current state and its last reason."""

from django.db import models
from django.utils import timezone


class MemberRestriction(models.Model):
    """While ``restricted``: no earning, no spending, no mail (P5); the data is kept.

    Erasure (P2) deletes the row with the rest of the member's data.
    """

    member_id = models.BigIntegerField(unique=True)
    restricted = models.BooleanField(default=True)
    reason = models.TextField(blank=True, default="")
    changed_by = models.CharField(max_length=160, blank=True, default="")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_member_restriction"
