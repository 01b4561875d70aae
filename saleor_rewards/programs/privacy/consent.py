"""Consent to expiry reminders (P6): off until the member turns it on.

Also this package's own privacy part (``NAME``, ``export_member``,
``erase_member``): the consents are member data like any other.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ...ledger.models import Program
from ..channel.models import MemberRestriction
from .models import MemberConsent

NAME = "consent"


def consents_to_reminders(program: Program, member_id: int) -> bool:
    return MemberConsent.objects.filter(
        program=program, member_id=member_id, expiry_reminders=True
    ).exists()


def update_consent(
    program: Program, member_id: int, *, expiry_reminders: bool, now: datetime | None = None
) -> MemberConsent:
    """The member's choice in this channel; setting the same value again is harmless."""
    now = now or timezone.now()
    values = {"expiry_reminders": bool(expiry_reminders), "updated_at": now}
    try:
        with transaction.atomic():
            consent, _ = MemberConsent.objects.update_or_create(
                program=program, member_id=member_id, defaults=values
            )
    except IntegrityError:  # a concurrent first choice: it exists now
        MemberConsent.objects.filter(program=program, member_id=member_id).update(**values)
        consent = MemberConsent.objects.get(program=program, member_id=member_id)
    return consent


def members_consenting_to_reminders(program: Program, member_ids) -> set[int]:
    """Of ``member_ids``, those who turned expiry reminders on in ``program`` and
    whose processing is not restricted (P5: no mail while restricted). One query."""
    restricted = MemberRestriction.objects.filter(restricted=True).values("member_id")
    return set(
        MemberConsent.objects.filter(
            program=program, member_id__in=list(member_ids), expiry_reminders=True
        )
        .exclude(member_id__in=restricted)
        .values_list("member_id", flat=True)
    )


def export_member(member_id: int) -> dict:
    return {
        "consents": [
            {
                "channel": consent.program.channel_slug,
                "expiry_reminders": consent.expiry_reminders,
                "updated_at": consent.updated_at.isoformat(),
            }
            for consent in MemberConsent.objects.filter(member_id=member_id)
            .select_related("program")
            .order_by("program_id")
        ]
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    deleted, _ = MemberConsent.objects.filter(member_id=member_id).delete()
    return {"consents": deleted}
