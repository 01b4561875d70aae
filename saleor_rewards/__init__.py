"""saleor-rewards: loyalty, referral and membership programs for Saleor 3.23.

Layers, bottom to top (nothing below imports from above):

- ``ledger``: append-only entries over expiring lots, holds, audit
- ``money``, ``config``, ``events``: amounts and currencies, program settings, audit events
- ``programs/<feature>``: channel, loyalty, referrals, reviews, tiers, redemption, vouchers,
  orders (built on the ledger)
- ``graphql``: the plugin's own GraphQL schema (no Saleor imports)
- ``saleor_adapter``: the only package importing Saleor: plugin hooks, auth, shop/,
  use_cases/, tasks/

Django takes the app's configuration from apps.py, its only ``AppConfig``.
"""
