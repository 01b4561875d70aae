"""Vocabulary of the ledger: balance kinds, lot states, entry types."""

# Longest idempotency key an entry stores (its column); ``saleor_rewards.money``
# re-exports it for the layers above.
MAX_KEY_LENGTH = 255


class Kind:
    POINTS = "points"  # integers, per channel, never withdrawable (U1)
    CASH = "cash"  # channel currency, withdrawable (U1)
    # The channel's merchant security deposit (C3): no member, channel currency;
    # topped up by staff, lowered by every approved guarantee claim.
    DEPOSIT = "deposit"
    MEMBER_CHOICES = [(POINTS, "Points"), (CASH, "Cash")]
    CHOICES = [*MEMBER_CHOICES, (DEPOSIT, "Merchant deposit")]
    ALL = (POINTS, CASH, DEPOSIT)
    MEMBER = (POINTS, CASH)  # a member's balances
    IN_MONEY = (CASH, DEPOSIT)


class LotStatus:
    PENDING = "pending"  # visible, not spendable (U4)
    AVAILABLE = "available"
    EXPIRED = "expired"
    VOID = "void"  # a pending lot taken back in full before it became available
    CHOICES = [
        (PENDING, "Pending"),
        (AVAILABLE, "Available"),
        (EXPIRED, "Expired"),
        (VOID, "Void"),
    ]


class LotSource:
    """Where a credit came from; expiry is configured per source (L4)."""

    LOYALTY = "loyalty"
    REFERRAL = "referral"
    BONUS = "bonus"
    REVIEW = "review"
    ADJUSTMENT = "adjustment"
    AFFILIATE = "affiliate"
    CLAIM = "claim"
    RETURN = "return"
    CHOICES = [
        (LOYALTY, "Loyalty"),
        (REFERRAL, "Referral"),
        (BONUS, "Bonus"),
        (REVIEW, "Review"),
        (ADJUSTMENT, "Adjustment"),
        (AFFILIATE, "Affiliate commission"),
        (CLAIM, "Claim compensation"),
        (RETURN, "Return"),
    ]


class EntryType:
    EARN = "earn"  # credit: a new lot
    COMPENSATE = "compensate"  # credit of cash for a guarantee claim
    ADJUST = "adjust"  # staff adjustment, credit or debit
    ACTIVATE = "activate"  # pending -> available
    REDEEM = "redeem"  # debit, soonest-expiring lots first
    WITHDRAW = "withdraw"  # debit of cash paid out
    HOLD = "hold"  # available -> held (two-phase, first phase)
    CAPTURE = "capture"  # held -> gone (second phase)
    RELEASE = "release"  # held -> back to the lots it came from
    RETURN = "return"  # a debit given back to the lots it came from
    VOID = "void"  # pending credit taken back
    REVOKE = "revoke"  # available credit taken back, down to zero; the rest is debt (U8)
    EXPIRE = "expire"
    DEBT_SETTLED = "debt_settled"  # points that came back or were earned pay the debt (L3)
    CLAIM_PAYOUT = "claim_payout"  # debit of the merchant deposit for a claim (C3)
    CHOICES = [
        (EARN, "Earn"),
        (COMPENSATE, "Compensate"),
        (ADJUST, "Adjust"),
        (ACTIVATE, "Activate"),
        (REDEEM, "Redeem"),
        (WITHDRAW, "Withdraw"),
        (HOLD, "Hold"),
        (CAPTURE, "Capture"),
        (RELEASE, "Release"),
        (RETURN, "Return"),
        (VOID, "Void"),
        (REVOKE, "Revoke"),
        (EXPIRE, "Expire"),
        (DEBT_SETTLED, "Debt settled"),
        (CLAIM_PAYOUT, "Claim payout"),
    ]
    CREDITS = (EARN, COMPENSATE, ADJUST)
    DEBITS = (REDEEM, WITHDRAW, ADJUST, CLAIM_PAYOUT)


class HoldStatus:
    OPEN = "open"
    CAPTURED = "captured"
    RELEASED = "released"
    CHOICES = [(OPEN, "Open"), (CAPTURED, "Captured"), (RELEASED, "Released")]


class ActorType:
    SYSTEM = "system"
    CUSTOMER = "customer"
    STAFF = "staff"
    APP = "app"
    CHOICES = [
        (SYSTEM, "System"),
        (CUSTOMER, "Customer"),
        (STAFF, "Staff"),
        (APP, "App"),
    ]


class ReferenceType:
    ORDER = "ORDER"
    CHECKOUT = "CHECKOUT"
    REFERRAL = "REFERRAL"
    CLAIM = "CLAIM"
    WITHDRAWAL = "WITHDRAWAL"
    REVIEW = "REVIEW"
    VOUCHER = "VOUCHER"
    ADJUSTMENT = "ADJUSTMENT"
    ACCOUNT = "ACCOUNT"
