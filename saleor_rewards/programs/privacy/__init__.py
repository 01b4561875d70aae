"""Privacy (SPEC §10, seed 004): export (P1), erasure (P2), consent (P6).

Each feature that holds member data answers for its own tables in its
``programs/<feature>/privacy.py`` (``parts.py`` finds them); this package puts the
parts together and keeps the members' consents.
"""
