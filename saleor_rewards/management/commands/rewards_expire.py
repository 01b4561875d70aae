from ...ledger import due_for_expiry, expire_due_lots
from ..jobs import JobCommand


class Command(JobCommand):
    help = "Expire every available lot past its expiry date (SPEC L4, O2)."
    verb = "expire"
    done = "Expired"
    run = staticmethod(expire_due_lots)
    due = staticmethod(due_for_expiry)
