"""Expiry reminders (O1, P6): one mail per member and run about their points that
expire within ``reminder_days_before`` days, once per lot, only with consent.

``models.py`` holds the sent-reminder rows (unique per lot: the database keeps the
"once"); ``services.py`` the set-based pass; ``ports.py`` what it needs of the shop
(addresses, consent, restriction, mail); ``retention.py`` the purge of rows whose
lot is closed for good.
"""
