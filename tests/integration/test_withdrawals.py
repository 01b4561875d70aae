"""Withdrawals (SPEC §6, W1-W6) through the plugin's endpoint in Saleor: customers
ask, staff with HANDLE_PAYMENTS decide, payout files pay the batch. Cash is credited
through the ledger directly (affiliate commissions and claims credit it in their own
features); the checks read the balances back through ``rewardsMe``."""

import base64
import csv
import io
import json
import logging
import os
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import sepaxml
import xmlschema
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from saleor.core.jwt import create_access_token

from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.withdrawals import crypto

from .helpers import grant

IBAN = "DE89370400440532013000"
BANK = {"iban": "DE89 3704 0044 0532 0130 00", "accountHolder": "Jane Doe"}
SECRETS = (IBAN, "DE89 3704", "0532 0130", "Jane Doe", "jane.doe@example.com", "2088123456")
PAIN_001 = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}

WITHDRAWAL_FIELDS = "id status amount { amount currency } method detailsMasked payoutReference"
REQUEST = f"""
mutation($channel: String!, $amount: Decimal!, $method: RewardsWithdrawalMethod!,
         $details: JSONString!, $key: String) {{
  rewardsWithdrawalRequest(channel: $channel, amount: $amount, method: $method,
                           details: $details, idempotencyKey: $key) {{
    errors {{ field code message }}
    withdrawal {{ {WITHDRAWAL_FIELDS} }}
  }}
}}"""
CANCEL = f"""mutation($id: ID!) {{ rewardsWithdrawalCancel(id: $id) {{
  errors {{ field code }} withdrawal {{ {WITHDRAWAL_FIELDS} }} }} }}"""
PROCESS = f"""
mutation($id: ID!, $action: RewardsWithdrawalAction!, $reference: String, $note: String) {{
  rewardsWithdrawalProcess(id: $id, action: $action, payoutReference: $reference,
                           note: $note) {{
    errors {{ field code message }} withdrawal {{ {WITHDRAWAL_FIELDS} }} }} }}"""
MARK_PAID = f"""mutation($ids: [ID!]!, $reference: String!) {{
  rewardsWithdrawalMarkPaid(ids: $ids, payoutReference: $reference) {{
    errors {{ field code message }} withdrawals {{ {WITHDRAWAL_FIELDS} }} }} }}"""
PAYOUT_FILE = """mutation($ids: [ID!]!, $format: RewardsPayoutFileFormat!) {
  rewardsWithdrawalPayoutFile(ids: $ids, format: $format) {
    errors { field code message }
    file { filename contentType content withdrawalIds totals { amount currency } } } }"""
ME = f"""query($channel: String!) {{ rewardsMe(channel: $channel) {{
  points {{ available held }}
  history(first: 5, kind: CASH) {{ edges {{ node {{ type amount reference {{ type id }} }} }} }}
  cash {{ available {{ amount }} held {{ amount }} }}
  withdrawals(first: 10) {{ totalCount edges {{ node {{ {WITHDRAWAL_FIELDS} }} }} }}
}} }}"""
LIST = f"""query($channel: String!, $status: RewardsWithdrawalStatus) {{
  rewardsWithdrawals(channel: $channel, status: $status, first: 20) {{
    totalCount edges {{ node {{ {WITHDRAWAL_FIELDS} channel userId }} }} }} }}"""


@pytest.fixture(autouse=True)
def payout_settings(settings):
    settings.SALEOR_REWARDS_FERNET_KEYS = Fernet.generate_key().decode()
    settings.SALEOR_REWARDS_SEPA_DEBTOR_NAME = "Example Shop GmbH"
    settings.SALEOR_REWARDS_SEPA_DEBTOR_IBAN = "DE02120300000000202051"
    settings.SALEOR_REWARDS_SEPA_DEBTOR_BIC = "BYLADEM1001"


@pytest.fixture
def channel_EUR(db):
    from saleor.channel.models import Channel
    from saleor.tax.tests.fixtures.utils import create_channel_tax_configuration

    channel = Channel.objects.create(
        name="Europe", slug="eu", currency_code="EUR", default_country="DE", is_active=True
    )
    create_channel_tax_configuration(channel)
    return channel


@pytest.fixture
def shop(active_rewards_plugin, channel_EUR, channel_USD):
    from saleor_rewards.saleor_adapter.use_cases.programs import create_program

    return {"eu": create_program(channel_EUR), "main": create_program(channel_USD)}


@pytest.fixture
def cashier(staff_user, permission_manage_payments):
    """Staff who decide withdrawals (HANDLE_PAYMENTS, SPEC §0)."""
    return grant(staff_user, permission_manage_payments)


def fund(program, user, amount, kind=Kind.CASH, key="commission"):
    account = open_account(program, user.pk, kind)
    credit(account, amount, key=key, source=LotSource.AFFILIATE)
    return account


class Calls:
    """Every answer of the endpoint in this test, to prove no detail ever left it."""

    def __init__(self, api):
        self.api, self.bodies = api, []

    def __call__(self, query, variables, user):
        body = self.api.execute(query, variables, token=create_access_token(user))
        self.bodies.append(json.dumps(body))
        return body

    def request(self, user, amount, method="BANK_TRANSFER", details=None, channel="eu", key=None):
        body = self(
            REQUEST,
            {
                "channel": channel,
                "amount": amount,
                "method": method,
                "details": json.dumps(BANK if details is None else details),
                "key": key,
            },
            user,
        )
        return body["data"]["rewardsWithdrawalRequest"]

    def process(self, staff, withdrawal_id, action, reference=None, note=None):
        variables = {"id": withdrawal_id, "action": action, "reference": reference, "note": note}
        return self(PROCESS, variables, staff)["data"]["rewardsWithdrawalProcess"]

    def me(self, user, channel="eu"):
        return self(ME, {"channel": channel}, user)["data"]["rewardsMe"]


@pytest.fixture
def calls(rewards_api):
    return Calls(rewards_api)


def cash_of(me) -> tuple[Decimal, Decimal]:
    return (
        Decimal(str(me["cash"]["available"]["amount"])),
        Decimal(str(me["cash"]["held"]["amount"])),
    )


def codes(payload) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def test_W3_above_the_currency_cap_is_LIMIT_EXCEEDED(shop, calls, customer_user):
    fund(shop["eu"], customer_user, "500")
    fund(shop["main"], customer_user, "500")

    assert codes(calls.request(customer_user, "200.01")) == ["LIMIT_EXCEEDED"]
    usd = calls.request(customer_user, "222.01", "PAYPAL", {"email": "a@example.com"}, "main")
    assert codes(usd) == ["LIMIT_EXCEEDED"]

    assert cash_of(calls.me(customer_user)) == (Decimal(500), 0)
    accepted = calls.request(customer_user, "200.00")
    assert accepted["errors"] == [] and accepted["withdrawal"]["status"] == "REQUESTED"
    assert cash_of(calls.me(customer_user)) == (Decimal(300), Decimal(200))


def test_W4_a_second_open_request_is_refused(shop, calls, customer_user):
    fund(shop["eu"], customer_user, "100")
    fund(shop["main"], customer_user, "100")
    assert calls.request(customer_user, "10.00")["errors"] == []

    second = calls.request(customer_user, "10.00", key="another")
    in_usd = calls.request(customer_user, "5", "PAYPAL", {"email": "a@example.com"}, "main")

    assert codes(second) == ["ALREADY_EXISTS"] and codes(in_usd) == ["ALREADY_EXISTS"]
    assert cash_of(calls.me(customer_user)) == (Decimal(90), Decimal(10))
    assert cash_of(calls.me(customer_user, "main")) == (Decimal(100), 0)


def test_W1_points_cannot_be_withdrawn(shop, calls, customer_user, rewards_api):
    fund(shop["eu"], customer_user, 20_000, Kind.POINTS)

    refused = calls.request(customer_user, "10.00")
    asked_for_points = rewards_api.post(
        REQUEST.replace("idempotencyKey: $key", "idempotencyKey: $key, kind: POINTS"),
        {"channel": "eu", "amount": "10", "method": "PAYPAL", "details": "{}"},
        token=create_access_token(customer_user),
    )

    assert codes(refused) == ["INSUFFICIENT_BALANCE"]
    assert asked_for_points.status_code == 400  # no such argument as a balance kind
    assert 'Unknown argument "kind"' in asked_for_points.json()["errors"][0]["message"]
    me = calls.me(customer_user)
    assert me["points"] == {"available": 20_000, "held": 0}
    assert me["withdrawals"]["totalCount"] == 0


def test_W5_approve_then_paid_captures_the_hold_audited_and_mailed(
    shop, calls, customer_user, cashier, mailoutbox, django_capture_on_commit_callbacks
):
    fund(shop["eu"], customer_user, "150.00")
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = calls.request(customer_user, "120.50")["withdrawal"]
    assert cash_of(calls.me(customer_user)) == (Decimal("29.50"), Decimal("120.50"))

    with django_capture_on_commit_callbacks(execute=True):
        approved = calls.process(cashier, withdrawal["id"], "APPROVE")
    assert approved["withdrawal"]["status"] == "APPROVED"
    assert cash_of(calls.me(customer_user)) == (Decimal("29.50"), Decimal("120.50"))
    with django_capture_on_commit_callbacks(execute=True):
        paid = calls.process(cashier, withdrawal["id"], "MARK_PAID", reference="SEPA-2026-1")

    assert paid["errors"] == []
    assert paid["withdrawal"]["status"] == "PAID"
    assert paid["withdrawal"]["payoutReference"] == "SEPA-2026-1"
    me = calls.me(customer_user)
    assert cash_of(me) == (Decimal("29.50"), 0)
    newest = [edge["node"] for edge in me["history"]["edges"][:2]]
    assert [node["type"] for node in newest] == ["CAPTURE", "HOLD"]
    assert {node["reference"]["id"] for node in newest} == {withdrawal["id"]}
    events = AuditEvent.objects.order_by("id")
    assert [e.type for e in events] == ["withdrawal_approved", "withdrawal_paid"]
    assert {e.actor_id for e in events} == {str(cashier.pk)}
    assert events[1].before["status"] == "approved" and events[1].after["status"] == "paid"
    assert [m.subject for m in mailoutbox] == [
        "We received your withdrawal request",
        "Your withdrawal was approved",
        "Your withdrawal was paid",
    ]
    assert {m.to[0] for m in mailoutbox} == {customer_user.email}
    assert all(secret not in m.body for m in mailoutbox for secret in SECRETS)


@pytest.mark.parametrize(
    ("steps", "status", "event"),
    [
        (["REJECT"], "REJECTED", "withdrawal_rejected"),
        (["APPROVE", "REJECT"], "REJECTED", "withdrawal_rejected"),
        (["APPROVE", "MARK_FAILED"], "FAILED", "withdrawal_failed"),
    ],
)
def test_W5_reject_and_fail_give_the_cash_back(
    shop, calls, customer_user, cashier, steps, status, event
):
    fund(shop["eu"], customer_user, "80")
    withdrawal = calls.request(customer_user, "80")["withdrawal"]

    for action in steps:
        result = calls.process(cashier, withdrawal["id"], action, note="IBAN closed")
        assert result["errors"] == []

    assert result["withdrawal"]["status"] == status
    assert cash_of(calls.me(customer_user)) == (Decimal(80), 0)
    assert AuditEvent.objects.order_by("-id").first().type == event
    assert AuditEvent.objects.count() == len(steps)  # one event per staff mutation
    # a closed request is final, and a new one may be asked for
    assert codes(calls.process(cashier, withdrawal["id"], "APPROVE")) == ["CONFLICT"]
    assert calls.request(customer_user, "80", key="again")["errors"] == []


def test_W5_the_member_cancels_only_their_own_requested_withdrawal(
    shop, calls, customer_user, customer_user2, cashier
):
    fund(shop["eu"], customer_user, "60")
    withdrawal = calls.request(customer_user, "60")["withdrawal"]

    by_someone_else = calls(CANCEL, {"id": withdrawal["id"]}, customer_user2)
    cancelled = calls(CANCEL, {"id": withdrawal["id"]}, customer_user)

    assert codes(by_someone_else["data"]["rewardsWithdrawalCancel"]) == ["NOT_FOUND"]
    assert cancelled["data"]["rewardsWithdrawalCancel"]["withdrawal"]["status"] == "CANCELLED"
    assert cash_of(calls.me(customer_user)) == (Decimal(60), 0)
    again = calls.request(customer_user, "60", key="2")["withdrawal"]
    calls.process(cashier, again["id"], "APPROVE")
    assert codes(
        calls(CANCEL, {"id": again["id"]}, customer_user)["data"]["rewardsWithdrawalCancel"]
    ) == ["CONFLICT"]


def test_W5_staff_need_HANDLE_PAYMENTS_and_the_channel(
    shop,
    calls,
    customer_user,
    staff_user,
    staff_users,
    permission_manage_payments,
    permission_manage_users,
    channel_USD,
):
    fund(shop["eu"], customer_user, "60")
    withdrawal = calls.request(customer_user, "60")["withdrawal"]
    grant(staff_user, permission_manage_users)
    elsewhere = grant(staff_users[1], permission_manage_payments, channels=[channel_USD])

    assert codes(calls.process(staff_user, withdrawal["id"], "APPROVE")) == ["PERMISSION_DENIED"]
    denied = calls.process(elsewhere, withdrawal["id"], "APPROVE")["errors"]
    assert [(e["code"], e["field"]) for e in denied] == [("PERMISSION_DENIED", "channel")]
    assert codes(calls.process(customer_user, withdrawal["id"], "APPROVE")) == ["PERMISSION_DENIED"]
    listed = calls.api.post(LIST, {"channel": "eu"}, token=create_access_token(elsewhere))
    assert listed.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert AuditEvent.objects.count() == 0
    assert cash_of(calls.me(customer_user)) == (0, Decimal(60))


def test_W2_details_never_unmasked_in_responses_logs_or_the_database(
    shop, calls, customer_user, cashier, caplog
):
    caplog.set_level(logging.DEBUG)
    fund(shop["eu"], customer_user, "50")
    withdrawal = calls.request(customer_user, "50")["withdrawal"]
    calls.request(customer_user, "5", details={"iban": IBAN[:-1] + "1", "accountHolder": "J"})
    calls.process(cashier, withdrawal["id"], "APPROVE")
    calls.me(customer_user)
    listed = calls(LIST, {"channel": "eu", "status": "APPROVED"}, cashier)

    assert withdrawal["detailsMasked"] == "DE89 **** **** **** **30 00 (J. D.)"
    assert listed["data"]["rewardsWithdrawals"]["totalCount"] == 1
    shown = "".join(calls.bodies) + caplog.text
    shown += json.dumps([[e.before, e.after] for e in AuditEvent.objects.all()])
    with connection.cursor() as cursor:
        cursor.execute("SELECT details, details_masked, note FROM rewards_withdrawal")
        (column, masked, note), *_ = cursor.fetchall()
    assert all(secret not in shown + column + masked + note for secret in SECRETS)
    assert column.startswith("gAAAAA")  # a Fernet token
    assert crypto.decrypt(column) == {
        "iban": IBAN,
        "bic": "COBADEFFXXX",
        "accountHolder": "Jane Doe",
    }


def _approved(shop, calls, cashier, users, method="BANK_TRANSFER", amounts=("120.50", "79.99")):
    ids = []
    for n, (user, amount) in enumerate(zip(users, amounts, strict=True)):
        fund(shop["eu"], user, "200")
        details = (
            {"iban": "FR1420041010050500013M02606", "accountHolder": "Élodie Martin"} if n else BANK
        )
        if method == "PAYPAL":
            details = {"email": f"payee{n}@example.com"}
        withdrawal = calls.request(user, amount, method, details)["withdrawal"]
        assert calls.process(cashier, withdrawal["id"], "APPROVE")["errors"] == []
        ids.append(withdrawal["id"])
    return ids


def test_W6_sepa_file_validates_against_pain_001_and_pays_the_batch(
    shop, calls, customer_user, customer_user2, cashier
):
    ids = _approved(shop, calls, cashier, [customer_user, customer_user2])

    result = calls(PAYOUT_FILE, {"ids": ids, "format": "SEPA_XML"}, cashier)
    payout = result["data"]["rewardsWithdrawalPayoutFile"]["file"]
    xml = base64.b64decode(payout["content"])

    xmlschema.XMLSchema(PAIN_001).validate(xml.decode())
    root = ET.fromstring(xml)
    amounts = [Decimal(a.text) for a in root.iterfind(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)]
    ibans = [i.text for i in root.iterfind(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", NS)]
    assert sorted(amounts) == [Decimal("79.99"), Decimal("120.50")]
    assert sorted(ibans) == sorted([IBAN, "FR1420041010050500013M02606"])
    assert Decimal(root.find(".//p:GrpHdr/p:CtrlSum", NS).text) == Decimal("200.49")
    assert root.find(".//p:GrpHdr/p:NbOfTxs", NS).text == "2"
    assert root.find(".//p:DbtrAcct/p:Id/p:IBAN", NS).text == "DE02120300000000202051"
    assert payout["totals"] == [{"amount": 200.49, "currency": "EUR"}]
    assert AuditEvent.objects.filter(type="payout_file_created").count() == 1

    paid = calls(MARK_PAID, {"ids": ids, "reference": "BANK-BATCH-7"}, cashier)
    statuses = [w["status"] for w in paid["data"]["rewardsWithdrawalMarkPaid"]["withdrawals"]]
    assert statuses == ["PAID", "PAID"]
    assert cash_of(calls.me(customer_user)) == (Decimal("79.50"), 0)
    assert cash_of(calls.me(customer_user2)) == (Decimal("120.01"), 0)
    assert AuditEvent.objects.filter(type=AuditEventType.WITHDRAWAL_PAID).count() == 2


def test_W6_payout_file_takes_only_approved_withdrawals_of_its_kind(
    shop, calls, customer_user, customer_user2, cashier
):
    bank, paypal = (
        _approved(shop, calls, cashier, [customer_user], amounts=["50"])[0],
        _approved(shop, calls, cashier, [customer_user2], "PAYPAL", ["12.34"])[0],
    )

    mixed = calls(PAYOUT_FILE, {"ids": [bank, paypal], "format": "SEPA_XML"}, cashier)
    csv_file = calls(PAYOUT_FILE, {"ids": [paypal], "format": "PAYPAL_CSV"}, cashier)

    assert codes(mixed["data"]["rewardsWithdrawalPayoutFile"]) == ["INVALID"]
    content = base64.b64decode(csv_file["data"]["rewardsWithdrawalPayoutFile"]["file"]["content"])
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows == [["payee0@example.com", "12.34", "EUR", rows[0][3], rows[0][4], "PAYPAL"]]
    assert AuditEvent.objects.filter(type="payout_file_created").count() == 1


def test_W6_payout_file_command_writes_the_approved_sepa_batch(
    shop, calls, customer_user, cashier, tmp_path
):
    _approved(shop, calls, cashier, [customer_user], amounts=["42.00"])
    out = io.StringIO()

    call_command("rewards_payout_file", "sepa", "--output", str(tmp_path / "b.xml"), stdout=out)

    xml = (tmp_path / "b.xml").read_bytes()
    xmlschema.XMLSchema(PAIN_001).validate(xml.decode())
    assert "1 withdrawal(s), 42.00 EUR" in out.getvalue()


class _DemoSaleor:
    """demo.py's ``Saleor.rewards`` over the test client: raises on any error."""

    def __init__(self, api):
        self.api = api

    def rewards(self, query, variables=None, token=None):
        body = self.api.execute(query, variables, token=token)
        assert not body.get("errors"), body
        for value in body["data"].values():
            assert not (isinstance(value, dict) and value.get("errors")), value
        return body["data"]


def test_demo_cash_out_chapter_checks_its_figures(shop, rewards_api, customer_user, cashier):
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
    from demo_withdrawals import cash_out

    fund(shop["eu"], customer_user, "30.00")
    story = type("Story", (), {})()
    story.saleor, story.failures = _DemoSaleor(rewards_api), 0
    story.tokens = {"Ada": create_access_token(customer_user)}
    story.staff = create_access_token(cashier)

    xml = cash_out(story, "Ada", channel="eu", amount=Decimal("12.34"))

    assert story.failures == 0 and b'<InstdAmt Ccy="EUR">12.34</InstdAmt>' in xml
