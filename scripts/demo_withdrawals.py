"""The demo's cash-out chapter (SPEC W1-W6): an affiliate withdraws cash by bank
transfer, staff approve it, download the SEPA file, and mark the batch paid.

``scripts/demo.py`` wires it in after the affiliate's commission became available::

    from demo_withdrawals import DEMO_ENV, EUR_CHANNEL_SETUP, cash_out
    env = srv.saleor_env(DATABASE, **DEMO_ENV)            # keys and the shop's account
    srv.admin(env, "shell", "-c", EUR_CHANNEL_SETUP)      # if the story needs EUR
    cash_out(story, "Ada", channel="demo-eu", amount=Decimal("12.34"))

``story`` is demo.py's ``Story``: ``saleor.rewards(query, variables, token)`` (raises
on errors), ``tokens[name]`` (the member's Saleor token), ``staff`` (a token with
HANDLE_PAYMENTS) and ``failures`` (counted here for every figure that differs).
Every figure is read back from the plugin's endpoint and compared with what SPEC's
arithmetic says; the SEPA file is validated against the pain.001.001.03 schema that
``sepaxml`` ships and parsed back to the same amount, account and total.
"""

import base64
import json
import os
import xml.etree.ElementTree as ET
from decimal import Decimal

import sepaxml
import xmlschema
from cryptography.fernet import Fernet

DEMO_ENV = {
    # Fernet keys for payout details (a fresh one per demo run) and the shop's account
    # the SEPA file debits (an example IBAN/BIC that pass the checksums).
    "SALEOR_REWARDS_FERNET_KEYS": Fernet.generate_key().decode(),
    "SALEOR_REWARDS_SEPA_DEBTOR_NAME": "Demo Coffee GmbH",
    "SALEOR_REWARDS_SEPA_DEBTOR_IBAN": "DE02120300000000202051",
    "SALEOR_REWARDS_SEPA_DEBTOR_BIC": "BYLADEM1001",
}
EUR_CHANNEL_SETUP = """
from saleor.channel.models import Channel
from saleor.tax.models import TaxConfiguration
channel, made = Channel.objects.get_or_create(slug="demo-eu", defaults=dict(
    name="Demo EU", currency_code="EUR", default_country="DE", is_active=True))
if made:
    TaxConfiguration.objects.create(channel=channel, charge_taxes=False)
from saleor_rewards.saleor_adapter.use_cases.programs import create_program
create_program(channel)
"""
BANK = {"iban": "DE89 3704 0044 0532 0130 00", "accountHolder": "Ada Lovelace"}
PAIN_001 = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}

FIELDS = "id status amount { amount currency } detailsMasked payoutReference"
CASH = """query($channel: String!) { rewardsMe(channel: $channel) {
  cash { available { amount currency } held { amount } } } }"""
REQUEST = f"""mutation($channel: String!, $amount: Decimal!, $details: JSONString!) {{
  rewardsWithdrawalRequest(channel: $channel, amount: $amount, method: BANK_TRANSFER,
                           details: $details, idempotencyKey: "demo-cash-out") {{
    errors {{ field code message }} withdrawal {{ {FIELDS} }} }} }}"""
APPROVE = f"""mutation($id: ID!) {{
  rewardsWithdrawalProcess(id: $id, action: APPROVE) {{
    errors {{ field code message }} withdrawal {{ {FIELDS} }} }} }}"""
PAYOUT_FILE = """mutation($ids: [ID!]!) {
  rewardsWithdrawalPayoutFile(ids: $ids, format: SEPA_XML) {
    errors { field code message } file { filename content totals { amount currency } } } }"""
MARK_PAID = f"""mutation($ids: [ID!]!, $reference: String!) {{
  rewardsWithdrawalMarkPaid(ids: $ids, payoutReference: $reference) {{
    errors {{ field code message }} withdrawals {{ {FIELDS} }} }} }}"""


def _cash(story, name: str, channel: str) -> tuple[Decimal, Decimal]:
    cash = story.saleor.rewards(CASH, {"channel": channel}, story.tokens[name])["rewardsMe"]
    return (
        Decimal(str(cash["cash"]["available"]["amount"])).quantize(Decimal("0.01")),
        Decimal(str(cash["cash"]["held"]["amount"])).quantize(Decimal("0.01")),
    )


def _shown(value) -> str:
    if isinstance(value, tuple | list):
        return " / ".join(str(part) for part in value)
    return str(value)


def _check(story, what: str, got, want) -> None:
    ok = got == want
    story.failures += not ok
    print(
        f"  {what:<44} {_shown(got):>22}   SPEC says {_shown(want):<22} {'ok' if ok else 'DIFFERS'}"
    )


def cash_out(story, name: str, *, channel: str, amount: Decimal, details=None, out_dir=None):
    """``name`` withdraws ``amount`` of their cash; returns the SEPA file's bytes."""
    print(f"\n{name} cashes out {amount} by bank transfer (W1-W6)")
    available, held = _cash(story, name, channel)
    requested = story.saleor.rewards(
        REQUEST,
        {"channel": channel, "amount": str(amount), "details": json.dumps(details or BANK)},
        story.tokens[name],
    )["rewardsWithdrawalRequest"]["withdrawal"]
    print(f"  requested: {requested['amount']['amount']} to {requested['detailsMasked']}")
    after_request = _cash(story, name, channel)
    want = (available - amount, held + amount)
    _check(story, "cash after the request (available, held)", after_request, want)

    ids = [requested["id"]]
    story.saleor.rewards(APPROVE, {"id": ids[0]}, story.staff)
    payout = story.saleor.rewards(PAYOUT_FILE, {"ids": ids}, story.staff)[
        "rewardsWithdrawalPayoutFile"
    ]["file"]
    xml = base64.b64decode(payout["content"])
    if out_dir:
        with open(os.path.join(out_dir, payout["filename"]), "wb") as file:
            file.write(xml)
    try:
        xmlschema.XMLSchema(PAIN_001).validate(xml.decode())
        valid = "valid"
    except xmlschema.XMLSchemaValidationError as error:
        valid = f"invalid: {error.reason}"
    _check(story, f"{payout['filename']} against pain.001.001.03", valid, "valid")
    root = ET.fromstring(xml)
    amounts = [Decimal(a.text) for a in root.iterfind(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)]
    _check(story, "SEPA file: amounts", amounts, [amount])
    _check(story, "SEPA file: control sum", Decimal(root.find(".//p:CtrlSum", NS).text), amount)
    iban = root.find(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", NS).text
    _check(story, "SEPA file: creditor IBAN", iban, (details or BANK)["iban"].replace(" ", ""))

    paid = story.saleor.rewards(
        MARK_PAID, {"ids": ids, "reference": "DEMO-BANK-BATCH-1"}, story.staff
    )["rewardsWithdrawalMarkPaid"]["withdrawals"]
    _check(story, "withdrawal status after the bank paid", paid[0]["status"], "PAID")
    after_payment = _cash(story, name, channel)
    _check(story, "cash after payment (available, held)", after_payment, (available - amount, held))
    return xml
