"""Django discovers the app's models here; they live with the layer that owns them."""

from .ledger.models import Account, Allocation, Entry, Hold, Lot, Program

__all__ = ["Account", "Allocation", "Entry", "Hold", "Lot", "Program"]
