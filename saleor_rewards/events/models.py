"""The audit events table (P4): who changed what, when, from what to what.

An event names its subject by type and id, not by foreign key: a deleted tier keeps
its history, and events of every feature share one table without this layer
importing the features. ``before`` is NULL for something created, ``after`` for
something deleted. Rows are never changed or deleted (trigger in migration 0008).
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..ledger.constants import ActorType
from ..ledger.models import Program


class AuditEventType:
    PROGRAM_SETTINGS_CHANGED = "program_settings_changed"
    TIER_CREATED = "tier_created"
    TIER_UPDATED = "tier_updated"
    TIER_DELETED = "tier_deleted"
    REVIEW_APPROVED = "review_approved"
    REVIEW_REJECTED = "review_rejected"
    BALANCE_ADJUSTED = "balance_adjusted"
    # Affiliates (A1)
    AFFILIATE_APPROVED = "affiliate_approved"
    AFFILIATE_REJECTED = "affiliate_rejected"
    AFFILIATE_SUSPENDED = "affiliate_suspended"
    # Withdrawals (W4, W6)
    WITHDRAWAL_APPROVED = "withdrawal_approved"
    WITHDRAWAL_REJECTED = "withdrawal_rejected"
    WITHDRAWAL_PAID = "withdrawal_paid"
    WITHDRAWAL_FAILED = "withdrawal_failed"
    PAYOUT_FILE_CREATED = "payout_file_created"
    # Claims and the deposit (C2, C3, C5)
    CLAIM_INFO_REQUESTED = "claim_info_requested"
    CLAIM_APPROVED = "claim_approved"
    CLAIM_REJECTED = "claim_rejected"
    DEPOSIT_ADJUSTED = "deposit_adjusted"
    RETURN_ADDRESS_SET = "return_address_set"
    RETURN_ADDRESS_DELETED = "return_address_deleted"
    # Privacy (P2, P5)
    MEMBER_RESTRICTED = "member_restricted"
    MEMBER_UNRESTRICTED = "member_unrestricted"
    MEMBER_ERASED = "member_erased"
    # The plugin's own configuration, saved with Saleor's pluginUpdate (P4)
    PLUGIN_SETTINGS_CHANGED = "plugin_settings_changed"
    CHOICES = [
        (PROGRAM_SETTINGS_CHANGED, "A channel's program settings were changed"),
        (TIER_CREATED, "A tier was created"),
        (TIER_UPDATED, "A tier was changed"),
        (TIER_DELETED, "A tier was deleted"),
        (REVIEW_APPROVED, "A review was approved"),
        (REVIEW_REJECTED, "A review was rejected"),
        (BALANCE_ADJUSTED, "A member's balance was adjusted by staff"),
        (AFFILIATE_APPROVED, "An affiliate application was approved"),
        (AFFILIATE_REJECTED, "An affiliate application was rejected"),
        (AFFILIATE_SUSPENDED, "An affiliate was suspended"),
        (WITHDRAWAL_APPROVED, "A withdrawal was approved"),
        (WITHDRAWAL_REJECTED, "A withdrawal was rejected"),
        (WITHDRAWAL_PAID, "A withdrawal was marked paid"),
        (WITHDRAWAL_FAILED, "A withdrawal was marked failed"),
        (PAYOUT_FILE_CREATED, "A payout file was created"),
        (CLAIM_INFO_REQUESTED, "More information was requested on a claim"),
        (CLAIM_APPROVED, "A claim was approved"),
        (CLAIM_REJECTED, "A claim was rejected"),
        (DEPOSIT_ADJUSTED, "The merchant security deposit was adjusted"),
        (RETURN_ADDRESS_SET, "A return address was set"),
        (RETURN_ADDRESS_DELETED, "A return address was deleted"),
        (MEMBER_RESTRICTED, "A member's processing was restricted"),
        (MEMBER_UNRESTRICTED, "A member's restriction was lifted"),
        (MEMBER_ERASED, "A member's personal data was erased"),
        (PLUGIN_SETTINGS_CHANGED, "The plugin's configuration was changed"),
    ]
    ALL = tuple(value for value, _label in CHOICES)


class AuditSubject:
    """What an event is about; ``subject_id`` is that row's id."""

    PROGRAM = "program"
    TIER = "tier"
    REVIEW = "review"
    ACCOUNT = "account"
    AFFILIATE = "affiliate"
    WITHDRAWAL = "withdrawal"
    PAYOUT_FILE = "payout_file"
    CLAIM = "claim"
    DEPOSIT = "deposit"
    RETURN_ADDRESS = "return_address"
    MEMBER = "member"
    PLUGIN = "plugin"
    CHOICES = [
        (PROGRAM, "Program"),
        (TIER, "Tier"),
        (REVIEW, "Review"),
        (ACCOUNT, "Account"),
        (AFFILIATE, "Affiliate"),
        (WITHDRAWAL, "Withdrawal"),
        (PAYOUT_FILE, "Payout file"),
        (CLAIM, "Claim"),
        (DEPOSIT, "Deposit"),
        (RETURN_ADDRESS, "Return address"),
        (MEMBER, "Member"),
        (PLUGIN, "Plugin"),
    ]
    ALL = tuple(value for value, _label in CHOICES)


class AuditEvent(models.Model):
    """One staff change (P4); written by the factories in ``events.py`` only."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor_type = models.CharField(max_length=16, choices=ActorType.CHOICES)
    actor_id = models.CharField(max_length=128, blank=True, default="")
    type = models.CharField(max_length=64, choices=AuditEventType.CHOICES)
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.CharField(max_length=32, choices=AuditSubject.CHOICES)
    subject_id = models.CharField(max_length=128)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        db_table = "rewards_audit_event"
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=AuditEventType.ALL),
                name="rewards_audit_event_type",
            ),
            models.CheckConstraint(
                condition=Q(actor_type__in=[value for value, _ in ActorType.CHOICES]),
                name="rewards_audit_event_actor_type",
            ),
            models.CheckConstraint(
                condition=Q(subject_type__in=AuditSubject.ALL),
                name="rewards_audit_event_subject_type",
            ),
            # An event records a change: something existed before or after it.
            models.CheckConstraint(
                condition=Q(before__isnull=False) | Q(after__isnull=False),
                name="rewards_audit_event_not_empty",
            ),
        ]
        indexes = [
            # A program's history of one type, newest first (rewardsProgram.changes).
            models.Index(fields=["program", "type", "-id"], name="rewards_audit_event_history"),
            models.Index(
                fields=["subject_type", "subject_id"],
                name="rewards_audit_event_subject",
            ),
        ]

    def __str__(self):
        return f"{self.type} of {self.subject_type} {self.subject_id}"
