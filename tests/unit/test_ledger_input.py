"""Bad input: every operation refuses it with the right error class, code, field and a
clear message, and writes nothing."""

from decimal import Decimal

import pytest

from saleor_rewards.ledger import (
    Actor,
    ActorType,
    EntryType,
    Kind,
    LotSource,
    activate,
    adjust,
    capture,
    credit,
    debit,
    hold,
    open_account,
    release,
    return_debit,
    revoke,
    void,
)
from saleor_rewards.ledger.errors import (
    InvalidInput,
    NotFound,
    RewardsError,
    UnknownChannel,
)
from saleor_rewards.ledger.models import Account, Entry

from .helpers import at, ledger_snapshot, settle

pytestmark = pytest.mark.django_db

# (id, value, kind of the account, what the message says)
BAD_AMOUNTS = [
    ("zero", 0, Kind.POINTS, "must be greater than zero"),
    ("zero-string", "0.000", Kind.CASH, "must be greater than zero"),
    ("negative", -5, Kind.POINTS, "must be greater than zero"),
    ("negative-cash", Decimal("-0.01"), Kind.CASH, "must be greater than zero"),
    ("fraction-of-a-point", Decimal("1.5"), Kind.POINTS, "whole number of points"),
    ("fraction-string", "2.25", Kind.POINTS, "whole number of points"),
    ("float", 1.5, Kind.CASH, "not float"),
    ("whole-float", 2.0, Kind.POINTS, "not float"),
    ("bool", True, Kind.POINTS, "not bool"),
    ("none", None, Kind.POINTS, "not NoneType"),
    ("list", [5], Kind.POINTS, "not list"),
    ("word", "ten", Kind.POINTS, "is not a number: 'ten'"),
    ("empty-string", "", Kind.CASH, "is not a number"),
    ("nan", Decimal("NaN"), Kind.CASH, "must be finite"),
    ("infinity", "Infinity", Kind.POINTS, "must be finite"),
    ("four-decimals", Decimal("1.2345"), Kind.CASH, "too many decimal places"),
    ("tiny", "0.0001", Kind.CASH, "too many decimal places"),
    ("too-large", 10**16, Kind.POINTS, "too large"),
]


@pytest.fixture
def accounts(points, cash):
    """Both kinds, funded, so only the amount can make an operation fail."""
    for account in (points, cash):
        credit(account, 1000, key="seed", source=LotSource.LOYALTY, now=at(0))
    settle()
    return {Kind.POINTS: points, Kind.CASH: cash}


def _refused(operation, error_class=InvalidInput):
    """Run an operation that must be refused; prove it wrote nothing."""
    before = ledger_snapshot()
    with pytest.raises(error_class) as error:
        operation()
    settle()
    assert ledger_snapshot() == before
    return error.value


@pytest.mark.parametrize(
    "value, kind, message",
    [case[1:] for case in BAD_AMOUNTS],
    ids=[c[0] for c in BAD_AMOUNTS],
)
def test_U8_credit_refuses_a_bad_amount(accounts, value, kind, message):
    error = _refused(
        lambda: credit(accounts[kind], value, key="k", source=LotSource.LOYALTY, now=at(1))
    )

    assert (error.code, error.field) == ("INVALID", "amount")
    assert message in error.message


@pytest.mark.parametrize(
    "value, kind, message",
    [case[1:] for case in BAD_AMOUNTS],
    ids=[c[0] for c in BAD_AMOUNTS],
)
def test_U8_debit_refuses_a_bad_amount(accounts, value, kind, message):
    error = _refused(lambda: debit(accounts[kind], value, key="k", now=at(1)))

    assert (error.code, error.field) == ("INVALID", "amount")
    assert message in error.message


def test_U8_an_absurdly_large_amount_is_invalid_input_not_a_decimal_error(accounts):
    # 10**30 does not fit the columns; it must be refused like any bad amount
    error = _refused(
        lambda: credit(accounts[Kind.POINTS], 10**30, key="k", source=LotSource.LOYALTY, now=at(1)),
        RewardsError,
    )

    assert isinstance(error, InvalidInput)
    assert error.field == "amount"
    assert "too large" in error.message


@pytest.mark.parametrize("value", [0, -1, Decimal("0.5"), 1.0, "x"])
@pytest.mark.parametrize(
    "operation",
    ["hold", "revoke", "void", "return", "capture"],
)
def test_U8_other_operations_refuse_a_bad_amount(accounts, operation, value):
    # given a pending lot, a debit and an open hold to act on
    points = accounts[Kind.POINTS]
    lot = credit(points, 50, key="p", source=LotSource.LOYALTY, pending=True, now=at(0)).lot_id
    spent = debit(points, 50, key="d", now=at(0)).entry_id
    held = hold(points, 50, key="h", now=at(0)).hold_id
    settle()
    run = {
        "hold": lambda: hold(points, value, key="k", now=at(1)),
        "revoke": lambda: revoke(points, value, key="k", now=at(1)),
        "void": lambda: void(lot, value, key="k", now=at(1)),
        "return": lambda: return_debit(spent, value, key="k", now=at(1)),
        "capture": lambda: capture(held, value, now=at(1)),
    }[operation]

    error = _refused(run)

    assert error.field == "amount"


def test_U1_open_account_for_a_channel_without_a_program_is_unknown_channel(db, member):
    before = Account.objects.count()

    with pytest.raises(UnknownChannel) as error:
        open_account("no-such-channel", member, Kind.POINTS)

    assert (error.value.code, error.value.field) == ("NOT_FOUND", "channel")
    assert error.value.message == "Channel 'no-such-channel' has no rewards program."
    assert isinstance(error.value, NotFound)
    assert Account.objects.count() == before


@pytest.mark.parametrize("kind", ["gold", "Points", "", None])
def test_U1_open_account_of_an_unknown_kind_is_refused(program, member, kind):
    with pytest.raises(InvalidInput) as error:
        open_account(program, member, kind)

    assert error.value.field == "kind"
    assert error.value.message == (f"Unknown balance kind {kind!r}; use one of points, cash.")
    assert Account.objects.count() == 0


@pytest.mark.parametrize("member_id", [0, -1, True, "5", None, 5.0])
def test_U1_open_account_needs_a_positive_integer_member(program, member_id):
    with pytest.raises(InvalidInput, match="member_id must be a positive integer") as error:
        open_account(program, member_id, Kind.POINTS)

    assert error.value.field == "member"
    assert Account.objects.count() == 0


BAD_KEYS = [
    (None, "An idempotency key is required."),
    ("", "An idempotency key is required."),
    ("   ", "An idempotency key is required."),
    (42, "An idempotency key is required."),
    ("k" * 256, "The idempotency key is longer than 255 characters."),
]


@pytest.mark.parametrize("key, message", BAD_KEYS, ids=["none", "empty", "blank", "int", "256"])
@pytest.mark.parametrize("operation", ["credit", "debit", "hold", "revoke", "void", "return"])
def test_U6_operations_refuse_a_missing_or_overlong_key(accounts, operation, key, message):
    points = accounts[Kind.POINTS]
    lot = credit(points, 5, key="p", source=LotSource.LOYALTY, pending=True, now=at(0)).lot_id
    spent = debit(points, 5, key="d", now=at(0)).entry_id
    settle()
    run = {
        "credit": lambda: credit(points, 1, key=key, source=LotSource.BONUS, now=at(1)),
        "debit": lambda: debit(points, 1, key=key, now=at(1)),
        "hold": lambda: hold(points, 1, key=key, now=at(1)),
        "revoke": lambda: revoke(points, 1, key=key, now=at(1)),
        "void": lambda: void(lot, 1, key=key, now=at(1)),
        "return": lambda: return_debit(spent, 1, key=key, now=at(1)),
    }[operation]

    error = _refused(run)

    assert (error.field, error.message) == ("key", message)


def test_U6_a_key_of_exactly_255_characters_is_accepted(accounts):
    posting = credit(accounts[Kind.POINTS], 1, key="k" * 255, source=LotSource.BONUS, now=at(1))
    settle()

    assert posting.entry_id is not None


@pytest.mark.parametrize("amount", [5, -5], ids=["credit", "debit"])
def test_U6_adjust_accepts_every_key_the_ledger_accepts(accounts, amount):
    # given a 255-character key, which every other operation accepts
    key = "adjust:" + "k" * 248

    # when staff adjust a balance with it
    posting = adjust(
        accounts[Kind.POINTS],
        amount,
        key=key,
        reason="x",
        actor=Actor(ActorType.STAFF, "7"),
        now=at(1),
    )
    settle()

    # then the adjustment is recorded under that key
    assert Entry.objects.get(id=posting.entry_id).idempotency_key == key


@pytest.mark.parametrize(
    "field, call",
    [
        ("source", lambda a: credit(a, 1, key="k", source="shop", now=at(1))),
        (
            "type",
            lambda a: credit(
                a, 1, key="k", source=LotSource.BONUS, entry_type=EntryType.REDEEM, now=at(1)
            ),
        ),
        ("type", lambda a: debit(a, 1, key="k", entry_type=EntryType.EARN, now=at(1))),
        (
            "expires_in_days",
            lambda a: credit(a, 1, key="k", source=LotSource.BONUS, expires_in_days=-1, now=at(1)),
        ),
        (
            "expires_in_days",
            lambda a: credit(a, 1, key="k", source=LotSource.BONUS, expires_in_days=1.5, now=at(1)),
        ),
        (
            "expires_in_days",
            lambda a: credit(
                a, 1, key="k", source=LotSource.BONUS, expires_in_days=True, now=at(1)
            ),
        ),
        (
            "expires_in_days",
            lambda a: credit(
                a, 1, key="k", source=LotSource.BONUS, expires_in_days="30", now=at(1)
            ),
        ),
    ],
    ids=[
        "unknown-source",
        "credit-of-debit-type",
        "debit-of-credit-type",
        "negative-days",
        "fractional-days",
        "bool-days",
        "string-days",
    ],
)
def test_U4_credit_and_debit_refuse_unknown_sources_types_and_expiries(accounts, field, call):
    error = _refused(lambda: call(accounts[Kind.POINTS]))

    assert error.field == field


@pytest.mark.parametrize("pending", [False, True], ids=["available", "pending"])
def test_U4_credit_refuses_an_expiry_beyond_the_calendar(accounts, pending):
    # 10 million days is past year 9999: no expiry date can be computed from it, now
    # (available lot) or at activation (pending lot, which could then never activate)
    error = _refused(
        lambda: credit(
            accounts[Kind.POINTS],
            10,
            key="k",
            source=LotSource.BONUS,
            pending=pending,
            expires_in_days=10**7,
            now=at(1),
        ),
        RewardsError,
    )

    assert isinstance(error, InvalidInput)
    assert error.field == "expires_in_days"


@pytest.mark.parametrize(
    "field, call",
    [
        ("account", lambda: debit(999_999, 1, key="k", now=at(1))),
        ("lot", lambda: activate(999_999, now=at(1))),
        ("lot", lambda: void(999_999, key="k", now=at(1))),
        ("hold", lambda: capture(999_999, now=at(1))),
        ("hold", lambda: release(999_999, now=at(1))),
        ("entry", lambda: return_debit(999_999, key="k", now=at(1))),
    ],
    ids=[
        "account",
        "activate-lot",
        "void-lot",
        "capture-hold",
        "release-hold",
        "entry",
    ],
)
def test_U3_operations_on_unknown_rows_are_not_found(accounts, field, call):
    error = _refused(call, NotFound)

    assert (error.code, error.field) == ("NOT_FOUND", field)
    assert "999999 does not exist" in error.message


def test_U4_return_of_an_entry_that_is_not_a_debit_is_refused(accounts):
    earned = credit(accounts[Kind.POINTS], 10, key="e", source=LotSource.BONUS, now=at(1))
    settle()

    error = _refused(lambda: return_debit(earned.entry_id, key="r", now=at(2)))

    assert error.field == "entry"
    assert "is not a debit" in error.message
