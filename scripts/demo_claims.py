"""The demo's guarantee-claim chapter (C1-C3), played over HTTP against the running
Saleor of ``scripts/demo.py``.

``claim_story(story)`` takes demo.py's ``Story`` (its Saleor, tokens, staff token and
checkout helpers) and tells: Sam buys two coffees, they are shipped, he files a
COUNTERFEIT claim with a document uploaded through Saleor's ``fileUpload``; staff ask
for more information, Sam answers with a second document; staff top up the merchant
deposit and approve at the ceiling; Saleor refunds the line, the compensation lands in
Sam's cash balance and the deposit goes down by as much. Every figure is checked
against SPEC's arithmetic (C2: COUNTERFEIT = 1x refund + 4x compensation + delivery).

Call it after the story's last ``report`` (the refund takes back Sam's points of that
order, L3, so a later report would not match his expected figures), before
``rewards_audit``: ``claim_story(story)``. It adds each differing figure to
``story.failures`` itself (and returns how many).
"""

import json
import urllib.request
import uuid
from decimal import Decimal

import saleor_server as srv

CHANNEL = "demo"
DELIVERY_COST = Decimal("5.00")
DEPOSIT = Decimal("500.00")
# A tiny valid JPEG: Saleor's fileUpload checks the content's type (a scan of the
# examination certificate, say).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c"
    "140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27"
    "393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000"
    "000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300"
    "041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
    "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475"
    "767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9ba"
    "c2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda"
    "0008010100003f00fbd3ffd9"
)

UPLOAD = """mutation($file: Upload!) {
  fileUpload(file: $file) { uploadedFile { url } errors { field message } } }"""
ORDER_LINES = """query($id: ID!) { order(id: $id) {
  lines { id quantity totalPrice { gross { amount } net { amount } } }
  totalRefunded { amount } } }"""
CLAIM = """id status compensationCeiling { amount } compensationGranted { amount }
  refundAmount { amount } compensationAmount { amount } refundReference
  evidence { filename url } events { type actor }"""
SUBMIT = f"""mutation($input: RewardsClaimSubmitInput!) {{
  rewardsClaimSubmit(input: $input) {{ errors {{ field code message }} claim {{ {CLAIM} }} }} }}"""
PROCESS = f"""mutation($id: ID!, $action: RewardsClaimAction!, $note: String) {{
  rewardsClaimProcess(id: $id, action: $action, note: $note) {{
    errors {{ field code message }} claim {{ {CLAIM} }} }} }}"""
RESPOND = f"""mutation($id: ID!, $message: String!, $evidence: [String!]) {{
  rewardsClaimRespond(id: $id, message: $message, evidenceUrls: $evidence) {{
    errors {{ field code message }} claim {{ {CLAIM} }} }} }}"""
DEPOSIT_ADJUST = """mutation($channel: String!, $amount: Decimal!, $reason: String!) {
  rewardsDepositAdjust(channel: $channel, amount: $amount, reason: $reason) {
    errors { field code message } deposit { balance { amount } } } }"""
DEPOSIT_QUERY = """query($channel: String!) { rewardsDeposit(channel: $channel) {
  balance { amount currency } } }"""
CASH = """query($channel: String!) { rewardsMe(channel: $channel) {
  cash { available { amount currency } } } }"""


def upload(story, name: str) -> str:
    """A document through Saleor's own fileUpload (multipart, as a storefront's server
    sends it with its token: the mutation is open to staff and Apps only)."""
    boundary = uuid.uuid4().hex
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    parts = [
        ("operations", None, operations.encode()),
        ("map", None, json.dumps({"0": ["variables.file"]}).encode()),
        ("0", f"{name}.jpg", JPEG),
    ]
    body = b""
    for field, filename, content in parts:
        disposition = f'form-data; name="{field}"' + (
            f'; filename="{filename}"' if filename else ""
        )
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: image/jpeg\r\n"
        body += b"\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{story.saleor.base}/graphql/",
        body,
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {story.staff}",
        },
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    return srv._checked(answer)["fileUpload"]["uploadedFile"]["url"]


def _money(value) -> Decimal:
    return Decimal(str(value["amount"])).quantize(Decimal("0.01"))


def _check(story, label: str, got, want) -> None:
    ok = got == want
    story.failures += not ok
    print(f"  {label:<44} {got!s:>10}   SPEC says {want!s:>10}  {'ok' if ok else 'DIFFERS'}")


def claim_story(story, channel: str = CHANNEL) -> int:
    """Play the chapter; returns how many figures differed (also added to the story)."""
    before = story.failures
    saleor, staff, sam = story.saleor, story.staff, story.tokens["Sam"]
    print("\nGuarantee claims (C1-C3)")

    checkout_id, total = story.checkout("Sam", 2)
    order = story.pay("Sam", checkout_id, total)
    story.fulfil(order["id"])
    lines = saleor.graphql(ORDER_LINES, {"id": order["id"]}, staff)["order"]["lines"]
    paid = _money(lines[0]["totalPrice"]["gross"])
    print(f"  Sam buys 2 coffees ({paid} for the line) and they are shipped")

    first = upload(story, "examination_certificate")
    claim = saleor.rewards(
        SUBMIT,
        {
            "input": {
                "orderId": order["id"],
                "lineIds": [lines[0]["id"]],
                "type": "COUNTERFEIT",
                "description": "The tin's hologram seal does not match the brand's.",
                "evidenceUrls": [first],
                "deliveryCost": {"amount": str(DELIVERY_COST), "currency": "USD"},
            }
        },
        sam,
    )["rewardsClaimSubmit"]["claim"]
    ceiling = paid * 5 + DELIVERY_COST
    print("  Sam files a COUNTERFEIT claim with a certificate (rewardsClaimSubmit, C1)")
    got = _money(claim["compensationCeiling"])
    _check(story, "ceiling: 1x refund + 4x compensation + 5.00", got, ceiling)

    asked = saleor.rewards(
        PROCESS,
        {"id": claim["id"], "action": "REQUEST_INFO", "note": "Which laboratory tested it?"},
        staff,
    )["rewardsClaimProcess"]["claim"]
    print(f"  Staff ask for more information (REQUEST_INFO): claim {asked['status']}")
    second = upload(story, "laboratory_report")
    answered = saleor.rewards(
        RESPOND,
        {"id": claim["id"], "message": "SGS Shanghai, report attached.", "evidence": [second]},
        sam,
    )["rewardsClaimRespond"]["claim"]
    print(
        f"  Sam answers with the laboratory's report (rewardsClaimRespond): "
        f"{len(answered['evidence'])} documents, served only with a signed token"
    )

    saleor.rewards(
        DEPOSIT_ADJUST,
        {"channel": channel, "amount": str(DEPOSIT), "reason": "Merchant security deposit"},
        staff,
    )
    approved = saleor.rewards(PROCESS, {"id": claim["id"], "action": "APPROVE"}, staff)[
        "rewardsClaimProcess"
    ]["claim"]
    compensation = ceiling - paid
    print(f"  Staff top the deposit up by {DEPOSIT} and approve at the ceiling (C2, C3)")
    _check(story, "refunded through Saleor (claim)", _money(approved["refundAmount"]), paid)
    refunded = saleor.graphql(ORDER_LINES, {"id": order["id"]}, staff)["order"]
    _check(story, "Saleor's order: total refunded", _money(refunded["totalRefunded"]), paid)
    _check(story, "compensation", _money(approved["compensationAmount"]), compensation)
    cash = saleor.rewards(CASH, {"channel": channel}, sam)["rewardsMe"]["cash"]["available"]
    _check(story, "Sam's cash balance", _money(cash), compensation)
    deposit = saleor.rewards(DEPOSIT_QUERY, {"channel": channel}, staff)["rewardsDeposit"]
    _check(story, "merchant deposit", _money(deposit["balance"]), DEPOSIT - compensation)
    print(f"  Saleor's refund: {approved['refundReference']}")
    return story.failures - before
