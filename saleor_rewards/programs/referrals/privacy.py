"""The member's referral code, sponsor, friends and invitations (P1, P2).

Export masks the others: a friend is shown by when they joined, never by id or
address; the invitations by when they were sent (their addresses were never kept).

Erasure deletes the code (it stops resolving, R1) and every invitation the member
sent or received (matched by ``email_hash``), and cuts the member off their
sponsorships. A friend row stays, without the erased side: the friend keeps their
one sponsor for good (R3), the sponsor's limit still counts them (R4). Opt-outs
(``InviteOptOut``) stay: they are an objection to future mail, kept for the person
who made it (P6).
"""

from django.db.models import Q

from .models import Referral, ReferralCode, ReferralInvite

NAME = "referrals"


def export_member(member_id: int) -> dict:
    code = ReferralCode.objects.filter(member_id=member_id).first()
    sponsorship = Referral.objects.filter(friend_id=member_id).first()
    friends = Referral.objects.filter(sponsor_id=member_id).order_by("id")
    invites = ReferralInvite.objects.filter(sponsor_id=member_id).order_by("id")
    return {
        "code": code.code if code else None,
        "sponsored": None
        if sponsorship is None
        else {"since": sponsorship.created_at.isoformat(), "source": sponsorship.source},
        "friends": [
            {
                "friend": f"friend {number}",
                "since": friend.created_at.isoformat(),
                "rewarded": bool(friend.rewarded_order_id),
            }
            for number, friend in enumerate(friends, start=1)
        ],
        "invitations": [{"sent_at": invite.sent_at.isoformat()} for invite in invites],
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    codes, _ = ReferralCode.objects.filter(member_id=member_id).delete()
    sent_or_received = Q(sponsor_id=member_id)
    if email_hash:
        sent_or_received |= Q(email_hash=email_hash)
    invites, _ = ReferralInvite.objects.filter(sent_or_received).delete()
    as_sponsor = Referral.objects.filter(sponsor_id=member_id).update(sponsor_id=None)
    as_friend = Referral.objects.filter(friend_id=member_id).update(friend_id=None)
    return {
        "codes": codes,
        "invitations": invites,
        "sponsorships_unlinked": as_sponsor + as_friend,
    }
