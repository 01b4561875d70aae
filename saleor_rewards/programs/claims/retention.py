"""C1, P3: a claim's evidence is kept only while the claim may still need it.

Once a claim is decided (approved or rejected, final: C4), its documents are kept
``claim_evidence_retention_days`` (per channel, default 365) after the decision
(``decided_at``), then their files are deleted from private storage and their rows
with them. The claim itself stays: its lines, story, decision and amounts are
accounting (the deposit's and the buyer's ledger entries name it). Open claims are
never touched. The setting is read at each run, so lowering it reaches claims
decided before the change too.
"""

from datetime import datetime, timedelta

from ... import config
from ...ledger.models import Program
from ..retention import purge
from .evidence import delete_files
from .models import Claim, ClaimDocument, ClaimStatus


def _due(program: Program, now: datetime):
    settings = config.resolve(config.plugin_values(), program.settings)
    cutoff = now - timedelta(days=settings["claim_evidence_retention_days"])
    return ClaimDocument.objects.filter(
        claim__program=program,
        claim__status__in=ClaimStatus.DECIDED,
        claim__decided_at__lt=cutoff,
    )


def _programs_with_decided_evidence():
    decided = Claim.objects.filter(status__in=ClaimStatus.DECIDED, documents__isnull=False)
    return Program.objects.filter(id__in=decided.values("program_id")).order_by("id")


@purge(
    "claim-evidence",
    "evidence documents of claims decided claim_evidence_retention_days ago (C1, P3)",
)
def purge_claim_evidence(now: datetime, *, dry_run, batch_size, progress) -> int:
    done = 0
    for program in _programs_with_decided_evidence():
        due = _due(program, now)
        if dry_run:
            done += due.count()
            continue
        after = 0
        while True:
            # Keyset batches: a file the storage would not delete keeps its row for
            # the next run, and this run goes on past it.
            batch = list(
                due.filter(id__gt=after)
                .order_by("id")
                .values_list("id", "storage_name")[:batch_size]
            )
            if not batch:
                break
            after = batch[-1][0]
            # Files first: a run stopped between the two leaves rows whose files are
            # gone, which the next run deletes; never files nobody knows of.
            gone = delete_files(name for _, name in batch)
            kept = [document_id for document_id, name in batch if name in gone]
            done += ClaimDocument.objects.filter(id__in=kept).delete()[0]
            progress(done)
    if dry_run:
        progress(done)
    return done
