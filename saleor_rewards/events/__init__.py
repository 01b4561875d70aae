"""The audit trail of staff changes (P4): one append-only row per change.

``models.py`` holds the table and its event types; ``events.py`` one factory per event
type, which the programs call in the same transaction as the change they record.
Like the ledger's entries, the rows are append-only in the database itself: migration
0008 installs a trigger refusing every UPDATE and DELETE.
"""
