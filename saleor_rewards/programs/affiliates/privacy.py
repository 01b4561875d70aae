"""The affiliate program's part of a member's data export and erasure (P1, P2).

Export: the member's applications in every channel, their visits counted and their
commissions (amounts are the member's own). Erasure blanks what the member wrote
(website, profiles, audience, message), the staff note and the e-mail hash, unlinks
the member, and stops an approved affiliate earning (suspended: nobody can use the
code for a person who is gone); commission amounts stay, like every ledger amount.
"""

from django.db import transaction

from ...ledger.models import Program
from .models import Affiliate, AffiliateCommission, AffiliateStatus, AffiliateVisit

NAME = "affiliates"


def export_member(member_id: int) -> dict:
    channels = dict(Program.objects.values_list("id", "channel_slug"))
    applications = []
    for affiliate in Affiliate.objects.filter(member_id=member_id).order_by("id"):
        commissions = AffiliateCommission.objects.filter(affiliate=affiliate).order_by("id")
        applications.append(
            {
                "channel": channels.get(affiliate.program_id),
                "status": affiliate.status.upper(),
                "code": affiliate.code,
                "website": affiliate.website,
                "socialProfiles": list(affiliate.social_profiles),
                "audience": affiliate.audience,
                "message": affiliate.message,
                "commissionPercent": None
                if affiliate.commission_percent is None
                else str(affiliate.commission_percent),
                "appliedAt": affiliate.created_at.isoformat(),
                "decidedAt": affiliate.decided_at.isoformat() if affiliate.decided_at else None,
                "visits": AffiliateVisit.objects.filter(affiliate=affiliate).count(),
                "commissions": [
                    {
                        "orderId": c.order_id,
                        "amount": str(c.amount),
                        "takenBack": str(c.taken_back),
                        "reversed": c.reversed,
                        "createdAt": c.created_at.isoformat(),
                    }
                    for c in commissions
                ],
            }
        )
    return {"affiliateApplications": applications}


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    with transaction.atomic():
        affiliates = Affiliate.objects.filter(member_id=member_id)
        if email_hash:
            affiliates = affiliates | Affiliate.objects.filter(email_hash=email_hash)
        ids = list(affiliates.values_list("id", flat=True))
        Affiliate.objects.filter(id__in=ids, status=AffiliateStatus.APPROVED).update(
            status=AffiliateStatus.SUSPENDED
        )
        Affiliate.objects.filter(id__in=ids, status=AffiliateStatus.PENDING).update(
            status=AffiliateStatus.REJECTED
        )
        erased = Affiliate.objects.filter(id__in=ids).update(
            member_id=None,
            email_hash="",
            website="",
            social_profiles=[],
            audience="",
            message="",
            note="",
        )
        visits = (
            AffiliateVisit.objects.filter(affiliate_id__in=ids)
            .exclude(client_hash="")
            .update(client_hash="")
        )
        commissions = AffiliateCommission.objects.filter(member_id=member_id).update(member_id=None)
    return {"affiliates": erased, "affiliate_visits": visits, "affiliate_commissions": commissions}
