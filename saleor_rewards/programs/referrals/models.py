"""Referral codes, sponsorships and invitations (R1-R5)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ReferralCode(models.Model):
    """A member's referral code (R1); one per member, shared by every channel."""

    member_id = models.BigIntegerField(null=True, unique=True)
    code = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_referral_code"


class ReferralSource:
    REGISTRATION = "registration"  # account metadata read by customer_created (R3)
    CLAIM = "claim"  # rewardsReferralClaim (R3)
    CHOICES = [(REGISTRATION, "Registration"), (CLAIM, "Claim")]


class Referral(models.Model):
    """A friend named a sponsor (R3). One sponsor per friend, for good."""

    sponsor_id = models.BigIntegerField(null=True)
    friend_id = models.BigIntegerField(null=True, unique=True)
    source = models.CharField(max_length=16, choices=ReferralSource.CHOICES)
    # The friend's order whose reward stands (R6); cleared again when that order
    # is cancelled or refunded in full, so that a later order counts (R7).
    rewarded_order_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_referral"
        indexes = [models.Index(fields=["sponsor_id"], name="rewards_referral_sponsor")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sponsor_id=F("friend_id")), name="rewards_referral_not_self"
            )
        ]


class ReferralInvite(models.Model):
    """An invitation e-mail a sponsor sent (R2); only a hash of the address is kept (P3)."""

    sponsor_id = models.BigIntegerField(null=True)
    email_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_referral_invite"
        constraints = [
            models.UniqueConstraint(
                fields=["sponsor_id", "email_hash"], name="rewards_referral_invite_unique"
            )
        ]
        indexes = [models.Index(fields=["sponsor_id", "sent_at"], name="rewards_invite_sent")]


class InviteOptOut(models.Model):
    """An address whose owner refused every future invitation, from anyone (P6).

    Only ``keyed_hash(canonical address, "invite-optout")`` is kept: the shop can
    recognise the address when someone invites it, never read it. Kept for good
    (the objection has no expiry) and not erased with a member: it belongs to the
    person who opted out, who may never have been a member.
    """

    email_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rewards_invite_optout"
