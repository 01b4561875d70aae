"""W1-W5 without Saleor: payout details validated, masked and encrypted at rest;
the request, its limits and every step's effect on the cash balance; rotation,
purge and privacy; and two requests at once never holding more than the balance."""

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.db import transaction

from saleor_rewards import config
from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.ledger import Kind, LotSource, balance, credit, open_account
from saleor_rewards.ledger.errors import (
    AlreadyExists,
    Conflict,
    InsufficientBalance,
    InvalidInput,
    LimitExceeded,
    NotEligible,
    NotFound,
    PermissionDenied,
)
from saleor_rewards.ledger.posting import Actor
from saleor_rewards.programs.retention import discover
from saleor_rewards.programs.withdrawals import crypto, privacy
from saleor_rewards.programs.withdrawals.decisions import (
    WithdrawalAction,
    process_withdrawal,
    process_withdrawals,
)
from saleor_rewards.programs.withdrawals.details import clean_details, mask
from saleor_rewards.programs.withdrawals.models import Withdrawal, WithdrawalStatus
from saleor_rewards.programs.withdrawals.services import cancel_withdrawal, request_withdrawal

from ..fakes import FakeWithdrawalMail
from .helpers import T0, at, sql
from .test_ledger_concurrency import audit_is_clean, run_at_once

SETTINGS = config.parse({})
IBAN = "DE89 3704 0044 0532 0130 00"
BANK = {"iban": IBAN, "accountHolder": "Jane Doe"}
STAFF = Actor("staff", "7")
KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def settings_for(program):
    return SETTINGS


@pytest.fixture(autouse=True)
def fernet_keys(settings):
    settings.SALEOR_REWARDS_FERNET_KEYS = KEY_A


@pytest.fixture
def cash(program, member):
    account = open_account(program, member, Kind.CASH)
    credit(account, "250.00", key="commission", source=LotSource.AFFILIATE, now=T0)
    return account


def request(program, member, amount="120.00", method="bank_transfer", details=None, **kw):
    kw.setdefault("now", at(1))
    return request_withdrawal(
        program, member, amount, method, BANK if details is None else details, SETTINGS, **kw
    )


# --- details (W2) ---------------------------------------------------------------


def test_W2_bank_details_validated_with_schwifty_and_bic_derived():
    details = clean_details("bank_transfer", {"iban": IBAN.lower(), "accountHolder": " Jane  Doe "})
    assert details == {
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
        "accountHolder": "Jane Doe",
    }


@pytest.mark.parametrize(
    ("method", "details", "field"),
    [
        ("bank_transfer", {"iban": "DE89370400440532013001", "accountHolder": "J"}, "details.iban"),
        ("bank_transfer", {"iban": IBAN, "bic": "NOTABIC", "accountHolder": "J"}, "details.bic"),
        ("bank_transfer", {"iban": IBAN}, "details.accountHolder"),
        ("bank_transfer", {"iban": IBAN, "accountHolder": "J", "pin": "1"}, "details"),
        ("paypal", {"email": "not-an-address"}, "details.email"),
        ("alipay", {"accountId": "a b", "accountHolder": "J"}, "details.accountId"),
        ("alipay", "[1, 2]", "details"),
        ("cheque", {}, "method"),
    ],
)
def test_W2_invalid_details_are_refused_naming_the_field_not_the_value(method, details, field):
    with pytest.raises(InvalidInput) as refused:
        clean_details(method, details)
    assert refused.value.field == field
    for value in details.values() if isinstance(details, dict) else []:
        assert value not in refused.value.message


def test_W2_masks_show_only_enough_to_recognise_the_account():
    bank = clean_details("bank_transfer", BANK)
    assert mask("bank_transfer", bank) == "DE89 **** **** **** **30 00 (J. D.)"
    assert mask("paypal", {"email": "jane.doe@example.com"}) == "j***@example.com"
    alipay = {"accountId": "13800138000", "accountHolder": "Li Wei"}
    assert mask("alipay", alipay) == "13*******00 (L. W.)"


# --- request (W1, W3, W4, W5) ---------------------------------------------------------


def test_W5_request_holds_the_amount_at_once_and_stores_only_ciphertext(program, member, cash):
    mail = FakeWithdrawalMail()
    with transaction.atomic():
        withdrawal = request(program, member, mail=mail)

    after = balance(cash, now=at(1))
    assert (after.available, after.held) == (Decimal("130.00"), Decimal("120.00"))
    assert withdrawal.status == WithdrawalStatus.REQUESTED
    ((stored, masked),) = sql("SELECT details, details_masked FROM rewards_withdrawal")
    assert "DE89370400440532013000" not in stored and "Jane" not in stored
    assert crypto.decrypt(stored)["iban"] == "DE89370400440532013000"
    assert masked == "DE89 **** **** **** **30 00 (J. D.)"


def test_W3_above_the_currency_cap_is_LIMIT_EXCEEDED_and_holds_nothing(program, member, cash):
    with pytest.raises(LimitExceeded):
        request(program, member, "200.01")
    assert balance(cash, now=at(1)).held == 0 and Withdrawal.objects.count() == 0
    assert request(program, member, "200.00").amount == Decimal("200.00")


def test_W3_the_cap_is_per_currency_and_the_minimum_applies(other_program, member):
    usd = open_account(other_program, member, Kind.CASH)
    credit(usd, "500", key="c", source=LotSource.AFFILIATE, now=T0)
    with pytest.raises(LimitExceeded):
        request(other_program, member, "222.01")
    strict = config.parse({"withdrawal_min": "50", "withdrawal_max": "USD:100"})
    with pytest.raises(LimitExceeded):
        request_withdrawal(other_program, member, "49.99", "paypal", {"email": "a@b.co"}, strict)
    with pytest.raises(LimitExceeded):
        request_withdrawal(other_program, member, "100.01", "paypal", {"email": "a@b.co"}, strict)


def test_W3_table_parses_the_spec_default():
    assert SETTINGS["withdrawal_max"] == {
        "EUR": Decimal(200),
        "USD": Decimal(222),
        "CNY": Decimal("1549.80"),
    }
    assert config.parse({"withdrawal_max": "eur:10, JPY:5000"})["withdrawal_max"] == {
        "EUR": Decimal(10),
        "JPY": Decimal(5000),
    }
    with pytest.raises(config.SettingsError):
        config.parse({"withdrawal_max": "EUR=10"})


def test_W1_points_can_never_be_withdrawn(program, member):
    points = open_account(program, member, Kind.POINTS)
    credit(points, 50_000, key="p", source=LotSource.LOYALTY, now=T0)
    with pytest.raises(InsufficientBalance):
        request(program, member, "10.00")
    assert balance(points, now=at(1)).available == 50_000 and balance(points).held == 0


def test_W4_a_second_open_request_is_ALREADY_EXISTS(program, member, cash):
    first = request(program, member, "50.00")
    with pytest.raises(AlreadyExists):
        request(program, member, "20.00")
    process_withdrawal(first.id, WithdrawalAction.APPROVE, settings_for=settings_for, actor=STAFF)
    with pytest.raises(AlreadyExists):
        request(program, member, "20.00")
    process_withdrawal(
        first.id,
        WithdrawalAction.MARK_PAID,
        settings_for=settings_for,
        payout_reference="B-1",
        actor=STAFF,
    )
    assert request(program, member, "20.00").status == WithdrawalStatus.REQUESTED


def test_I2_same_key_returns_the_first_request_and_other_arguments_conflict(program, member, cash):
    first = request(program, member, "50.00", idempotency_key="k1")
    assert request(program, member, "50.00", idempotency_key="k1").id == first.id
    with pytest.raises(Conflict):
        request(program, member, "60.00", idempotency_key="k1")
    assert balance(cash, now=at(1)).held == Decimal("50.00")


# --- staff steps and the member's cancel (W5) -------------------------------------------


def _step(withdrawal, action, **kw):
    return process_withdrawal(
        withdrawal.id, action, settings_for=settings_for, actor=STAFF, now=at(2), **kw
    )


def test_W5_paid_captures_the_hold(program, member, cash):
    withdrawal = request(program, member)
    _step(withdrawal, WithdrawalAction.APPROVE)
    paid = _step(withdrawal, WithdrawalAction.MARK_PAID, payout_reference="SEPA-42")
    after = balance(cash, now=at(2))
    assert (after.available, after.held) == (Decimal("130.00"), 0)
    assert (paid.status, paid.payout_reference) == (WithdrawalStatus.PAID, "SEPA-42")
    assert paid.purge_after == at(2) + timedelta(days=SETTINGS["retention_days"])
    assert list(AuditEvent.objects.values_list("type", flat=True).order_by("id")) == [
        AuditEventType.WITHDRAWAL_APPROVED,
        AuditEventType.WITHDRAWAL_PAID,
    ]


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        ([WithdrawalAction.REJECT], WithdrawalStatus.REJECTED),
        ([WithdrawalAction.APPROVE, WithdrawalAction.REJECT], WithdrawalStatus.REJECTED),
        ([WithdrawalAction.APPROVE, WithdrawalAction.MARK_FAILED], WithdrawalStatus.FAILED),
    ],
)
def test_W5_reject_and_fail_release_the_hold(program, member, cash, steps, status):
    withdrawal = request(program, member)
    for action in steps:
        withdrawal = _step(withdrawal, action)
    after = balance(cash, now=at(2))
    assert (after.available, after.held) == (Decimal("250.00"), 0)
    assert withdrawal.status == status and AuditEvent.objects.count() == len(steps)


def test_W5_each_step_is_final(program, member, cash):
    withdrawal = request(program, member)
    with pytest.raises(Conflict):
        _step(withdrawal, WithdrawalAction.MARK_PAID, payout_reference="x")
    _step(withdrawal, WithdrawalAction.REJECT)
    for action in (WithdrawalAction.APPROVE, WithdrawalAction.REJECT):
        with pytest.raises(Conflict):
            _step(withdrawal, action)
    with pytest.raises(InvalidInput):
        _step(withdrawal, WithdrawalAction.MARK_PAID)  # no reference
    assert balance(cash, now=at(2)).available == Decimal("250.00")


def test_I2_nobody_decides_their_own_withdrawal(program, member, cash):
    withdrawal = request(program, member)
    with pytest.raises(PermissionDenied):
        process_withdrawal(
            withdrawal.id,
            WithdrawalAction.APPROVE,
            settings_for=settings_for,
            actor=Actor("staff", str(member)),
        )


def test_W5_member_cancels_only_their_own_requested_withdrawal(program, member, cash):
    withdrawal = request(program, member)
    with pytest.raises(NotFound):
        cancel_withdrawal(withdrawal.id, member + 1, settings_for)
    cancelled = cancel_withdrawal(withdrawal.id, member, settings_for, now=at(2))
    assert cancelled.status == WithdrawalStatus.CANCELLED
    assert balance(cash, now=at(2)).available == Decimal("250.00")
    assert AuditEvent.objects.count() == 0  # the member's own step, not staff's
    second = request(program, member, "10.00")
    _step(second, WithdrawalAction.APPROVE)
    with pytest.raises(Conflict):
        cancel_withdrawal(second.id, member, settings_for)


def test_W6_a_batch_is_marked_paid_all_or_nothing(program, new_member):
    batch = []
    for _ in range(3):
        someone = new_member()
        account = open_account(program, someone, Kind.CASH)
        credit(account, "30", key="c", source=LotSource.AFFILIATE, now=T0)
        batch.append(request(program, someone, "30.00"))
    for withdrawal in batch[:2]:
        _step(withdrawal, WithdrawalAction.APPROVE)
    ids = [w.id for w in batch]
    with pytest.raises(Conflict):
        process_withdrawals(
            ids, "mark_paid", settings_for=settings_for, payout_reference="B", actor=STAFF
        )
    assert Withdrawal.objects.filter(status=WithdrawalStatus.PAID).count() == 0
    paid = process_withdrawals(
        ids[:2], "mark_paid", settings_for=settings_for, payout_reference="B", actor=STAFF
    )
    assert [w.status for w in paid] == [WithdrawalStatus.PAID] * 2


def test_W5_every_step_mails_the_member_after_commit_without_details(
    program, member, cash, django_capture_on_commit_callbacks
):
    mail = FakeWithdrawalMail()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        withdrawal = request(program, member, mail=mail)
        process_withdrawal(
            withdrawal.id, "approve", settings_for=settings_for, actor=STAFF, mail=mail
        )
    assert mail.sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [(to, subject) for to, subject, _ in mail.sent] == [
        (member, "We received your withdrawal request"),
        (member, "Your withdrawal was approved"),
    ]
    assert all("DE89 **** **** **** **30 00" in body for _, _, body in mail.sent)
    assert all("0532" not in body and "Jane" not in body for _, _, body in mail.sent)


# --- secrets never shown (W2) -------------------------------------------------------


def test_W2_details_never_in_a_log_line(program, member, cash, caplog):
    caplog.set_level(logging.DEBUG)
    withdrawal = request(program, member)
    _step(withdrawal, WithdrawalAction.APPROVE)
    _step(withdrawal, WithdrawalAction.MARK_PAID, payout_reference="R")
    with pytest.raises(InvalidInput):
        request(program, member, details={"iban": "DE00123", "accountHolder": "Jane Doe"})
    text = caplog.text + "".join(str(e.before) + str(e.after) for e in AuditEvent.objects.all())
    for secret in ("DE89370400440532013000", "Jane Doe", "DE00123", "0532"):
        assert secret not in text


def test_W2_rotation_re_encrypts_under_the_new_key(program, member, cash, settings):
    withdrawal = request(program, member)
    old = Withdrawal.objects.get(id=withdrawal.id).details
    settings.SALEOR_REWARDS_FERNET_KEYS = f"{KEY_B},{KEY_A}"
    assert crypto.rotate_stored_details() == 1
    new = Withdrawal.objects.get(id=withdrawal.id).details
    assert new != old
    settings.SALEOR_REWARDS_FERNET_KEYS = KEY_B  # the old key dropped
    assert crypto.decrypt(new)["iban"] == "DE89370400440532013000"


def test_W2_purge_blanks_details_retention_days_after_close(program, member, cash):
    withdrawal = request(program, member)
    _step(withdrawal, WithdrawalAction.REJECT)
    run = discover()["withdrawal-details"].run
    due = at(2) + timedelta(days=SETTINGS["retention_days"])
    kwargs = {"batch_size": 10, "progress": lambda done: None}
    assert run(due - timedelta(seconds=1), dry_run=False, **kwargs) == 0
    assert run(due, dry_run=True, **kwargs) == 1
    assert run(due, dry_run=False, **kwargs) == 1
    purged = Withdrawal.objects.get(id=withdrawal.id)
    assert (purged.details, purged.details_masked, purged.amount) == ("", "", Decimal("120.00"))
    assert run(due, dry_run=False, **kwargs) == 0


def test_P1_P2_export_is_masked_and_erasure_removes_details_and_link(program, member, cash):
    withdrawal = request(program, member)
    exported = privacy.export_member(member)
    assert exported["withdrawals"][0]["details_masked"].startswith("DE89 ****")
    assert "0532" not in str(exported)
    _step(withdrawal, WithdrawalAction.REJECT)
    assert privacy.erase_member(member, email_hash=None) == {
        "withdrawal_details": 1,
        "withdrawals_unlinked": 1,
    }
    assert privacy.erase_member(member, email_hash=None) == {
        "withdrawal_details": 0,
        "withdrawals_unlinked": 0,
    }
    erased = Withdrawal.objects.get(id=withdrawal.id)
    assert (erased.member_id, erased.details, erased.amount) == (None, "", Decimal("120.00"))


# --- concurrency (W4, W5) -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_W5_requests_at_once_never_hold_more_than_the_balance(program, member, cash):
    def ask(n):
        with transaction.atomic():  # as the mutation runs it
            return request(program, member, "100.00", idempotency_key=f"k{n}").id

    results, errors = run_at_once(4, ask)

    assert sorted(type(e).__name__ for e in errors) == ["AlreadyExists"] * 3
    assert Withdrawal.objects.count() == 1
    assert balance(cash, now=at(1)).held == Decimal("100.00") and audit_is_clean()


@pytest.mark.django_db(transaction=True)
def test_W5_a_request_racing_another_spend_never_overdraws(program, member, cash):
    from saleor_rewards.ledger import debit

    def work(n):
        with transaction.atomic():
            if n % 2:
                return debit(cash.id, "150.00", key=f"spend-{n}", now=at(1)).entry_id
            return request(program, member, "200.00", idempotency_key=f"w{n}").id

    results, errors = run_at_once(4, work)

    after = balance(cash, now=at(1))
    assert after.available >= 0 and after.available + after.held <= Decimal("250.00")
    assert all(isinstance(e, InsufficientBalance | AlreadyExists) for e in errors)
    assert audit_is_clean()


def test_L3_a_take_back_after_the_request_blocks_paying_it_out(program, member, cash):
    from saleor_rewards.ledger import revoke

    withdrawal = request(program, member, "200.00")
    revoke(cash, "100.00", key="commission:refunded", now=at(1))  # 50 owed: 200 were held
    with pytest.raises(NotEligible):
        _step(withdrawal, WithdrawalAction.APPROVE)
    _step(withdrawal, WithdrawalAction.REJECT)
    after = balance(cash, now=at(2))
    assert (after.available, after.held) == (Decimal("150.00"), 0)  # 200 back, 50 paid the debt


def test_W5_no_request_while_the_program_is_switched_off(program, member, cash):
    from saleor_rewards.ledger.errors import ProgramDisabled

    off = config.parse({"program_enabled": "false"})
    with pytest.raises(ProgramDisabled):
        request_withdrawal(program, member, "10", "bank_transfer", BANK, off)
    assert Withdrawal.objects.count() == 0


def test_W2_the_rotation_command_re_encrypts_and_reports(program, member, cash, settings):
    import io

    from django.core.management import call_command

    withdrawal = request(program, member)
    settings.SALEOR_REWARDS_FERNET_KEYS = f"{KEY_B},{KEY_A}"
    out = io.StringIO()
    call_command("rewards_rotate_payout_keys", stdout=out)
    settings.SALEOR_REWARDS_FERNET_KEYS = KEY_B
    assert "1 payout details re-encrypted" in out.getvalue()
    assert crypto.decrypt(Withdrawal.objects.get(id=withdrawal.id).details)["iban"] == (
        "DE89370400440532013000"
    )


def test_W6_sepa_needs_the_shops_account_in_settings(program, member, cash, settings):
    from saleor_rewards.ledger.errors import ProgramDisabled
    from saleor_rewards.programs.withdrawals.payout_files import create_payout_file

    withdrawal = request(program, member)
    _step(withdrawal, WithdrawalAction.APPROVE)
    for name in ("NAME", "IBAN", "BIC"):
        setattr(settings, f"SALEOR_REWARDS_SEPA_DEBTOR_{name}", "")
    with pytest.raises(ProgramDisabled):
        create_payout_file([withdrawal.id], "sepa_xml", actor=STAFF)
    assert AuditEvent.objects.filter(type=AuditEventType.PAYOUT_FILE_CREATED).count() == 0


@pytest.mark.django_db(transaction=True)
def test_W5_a_cancel_racing_staff_steps_ends_in_exactly_one_state(program, member, cash):
    withdrawal = request(program, member, "100.00")

    def work(n):
        with transaction.atomic():
            if n == 0:
                return cancel_withdrawal(withdrawal.id, member, settings_for).status
            action = (WithdrawalAction.APPROVE, WithdrawalAction.REJECT)[n % 2]
            return process_withdrawal(
                withdrawal.id, action, settings_for=settings_for, actor=STAFF
            ).status

    results, errors = run_at_once(4, work)

    final = Withdrawal.objects.get(id=withdrawal.id).status
    assert all(isinstance(error, Conflict) for error in errors)
    after = balance(cash, now=at(1))
    if final == WithdrawalStatus.APPROVED:
        assert (after.available, after.held) == (Decimal("150.00"), Decimal("100.00"))
    else:
        assert final in (WithdrawalStatus.CANCELLED, WithdrawalStatus.REJECTED)
        assert (after.available, after.held) == (Decimal("250.00"), 0)
    assert audit_is_clean()


def test_W5_rewards_audit_names_a_withdrawal_that_disagrees_with_its_hold(program, member, cash):
    import io

    from django.core.management import CommandError, call_command

    withdrawal = request(program, member)
    assert audit_is_clean()
    # marked paid behind the ledger's back: its hold is still open
    sql(
        "UPDATE rewards_withdrawal SET status = 'paid', payout_reference = 'x', "
        "closed_at = now() WHERE id = %s",
        [withdrawal.id],
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 withdrawal"):
        call_command("rewards_audit", stdout=io.StringIO(), stderr=err)
    assert f"withdrawal {withdrawal.id} is paid for 120.000 but its hold is open" in err.getvalue()


def test_W6_a_paypal_file_holds_one_currency(program, other_program, new_member):
    from saleor_rewards.programs.withdrawals.payout_files import create_payout_file

    ids = []
    for shop in (program, other_program):
        someone = new_member()
        account = open_account(shop, someone, Kind.CASH)
        credit(account, "20", key="c", source=LotSource.AFFILIATE, now=T0)
        withdrawal = request(shop, someone, "20", "paypal", {"email": f"p{someone}@example.com"})
        ids.append(_step(withdrawal, WithdrawalAction.APPROVE).id)
    with pytest.raises(InvalidInput, match="one currency"):
        create_payout_file(ids, "paypal_csv", actor=STAFF)
    content = create_payout_file(ids[:1], "paypal_csv", actor=STAFF).content.decode()
    assert content.endswith(",20.00,EUR,withdrawal-%d,Your rewards withdrawal,PAYPAL\n" % ids[0])


def test_P5_a_restricted_member_cannot_withdraw_and_can_again_when_lifted(program, member, cash):
    from saleor_rewards.ledger.errors import NotEligible
    from saleor_rewards.programs.channel.restrictions import restrict_member

    restrict_member(member, True, reason="member's request (P5)", actor=STAFF)
    with pytest.raises(NotEligible):
        request(program, member)
    assert Withdrawal.objects.count() == 0
    assert balance(cash).held == 0
    restrict_member(member, False, reason="lifted", actor=STAFF)
    assert request(program, member).status == WithdrawalStatus.REQUESTED
