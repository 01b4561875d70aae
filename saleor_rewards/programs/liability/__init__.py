"""The liability report (O3): what the shop owes its members in a channel now, and
how it moved day by day; ``report.py`` computes it set-based from the ledger."""
