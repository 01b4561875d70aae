from ...ledger import activate_due_lots, due_for_activation
from ..jobs import JobCommand


class Command(JobCommand):
    help = (
        "Make every pending lot whose hold is over (available_at has passed) "
        "spendable (SPEC L2, O2)."
    )
    verb = "activate"
    done = "Activated"
    run = staticmethod(activate_due_lots)
    due = staticmethod(due_for_activation)
