"""Retention of invitations (P3): an invited address's keyed hash is kept only as
long as it serves its purpose, that one sponsor does not invite one address twice
(R2): ``invite_retention_days`` (a plugin setting, default 180)."""

from datetime import datetime, timedelta

from ... import config
from ..retention import purge
from .models import ReferralInvite


@purge("expired-invitations", "invitation hashes older than invite_retention_days (P3)")
def purge_expired_invitations(now: datetime, *, dry_run, batch_size, progress) -> int:
    cutoff = now - timedelta(days=config.plugin_values()["invite_retention_days"])
    expired = ReferralInvite.objects.filter(sent_at__lt=cutoff)
    if dry_run:
        count = expired.count()
        progress(count)
        return count
    done = 0
    while True:
        # In batches by primary key: each a short statement, never the whole table.
        ids = list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        done += ReferralInvite.objects.filter(pk__in=ids).delete()[0]
        progress(done)
