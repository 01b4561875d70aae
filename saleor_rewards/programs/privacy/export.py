"""Access and portability (P1): everything the plugin holds about one member, as JSON.

Every feature answers for its own tables (``parts.discover``); this only puts the
parts side by side, with when and in which format it was made.
"""

from datetime import datetime

from django.utils import timezone

from .parts import discover

FORMAT = "saleor-rewards-export/1"


def export_member(member_id: int, *, now: datetime | None = None) -> dict:
    """The member's data of every channel and feature; nothing of anyone else."""
    return {
        "format": FORMAT,
        "member_id": member_id,
        "exported_at": (now or timezone.now()).isoformat(),
        "parts": {part.NAME: part.export_member(member_id) for part in discover()},
    }
