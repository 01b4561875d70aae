"""Customers' reviews of the products they received (B2)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ...ledger.models import Program


class ReviewStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHOICES = [(PENDING, "Pending"), (APPROVED, "Approved"), (REJECTED, "Rejected")]


class Review(models.Model):
    """A customer's review of a line of their own fulfilled order (B2)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member_id = models.BigIntegerField(null=True)
    order_id = models.CharField(max_length=64)
    order_line_id = models.CharField(max_length=64, unique=True)  # once per line
    product_id = models.CharField(max_length=64, blank=True, default="")
    text = models.TextField()
    photo_urls = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.CHOICES, default=ReviewStatus.PENDING
    )
    points = models.BigIntegerField(default=0)  # awarded on approval, after the cap
    moderated_by = models.CharField(max_length=64, blank=True, default="")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rewards_review"
        indexes = [
            models.Index(fields=["status", "id"], name="rewards_review_status"),
            models.Index(fields=["member_id"], name="rewards_review_member"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s for s, _ in ReviewStatus.CHOICES]),
                name="rewards_review_status_valid",
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="rewards_review_points"),
        ]
