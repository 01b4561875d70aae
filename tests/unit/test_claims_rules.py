"""Guarantee claims (C1-C4) without Saleor: the ceilings, the price paid, the window,
and the services against an in-memory shop (``tests/fakes.FakeClaims``)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.utils import timezone

from saleor_rewards import config
from saleor_rewards.events.models import AuditEvent
from saleor_rewards.ledger import SYSTEM, Actor, ActorType, Kind, audit, balance
from saleor_rewards.ledger.errors import (
    AlreadyExists,
    Conflict,
    InsufficientBalance,
    InvalidInput,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    WindowClosed,
)
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.channel.members import Member
from saleor_rewards.programs.claims import privacy, rules
from saleor_rewards.programs.claims.deposit import adjust_deposit, deposit_balance
from saleor_rewards.programs.claims.evidence import document_of_token, evidence_token
from saleor_rewards.programs.claims.models import (
    Claim,
    ClaimDocument,
    ClaimLine,
    ClaimStatus,
    ClaimType,
)
from saleor_rewards.programs.claims.ports import ClaimedLineFacts, ClaimOrder
from saleor_rewards.programs.claims.retention import purge_claim_evidence
from saleor_rewards.programs.claims.return_addresses import (
    delete_return_address,
    return_address_for,
    set_return_address,
)
from saleor_rewards.programs.claims.services import (
    CostInput,
    process_claim,
    respond_claim,
    submit_claim,
)
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.retention import discover

from ..fakes import FakeClaims
from .helpers import settle

D = Decimal
STAFF = Actor(ActorType.STAFF, "77")


def snapshot(*lines, member=1001, channel="web-eu", rewards=None, refunded=None, fulfilled_days=10):
    return OrderSnapshot(
        order_id="order-1",
        channel_slug=channel,
        currency="EUR",
        customer_id=member,
        lines=tuple(lines),
        total_gross=sum((line.gross_total for line in lines), D(0)) - (rewards or D(0)),
        fully_paid=True,
        fulfilled=True,
        fulfilled_at=timezone.now() - timedelta(days=fulfilled_days),
        paid_with_rewards=rewards or D(0),
        refunded_quantities=refunded or {},
    )


def line(line_id="l1", gross="20.00", quantity=1):
    return OrderLine(line_id, quantity, D(gross), D(gross))


def claim_order(snap, country="CN"):
    return ClaimOrder(
        snapshot=snap,
        shipping_country=country,
        lines={
            item.line_id: ClaimedLineFacts(item.line_id, "Tea", "9", item.quantity)
            for item in snap.lines
        },
    )


@pytest.fixture
def shop():
    return FakeClaims()


@pytest.fixture
def claim_settings():
    return config.parse({})


def file(program, member, shop, claim_settings, order=None, **kw):
    order = order or claim_order(snapshot(line(), member=member))
    shop.orders[order.snapshot.order_id] = order
    arguments = {
        "line_ids": [item.line_id for item in order.snapshot.lines],
        "claim_type": ClaimType.COUNTERFEIT,
        "description": "The seal was fake.",
        "evidence": ["file_upload/certificate_ab12.pdf"],
        "costs": {"delivery": CostInput(D("5.00"), "EUR")},
    }
    arguments.update(kw)
    return submit_claim(
        Member(program, member), order, settings=claim_settings, shop=shop, **arguments
    )


# --- rules (C2) --------------------------------------------------------------------


def test_C2_counterfeit_ceiling_is_five_times_paid_plus_delivery():
    costs = rules.Costs(delivery=D("5.00"), logistics=D("7"), other=D("3"))
    assert rules.ceiling(ClaimType.COUNTERFEIT, D("20.00"), costs) == D("105.00")


def test_C2_not_direct_supply_ceiling_is_twice_paid_plus_other_and_logistics():
    costs = rules.Costs(delivery=D("5.00"), logistics=D("7"), other=D("3"))
    assert rules.ceiling(ClaimType.NOT_DIRECT_SUPPLY, D("20.00"), costs) == D("50.00")


def test_C2_price_paid_leaves_out_the_share_paid_with_points():
    # 40.00 of products, 10.00 paid with points: a quarter of every line.
    order = snapshot(line("a", "20.00"), line("b", "20.00"), rewards=D("10.00"))
    assert rules.paid_for_line(order, "a") == D("15.00")


def test_C2_price_paid_is_the_discounted_price():
    order = snapshot(OrderLine("a", 2, D("15.00"), D("18.00")))  # gross after a discount
    assert rules.paid_for_line(order, "a") == D("18.00")


def test_C2_refunded_units_are_not_paid_any_more():
    order = snapshot(line("a", "30.00", quantity=3), refunded={"a": 1})
    assert rules.paid_for_line(order, "a") == D("20.00")


def test_C3_split_refunds_first_then_compensates():
    assert rules.split(D("105.00"), D("20.00")) == (D("20.00"), D("85.00"))
    assert rules.split(D("12.00"), D("20.00")) == (D("12.00"), D("0"))


# --- filing (C1, C4) ---------------------------------------------------------------


def test_C1_claim_is_filed_with_its_ceiling(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    assert (claim.status, claim.paid, claim.ceiling) == (
        ClaimStatus.SUBMITTED,
        D("20.00"),
        D("105.00"),
    )
    assert claim.documents.get().storage_name == "claims/%d/certificate_ab12.pdf" % claim.id


@pytest.mark.parametrize(("days", "accepted"), [(89, True), (91, False)])
def test_C1_window_of_90_days(program, member, shop, claim_settings, days, accepted):
    order = claim_order(snapshot(line(), member=member, fulfilled_days=days))
    if accepted:
        assert file(program, member, shop, claim_settings, order=order).id
    else:
        with pytest.raises(WindowClosed):
            file(program, member, shop, claim_settings, order=order)


def test_C1_evidence_is_required(program, member, shop, claim_settings):
    with pytest.raises(InvalidInput) as error:
        file(program, member, shop, claim_settings, evidence=[])
    assert error.value.field == "evidenceUrls"


def test_C1_every_document_is_checked_before_any_is_kept(program, member, shop, claim_settings):
    with pytest.raises(InvalidInput):
        file(
            program,
            member,
            shop,
            claim_settings,
            evidence=["file_upload/a_1.pdf", "https://elsewhere.example/b.pdf"],
        )
    assert not Claim.objects.exists()


def test_C1_someone_elses_order_is_not_found(program, member, shop, claim_settings):
    order = claim_order(snapshot(line(), member=member + 1))
    with pytest.raises(NotFound):
        file(program, member, shop, claim_settings, order=order)


def test_C1_costs_in_another_currency_are_refused(program, member, shop, claim_settings):
    with pytest.raises(InvalidInput) as error:
        file(program, member, shop, claim_settings, costs={"delivery": CostInput(D(5), "USD")})
    assert error.value.field == "deliveryCost"


def test_C4_second_open_claim_of_a_type_is_refused(program, member, shop, claim_settings):
    file(program, member, shop, claim_settings)
    with pytest.raises(AlreadyExists):
        file(program, member, shop, claim_settings)
    # The other type is a claim of its own.
    assert file(program, member, shop, claim_settings, claim_type=ClaimType.NOT_DIRECT_SUPPLY)


def test_C4_the_database_keeps_one_open_claim_per_line_and_type(
    program, member, shop, claim_settings
):
    claim = file(program, member, shop, claim_settings)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimLine.objects.create(
            claim=claim, order_line_id="l1", type=ClaimType.COUNTERFEIT, quantity=1, paid=1
        )


# --- deciding and paying (C2, C3) ----------------------------------------------------


def test_C2_request_info_round_trip(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    claim = process_claim(
        claim.id,
        "request_info",
        note="Which lab?",
        settings=claim_settings,
        shop=shop,
        actor=STAFF,
    )
    assert claim.status == ClaimStatus.INFO_REQUESTED
    claim = respond_claim(member, claim.id, "SGS Shanghai", ["file_upload/sgs_1.pdf"], shop=shop)
    assert claim.status == ClaimStatus.SUBMITTED
    assert [event.type for event in claim.events.all()] == [
        "submitted",
        "info_requested",
        "responded",
    ]
    assert claim.documents.count() == 2
    assert AuditEvent.objects.filter(type="claim_info_requested").count() == 1


def test_C2_respond_only_to_own_claim(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    process_claim(claim.id, "request_info", note="?", settings=claim_settings, shop=shop)
    with pytest.raises(NotFound):
        respond_claim(member + 1, claim.id, "me too", shop=shop)


def test_C2_approval_above_the_ceiling_is_refused(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    adjust_deposit(program, "500", reason="Top-up", actor=STAFF)
    with pytest.raises(LimitExceeded):
        process_claim(
            claim.id,
            "approve",
            compensation=D("105.01"),
            settings=claim_settings,
            shop=shop,
            actor=STAFF,
        )


def test_C2_less_than_the_ceiling_needs_a_reason(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    adjust_deposit(program, "500", reason="Top-up", actor=STAFF)
    with pytest.raises(InvalidInput):
        process_claim(
            claim.id,
            "approve",
            compensation=D("50"),
            settings=claim_settings,
            shop=shop,
            actor=STAFF,
        )


def test_C3_approval_refunds_compensates_and_draws_the_deposit(
    program, member, shop, claim_settings
):
    claim = file(program, member, shop, claim_settings)
    adjust_deposit(program, "500", reason="Top-up", actor=STAFF)
    claim = process_claim(claim.id, "approve", settings=claim_settings, shop=shop, actor=STAFF)
    assert (claim.granted, claim.refund_amount, claim.compensation_amount) == (
        D("105.00"),
        D("20.00"),
        D("85.00"),
    )
    assert shop.refunds == [("order-1", {"l1": 1}, D("20.00"))]
    cash = Account.objects.get(program=program, member_id=member, kind=Kind.CASH)
    assert balance(cash).available == D("85.00")
    assert deposit_balance(program).amount == D("415.00")
    settle()
    assert audit()[1] == []


def test_C3_too_little_deposit_refuses_and_changes_nothing(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    adjust_deposit(program, "80", reason="Top-up", actor=STAFF)
    with pytest.raises(InsufficientBalance), transaction.atomic():
        process_claim(claim.id, "approve", settings=claim_settings, shop=shop, actor=STAFF)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert shop.refunds == []
    assert deposit_balance(program).amount == D("80")


def test_C3_a_negative_deposit_when_the_merchant_allows_it(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    adjust_deposit(program, "80", reason="Top-up", actor=STAFF)
    settings = {**claim_settings, "allow_negative_deposit": True}
    process_claim(claim.id, "approve", settings=settings, shop=shop, actor=STAFF)
    assert deposit_balance(program).amount == D("-5.00")
    adjust_deposit(program, "10", reason="Top-up", actor=STAFF)  # pays what it owes first
    assert (deposit_balance(program).available, deposit_balance(program).debt) == (D(5), D(0))
    settle()
    assert audit()[1] == []


def test_C4_a_decided_claim_is_final(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    process_claim(claim.id, "reject", note="Genuine.", settings=claim_settings, shop=shop)
    for action in ("approve", "reject", "request_info"):
        with pytest.raises(Conflict):
            process_claim(claim.id, action, note="x", settings=claim_settings, shop=shop)


def test_C3_a_line_is_compensated_once_whatever_the_type(program, member, shop, claim_settings):
    first = file(program, member, shop, claim_settings)
    second = file(program, member, shop, claim_settings, claim_type=ClaimType.NOT_DIRECT_SUPPLY)
    adjust_deposit(program, "500", reason="Top-up", actor=STAFF)
    process_claim(first.id, "approve", settings=claim_settings, shop=shop, actor=STAFF)
    with pytest.raises(Conflict), transaction.atomic():
        process_claim(second.id, "approve", settings=claim_settings, shop=shop, actor=STAFF)


def test_I2_nobody_decides_their_own_claim(program, member, shop, claim_settings):
    claim = file(program, member, shop, claim_settings)
    with pytest.raises(PermissionDenied):
        process_claim(
            claim.id,
            "reject",
            settings=claim_settings,
            shop=shop,
            actor=Actor(ActorType.STAFF, str(member)),
        )


def test_C3_deposit_cannot_be_lowered_below_zero(program):
    adjust_deposit(program, "10", reason="Top-up", actor=STAFF)
    with pytest.raises(InsufficientBalance):
        adjust_deposit(program, "-10.01", reason="Oops", actor=STAFF)
    adjust_deposit(program, "-10", reason="Back", actor=STAFF)
    assert deposit_balance(program).amount == 0
    assert AuditEvent.objects.filter(type="deposit_adjusted").count() == 2


def test_C3_deposit_top_up_with_a_key_happens_once(program):
    adjust_deposit(program, "10", reason="Top-up", actor=STAFF, key="k1")
    adjust_deposit(program, "10", reason="Top-up", actor=STAFF, key="k1")
    with pytest.raises(Conflict):
        adjust_deposit(program, "99", reason="Top-up", actor=STAFF, key="k1")
    assert deposit_balance(program).amount == 10
    assert AuditEvent.objects.filter(type="deposit_adjusted").count() == 1


def test_C3_the_database_keeps_one_deposit_without_member(program):
    adjust_deposit(program, "10", reason="Top-up", actor=SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(program=program, kind=Kind.DEPOSIT, currency="EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(program=program, member_id=5, kind=Kind.DEPOSIT, currency="EUR")


# --- return addresses (C5), evidence tokens, privacy ---------------------------------


def test_C5_return_address_per_country(program):
    set_return_address(
        program,
        "cn",
        {"name": "Returns", "street_address_1": "1 Road", "city": "Shanghai"},
        actor=STAFF,
    )
    assert return_address_for(program, "CN").city == "Shanghai"
    assert return_address_for(program, "HK") is None
    delete_return_address(program, "CN", actor=STAFF)
    assert return_address_for(program, "CN") is None
    assert [event.type for event in AuditEvent.objects.order_by("id")] == [
        "return_address_set",
        "return_address_deleted",
    ]


def test_C1_evidence_token_names_one_document():
    token = evidence_token(5)
    assert document_of_token(token) == 5
    assert document_of_token(token[:-2] + "xx") is None
    assert document_of_token("") is None


def test_P1_P2_export_and_erase_claims(program, member, shop, claim_settings, settings, tmp_path):
    settings.PRIVATE_FILE_STORAGE = "django.core.files.storage.FileSystemStorage"
    settings.MEDIA_ROOT = str(tmp_path)
    claim = file(program, member, shop, claim_settings)
    exported = privacy.export_member(member)
    assert exported["claims"][0]["description"] == "The seal was fake."
    assert exported["claims"][0]["documents"] == ["certificate_ab12.pdf"]
    assert privacy.erase_member(member, email_hash=None) == {
        "claims": 1,
        "claim_documents": 1,
        "claim_messages": 1,
    }
    claim.refresh_from_db()
    assert (claim.member_id, claim.description) == (None, privacy.ERASED)
    assert privacy.erase_member(member, email_hash=None) == {
        "claims": 0,
        "claim_documents": 0,
        "claim_messages": 0,
    }
    assert privacy.export_member(member) == {"claims": []}


class StrictStorage(FileSystemStorage):
    """A private storage that refuses to delete a missing file (as some object stores
    do) and, for the names in ``refuse``, any file at all (a storage that is down)."""

    refuse: frozenset = frozenset()

    def delete(self, name):
        if name in self.refuse:
            raise OSError("the storage is not answering")
        if not self.exists(name):
            raise FileNotFoundError(name)
        super().delete(name)


def test_P3_evidence_purge_skips_a_file_it_cannot_delete_and_tries_it_next_run(
    program, member, shop, claim_settings, settings, tmp_path, monkeypatch
):
    settings.PRIVATE_FILE_STORAGE = f"{__name__}.StrictStorage"
    settings.MEDIA_ROOT = str(tmp_path)
    claims = [
        file(
            program,
            member,
            shop,
            claim_settings,
            order=claim_order(snapshot(line(f"l{i}"), member=member)),
        )
        for i in range(3)
    ]
    for claim in claims:
        process_claim(claim.id, "reject", note="Genuine.", settings=claim_settings, shop=shop)
    Claim.objects.update(decided_at=timezone.now() - timedelta(days=366))
    missing, refused, present = (ClaimDocument.objects.get(claim=c).storage_name for c in claims)
    storage = StrictStorage()
    for name in (refused, present):
        assert storage.save(name, ContentFile(b"%PDF")) == name
    monkeypatch.setattr(StrictStorage, "refuse", frozenset({refused}))
    seen = []

    assert (
        purge_claim_evidence(timezone.now(), dry_run=False, batch_size=1, progress=seen.append) == 2
    )
    assert list(ClaimDocument.objects.values_list("storage_name", flat=True)) == [refused]
    assert (storage.exists(refused), storage.exists(present)) == (True, False)
    assert seen == [1, 1, 2]  # one batch per document, the refused one removes nothing

    monkeypatch.setattr(StrictStorage, "refuse", frozenset())
    assert (
        purge_claim_evidence(timezone.now(), dry_run=False, batch_size=1, progress=seen.append) == 1
    )
    assert not ClaimDocument.objects.exists() and not storage.exists(refused)
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.REJECTED}


def test_P3_evidence_purge_is_registered_and_the_setting_defaults_to_365_days():
    assert "claim-evidence" in discover()
    assert config.parse({})["claim_evidence_retention_days"] == 365
    with pytest.raises(config.SettingsError):
        config.parse({"claim_evidence_retention_days": "0"})
