"""Celery finds the plugin's tasks here.

Saleor's worker autodiscovers ``<plugin package>.tasks`` for every plugin in
``settings.PLUGINS`` (``saleor/celeryconf.py``), so importing this module registers
every task of the Saleor adapter and the beat schedule entries.
"""

from .saleor_adapter.tasks import (
    accounts,
    orders,
    privacy,
    redemption,
    redemption_cap,
    referrals,
    schedule,
    tiers,
)

__all__ = [
    "accounts",
    "orders",
    "privacy",
    "redemption",
    "redemption_cap",
    "referrals",
    "schedule",
    "tiers",
]
