"""Programs built on the ledger: members, loyalty, referral, affiliate, tiers, ..."""
