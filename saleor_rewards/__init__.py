"""saleor-rewards: loyalty, referral and affiliate programs for Saleor 3.23.

Layers, bottom to top (nothing below imports from above):

- ``ledger``          append-only entries over expiring lots, holds, audit
- ``programs``        loyalty, referral, affiliate, tiers, ... (built on the ledger)
- ``graphql``         the plugin's own GraphQL schema (no Saleor imports)
- ``saleor_adapter``  the only place that imports Saleor: plugin, auth, channels
"""

default_app_config = "saleor_rewards.apps.RewardsConfig"
