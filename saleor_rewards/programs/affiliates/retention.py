"""Retention of the affiliate program (P3): client hashes of visits.

A visit keeps the keyed hash of its client's address only while it can matter:
reviewing click fraud on recent commissions. After ``VISIT_HASH_DAYS`` (longer than
the default 30-day attribution window plus a return period) the hash is blanked;
the visit itself stays (the affiliate's statistics count it).
"""

from datetime import timedelta

from ..retention import purge
from .models import AffiliateVisit

VISIT_HASH_DAYS = 90


@purge(
    "affiliate-visit-hashes", f"client hashes of affiliate visits older than {VISIT_HASH_DAYS} days"
)
def purge_visit_hashes(now, *, dry_run, batch_size, progress) -> int:
    stale = AffiliateVisit.objects.filter(
        created_at__lt=now - timedelta(days=VISIT_HASH_DAYS)
    ).exclude(client_hash="")
    if dry_run:
        return stale.count()
    done = 0
    while True:
        ids = list(stale.order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return done
        done += AffiliateVisit.objects.filter(id__in=ids).update(client_hash="")
        progress(done)
