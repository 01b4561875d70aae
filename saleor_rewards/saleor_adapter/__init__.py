"""The Saleor adapter: the one package of saleor-rewards that imports Saleor.

plugin.py  RewardsPlugin: settings in the Dashboard, the GraphQL endpoint
auth.py    who is calling, from Saleor's JWTs and App tokens
directory.py  Saleor's channels and customers as the schema's Directory
"""
