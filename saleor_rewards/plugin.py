"""Entry point for Saleor: ``saleor.plugins = saleor_rewards.plugin:RewardsPlugin``.

Importing this module needs Saleor; the rest of the package does not.
"""

from .saleor_adapter.plugin import RewardsPlugin

__all__ = ["RewardsPlugin"]
