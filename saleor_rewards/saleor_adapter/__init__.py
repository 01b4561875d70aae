"""The Saleor adapter: the one package of saleor-rewards that imports Saleor.

plugin.py    RewardsPlugin: settings in the Dashboard, the hooks, the GraphQL endpoint
auth.py      who is calling, from Saleor's JWTs and App tokens
client_address.py  the caller's address, as the shop's trusted proxies vouch for it
settings.py  the plugin configuration as Saleor stores it, for code outside a request
shop/        what Saleor owns: channels, customers, orders, gift cards, vouchers
use_cases/   programs driven by Saleor's objects (settling a checkout's hold)
tasks/       Celery tasks the hooks queue, and the beat schedule
"""
