"""Celery finds the plugin's tasks here.

Saleor's worker autodiscovers ``<plugin package>.tasks`` for every plugin in
``settings.PLUGINS`` (``saleor/celeryconf.py``), so importing this module registers
every task of the Saleor adapter and the beat schedule entries.
"""

from .saleor_adapter import (
    account_tasks,
    order_tasks,
    redemption_tasks,
    referral_tasks,
    scheduled_tasks,
    tier_tasks,
)

__all__ = [
    "account_tasks",
    "order_tasks",
    "redemption_tasks",
    "referral_tasks",
    "scheduled_tasks",
    "tier_tasks",
]
