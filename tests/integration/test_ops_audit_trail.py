"""SPEC P4 in a real Saleor 3.23: every staff change leaves exactly one append-only
audit event with who, when, what and before/after, readable with
``rewardsAuditEvents``; Saleor's ``pluginUpdate`` of the plugin's settings too.

``STAFF_MUTATIONS`` is the table of every staff mutation of the schema, one row per
decision it can take; guard tests fail naming any staff-only mutation a later feature
adds without a row here, and any value of a staff mutation's enum (or Boolean)
argument that no row sends.
"""

import inspect
import json

import pytest
from cryptography.fernet import Fernet
from django.db import IntegrityError, connection, transaction
from graphql import GraphQLEnumType, get_named_type, parse, print_ast
from graphql.language.ast import BooleanValue, EnumValue
from saleor.core.jwt import create_access_token
from saleor.graphql.tests.utils import get_graphql_content

from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.graphql.schema import Mutation, schema
from saleor_rewards.ledger import SYSTEM, Kind
from saleor_rewards.programs.affiliates import services as affiliates
from saleor_rewards.programs.channel.restrictions import restrict_member
from saleor_rewards.programs.claims.deposit import adjust_deposit
from saleor_rewards.programs.claims.return_addresses import set_return_address
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.programs.tiers.models import Tier
from saleor_rewards.saleor_adapter.use_cases import plugin_audit
from saleor_rewards.saleor_adapter.use_cases.programs import create_program

from .helpers import PLUGIN_ID, grant, user_global_id
from .storefront import gid
from .test_claims import fulfilled_order, submit
from .test_withdrawals import (
    BANK,
    channel_EUR,  # noqa: F401 - a fixture, for the world's "eu"
    fund,
)
from .test_withdrawals import PROCESS as WITHDRAWAL_PROCESS
from .test_withdrawals import REQUEST as WITHDRAWAL_REQUEST

AUDIT_EVENTS = """query($channel: String, $actor: ID, $subject: ID, $first: Int, $after: String) {
  rewardsAuditEvents(channel: $channel, actor: $actor, subject: $subject, first: $first,
                     after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id createdAt actorType actorId type subjectType subjectId
                   before after channel } } } }"""
PLUGIN_UPDATE = """mutation($id: ID!, $active: Boolean, $configuration: [ConfigurationItemInput!]) {
  pluginUpdate(id: $id, input: {active: $active, configuration: $configuration}) {
    pluginsErrors { field code message } } }"""


class World(dict):
    """What the staff mutations act on. The costly parts (a paid and fulfilled order's
    claim, a requested withdrawal) are made on first use, by the rows that need them,
    through the features' own APIs; ``build`` names the makers."""

    def __init__(self, build, **parts):
        super().__init__(**parts)
        self.build = build

    def __missing__(self, key):
        self[key] = self.build[key](self)
        return self[key]


def _request_withdrawal(w, program, amount, method, details) -> str:
    """customer2 asks to withdraw ``amount`` of 100.00 credited cash."""
    member = w["customer2"]
    fund(program, member, "100.00")
    body = w["api"].execute(
        WITHDRAWAL_REQUEST,
        {
            "channel": program.channel_slug,
            "amount": amount,
            "method": method,
            "details": json.dumps(details),
        },
        token=create_access_token(member),
    )
    payload = body["data"]["rewardsWithdrawalRequest"]
    assert payload["errors"] == [], payload
    return payload["withdrawal"]["id"]


def _approve_withdrawal(w, withdrawal_id) -> str:
    body = w["api"].execute(
        WITHDRAWAL_PROCESS, {"id": withdrawal_id, "action": "APPROVE"}, token=w["token"]
    )
    assert body["data"]["rewardsWithdrawalProcess"]["errors"] == [], body
    return withdrawal_id


def _withdrawal(w) -> str:
    """customer2 asks to withdraw 50.00 USD (PayPal)."""
    return _request_withdrawal(w, w["program"], "50.00", "PAYPAL", {"email": "payee@example.com"})


def _approved_withdrawal(w) -> str:
    return _approve_withdrawal(w, w["withdrawal"])


def _eu_withdrawal(w) -> str:
    """customer2's approved SEPA bank transfer of 40.00 EUR (a SEPA file pays EUR only)."""
    return _approve_withdrawal(w, _request_withdrawal(w, w["eu"], "40.00", "BANK_TRANSFER", BANK))


def _eu(w):
    """Channel "eu" (EUR) and its program."""
    return create_program(w["fixture"]("channel_EUR"))


def _affiliate(w):
    """customer2's pending application to be an affiliate."""
    member = w["customer2"]
    return affiliates.apply(
        w["program"],
        member.pk,
        affiliates.Application(website="https://blog.example/"),
        settings={"program_enabled": True},
        email=member.email,
    )


def _approved_affiliate(w):
    return affiliates.review(w["affiliate"].id, affiliates.AffiliateAction.APPROVE, actor=SYSTEM)


def _claim(w) -> str:
    """The customer's counterfeit claim on a paid (legacy) and fulfilled order of 2 x
    10.00, the deposit topped up to pay its compensation."""
    store = w["store"]
    order = fulfilled_order(store, w["product"].variants.get())
    filed = submit(w["api"], store, create_access_token(w["customer"]), order)
    assert filed["errors"] == [], filed
    adjust_deposit(w["program"], "500.00", reason="Security deposit", actor=SYSTEM)
    return filed["claim"]["id"]


def _deposit(w):
    return adjust_deposit(w["program"], "500.00", reason="Security deposit", actor=SYSTEM)


def _balances(w):
    """The customer holds 500 points and 40.00 USD of cash, to be corrected down."""
    fund(w["program"], w["customer"], 500, Kind.POINTS, key="points")
    return fund(w["program"], w["customer"], "40.00")


def _restricted(w):
    return restrict_member(w["customer"].pk, True, reason="Asked by e-mail", actor=SYSTEM)


def _override(w):
    """hold_days overridden in channel main, by staff (the override to reset)."""
    mutation = STAFF_MUTATIONS["rewardsProgramUpdate/settings"][0]
    body = w["api"].execute(mutation, {}, token=w["token"])
    assert body["data"]["rewardsProgramUpdate"]["errors"] == [], body


def _return_address(w):
    return set_return_address(
        w["program"],
        "US",
        {"name": "Returns desk", "street_address_1": "1 Dock Rd", "city": "Newark"},
        actor=SYSTEM,
    )


def _made(w, *parts) -> dict:
    """No variables, once the world has ``parts`` (e.g. the address to delete)."""
    for part in parts:
        w[part]
    return {}


@pytest.fixture
def world(
    request,
    store,
    media_root,
    settings,
    program,
    product,
    rewards_api,
    customer_user,
    customer_user2,
    staff_user,
    permission_manage_users,
    permission_manage_gift_card,
    permission_manage_discounts,
    permission_manage_plugins,
    permission_manage_payments,
    permission_manage_orders,
):
    """A channel with a pending review, and staff who may do every staff change; on
    demand what a decision acts on (``World.build``: a withdrawal, an affiliate, a
    claim, a deposit, balances, a restriction, an override, a return address...)."""
    settings.SALEOR_REWARDS_FERNET_KEYS = Fernet.generate_key().decode()
    settings.SALEOR_REWARDS_SEPA_DEBTOR_NAME = "Example Shop GmbH"
    settings.SALEOR_REWARDS_SEPA_DEBTOR_IBAN = "DE02120300000000202051"
    settings.SALEOR_REWARDS_SEPA_DEBTOR_BIC = "BYLADEM1001"
    grant(
        staff_user,
        permission_manage_users,
        permission_manage_gift_card,
        permission_manage_discounts,
        permission_manage_plugins,
        permission_manage_payments,
        permission_manage_orders,
    )
    review = Review.objects.create(
        program=program,
        member_id=customer_user.pk,
        order_id="1",
        order_line_id="11111111-1111-1111-1111-111111111111",
        text="Exactly as described, and it arrived in two days. Recommended.",
    )
    return World(
        {
            "withdrawal": _withdrawal,
            "approved_withdrawal": _approved_withdrawal,
            "eu": _eu,
            "eu_withdrawal": _eu_withdrawal,
            "affiliate": _affiliate,
            "approved_affiliate": _approved_affiliate,
            "claim": _claim,
            "deposit": _deposit,
            "balances": _balances,
            "restricted": _restricted,
            "override": _override,
            "return_address": _return_address,
        },
        fixture=request.getfixturevalue,
        program=program,
        store=store,
        product=product,
        api=rewards_api,
        customer=customer_user,
        customer2=customer_user2,
        staff=staff_user,
        token=create_access_token(staff_user),
        review=review,
        tier=Tier.objects.filter(program=program).order_by("position").last(),
    )


# One row per decision a staff mutation can take: "<mutation>" when it takes one,
# "<mutation>/<decision>" for each when it takes several (each value of an enum or
# Boolean argument, written in the mutation's text where the guard reads it; a
# credit and a debit; a first value and a replaced one).
# row -> (mutation, variables from the world, event type it records, subject shape)
# "changed": before and after both set; "created": before null; "deleted": after null.
STAFF_MUTATIONS = {
    "rewardsBalanceAdjust/POINTS+": (
        """mutation($user: ID!) { rewardsBalanceAdjust(userId: $user, channel: "main",
           kind: POINTS, amount: "120", reason: "Goodwill") { errors { field code } } }""",
        lambda w: {"user": user_global_id(w["customer"])},
        AuditEventType.BALANCE_ADJUSTED,
        "changed",
    ),
    "rewardsBalanceAdjust/POINTS-": (
        """mutation($user: ID!) { rewardsBalanceAdjust(userId: $user, channel: "main",
           kind: POINTS, amount: "-50", reason: "Credited twice") { errors { field code } } }""",
        lambda w: _made(w, "balances") | {"user": user_global_id(w["customer"])},
        AuditEventType.BALANCE_ADJUSTED,
        "changed",
    ),
    "rewardsBalanceAdjust/CASH+": (
        """mutation($user: ID!) { rewardsBalanceAdjust(userId: $user, channel: "main",
           kind: CASH, amount: "12.50", reason: "Goodwill") { errors { field code } } }""",
        lambda w: {"user": user_global_id(w["customer"])},
        AuditEventType.BALANCE_ADJUSTED,
        "changed",
    ),
    "rewardsBalanceAdjust/CASH-": (
        """mutation($user: ID!) { rewardsBalanceAdjust(userId: $user, channel: "main",
           kind: CASH, amount: "-15.00", reason: "Credited twice") { errors { field code } } }""",
        lambda w: _made(w, "balances") | {"user": user_global_id(w["customer"])},
        AuditEventType.BALANCE_ADJUSTED,
        "changed",
    ),
    "rewardsReviewModerate/APPROVE": (
        """mutation($id: ID!) { rewardsReviewModerate(id: $id, action: APPROVE,
           note: "Thanks") { errors { field code } } }""",
        lambda w: {"id": gid("RewardsReview", w["review"].id)},
        AuditEventType.REVIEW_APPROVED,
        "changed",
    ),
    "rewardsReviewModerate/REJECT": (
        """mutation($id: ID!) { rewardsReviewModerate(id: $id, action: REJECT,
           note: "Not about the product") { errors { field code } } }""",
        lambda w: {"id": gid("RewardsReview", w["review"].id)},
        AuditEventType.REVIEW_REJECTED,
        "changed",
    ),
    "rewardsProgramUpdate/settings": (
        """mutation { rewardsProgramUpdate(channel: "main", input: {settings: [
           {name: "hold_days", value: "5"}]}) { errors { field code } } }""",
        lambda w: {},
        AuditEventType.PROGRAM_SETTINGS_CHANGED,
        "changed",
    ),
    "rewardsProgramUpdate/reset": (
        """mutation { rewardsProgramUpdate(channel: "main", input: {reset: ["hold_days"]})
           { errors { field code } } }""",
        lambda w: _made(w, "override"),
        AuditEventType.PROGRAM_SETTINGS_CHANGED,
        "changed",
    ),
    "rewardsTierCreate": (
        """mutation { rewardsTierCreate(channel: "main", input: {name: "Ops Gold",
           minConsumption: "123456", discountPercent: "4"}) { errors { field code } } }""",
        lambda w: {},
        AuditEventType.TIER_CREATED,
        "created",
    ),
    "rewardsTierUpdate": (
        """mutation($id: ID!) { rewardsTierUpdate(id: $id, input: {discountPercent: "7"})
           { errors { field code } } }""",
        lambda w: {"id": gid("RewardsTier", w["tier"].id)},
        AuditEventType.TIER_UPDATED,
        "changed",
    ),
    "rewardsTierDelete": (
        """mutation($id: ID!) { rewardsTierDelete(id: $id) { errors { field code } } }""",
        lambda w: {"id": gid("RewardsTier", w["tier"].id)},
        AuditEventType.TIER_DELETED,
        "deleted",
    ),
    "rewardsMemberRestrict/true": (
        """mutation($user: ID!) { rewardsMemberRestrict(userId: $user, restricted: true,
           reason: "Asked by e-mail") { errors { field code } } }""",
        lambda w: {"user": user_global_id(w["customer"])},
        AuditEventType.MEMBER_RESTRICTED,
        "changed",
    ),
    "rewardsMemberRestrict/false": (
        """mutation($user: ID!) { rewardsMemberRestrict(userId: $user, restricted: false,
           reason: "Asked to lift it") { errors { field code } } }""",
        lambda w: _made(w, "restricted") | {"user": user_global_id(w["customer"])},
        AuditEventType.MEMBER_UNRESTRICTED,
        "changed",
    ),
    "rewardsMemberErase": (
        """mutation($user: ID!) { rewardsMemberErase(userId: $user, reason: "GDPR request")
           { errors { field code } } }""",
        lambda w: {"user": user_global_id(w["customer"])},
        AuditEventType.MEMBER_ERASED,
        "changed",
    ),
    "rewardsWithdrawalProcess/APPROVE": (
        """mutation($id: ID!) { rewardsWithdrawalProcess(id: $id, action: APPROVE)
           { errors { field code } } }""",
        lambda w: {"id": w["withdrawal"]},
        AuditEventType.WITHDRAWAL_APPROVED,
        "changed",
    ),
    "rewardsWithdrawalProcess/MARK_PAID": (
        """mutation($id: ID!) { rewardsWithdrawalProcess(id: $id, action: MARK_PAID,
           payoutReference: "PAYPAL-1") { errors { field code } } }""",
        lambda w: {"id": w["approved_withdrawal"]},
        AuditEventType.WITHDRAWAL_PAID,
        "changed",
    ),
    "rewardsWithdrawalProcess/REJECT": (
        """mutation($id: ID!) { rewardsWithdrawalProcess(id: $id, action: REJECT,
           note: "Account closed") { errors { field code } } }""",
        lambda w: {"id": w["withdrawal"]},
        AuditEventType.WITHDRAWAL_REJECTED,
        "changed",
    ),
    "rewardsWithdrawalProcess/REJECT-approved": (
        """mutation($id: ID!) { rewardsWithdrawalProcess(id: $id, action: REJECT,
           note: "Account closed") { errors { field code } } }""",
        lambda w: {"id": w["approved_withdrawal"]},
        AuditEventType.WITHDRAWAL_REJECTED,
        "changed",
    ),
    "rewardsWithdrawalProcess/MARK_FAILED": (
        """mutation($id: ID!) { rewardsWithdrawalProcess(id: $id, action: MARK_FAILED,
           note: "PayPal returned it") { errors { field code } } }""",
        lambda w: {"id": w["approved_withdrawal"]},
        AuditEventType.WITHDRAWAL_FAILED,
        "changed",
    ),
    # one event per withdrawal of the batch: the world's batch is one withdrawal
    "rewardsWithdrawalMarkPaid": (
        """mutation($ids: [ID!]!) { rewardsWithdrawalMarkPaid(ids: $ids,
           payoutReference: "PAYPAL-BATCH-1") { errors { field code } } }""",
        lambda w: {"ids": [w["approved_withdrawal"]]},
        AuditEventType.WITHDRAWAL_PAID,
        "changed",
    ),
    "rewardsWithdrawalPayoutFile/PAYPAL_CSV": (
        """mutation($ids: [ID!]!) { rewardsWithdrawalPayoutFile(ids: $ids,
           format: PAYPAL_CSV) { errors { field code } } }""",
        lambda w: {"ids": [w["approved_withdrawal"]]},
        AuditEventType.PAYOUT_FILE_CREATED,
        "created",
    ),
    "rewardsWithdrawalPayoutFile/SEPA_XML": (
        """mutation($ids: [ID!]!) { rewardsWithdrawalPayoutFile(ids: $ids,
           format: SEPA_XML) { errors { field code } } }""",
        lambda w: {"ids": [w["eu_withdrawal"]]},
        AuditEventType.PAYOUT_FILE_CREATED,
        "created",
    ),
    "rewardsAffiliateReview/APPROVE": (
        """mutation($id: ID!) { rewardsAffiliateReview(id: $id, action: APPROVE,
           commissionPercent: "3") { errors { field code } } }""",
        lambda w: {"id": gid("RewardsAffiliate", w["affiliate"].id)},
        AuditEventType.AFFILIATE_APPROVED,
        "changed",
    ),
    "rewardsAffiliateReview/REJECT": (
        """mutation($id: ID!) { rewardsAffiliateReview(id: $id, action: REJECT,
           note: "No audience yet") { errors { field code } } }""",
        lambda w: {"id": gid("RewardsAffiliate", w["affiliate"].id)},
        AuditEventType.AFFILIATE_REJECTED,
        "changed",
    ),
    "rewardsAffiliateReview/SUSPEND": (
        """mutation($id: ID!) { rewardsAffiliateReview(id: $id, action: SUSPEND,
           note: "Spam links") { errors { field code } } }""",
        lambda w: {"id": gid("RewardsAffiliate", w["approved_affiliate"].id)},
        AuditEventType.AFFILIATE_SUSPENDED,
        "changed",
    ),
    # the approval refunds through Saleor and pays from the deposit: still one event
    "rewardsClaimProcess/APPROVE": (
        """mutation($id: ID!) { rewardsClaimProcess(id: $id, action: APPROVE)
           { errors { field code } } }""",
        lambda w: {"id": w["claim"]},
        AuditEventType.CLAIM_APPROVED,
        "changed",
    ),
    "rewardsClaimProcess/REQUEST_INFO": (
        """mutation($id: ID!) { rewardsClaimProcess(id: $id, action: REQUEST_INFO,
           note: "A photo of the label, please") { errors { field code } } }""",
        lambda w: {"id": w["claim"]},
        AuditEventType.CLAIM_INFO_REQUESTED,
        "changed",
    ),
    "rewardsClaimProcess/REJECT": (
        """mutation($id: ID!) { rewardsClaimProcess(id: $id, action: REJECT,
           note: "The item is genuine") { errors { field code } } }""",
        lambda w: {"id": w["claim"]},
        AuditEventType.CLAIM_REJECTED,
        "changed",
    ),
    "rewardsDepositAdjust/up": (
        """mutation { rewardsDepositAdjust(channel: "main", amount: "250.00",
           reason: "Security deposit") { errors { field code } } }""",
        lambda w: {},
        AuditEventType.DEPOSIT_ADJUSTED,
        "changed",
    ),
    "rewardsDepositAdjust/down": (
        """mutation { rewardsDepositAdjust(channel: "main", amount: "-120.00",
           reason: "Booked twice") { errors { field code } } }""",
        lambda w: _made(w, "deposit"),
        AuditEventType.DEPOSIT_ADJUSTED,
        "changed",
    ),
    "rewardsReturnAddressSet/new": (
        """mutation { rewardsReturnAddressSet(channel: "main", country: "US", input: {
           name: "Returns desk", streetAddress1: "1 Dock Rd", city: "Newark"})
           { errors { field code } } }""",
        lambda w: {},
        AuditEventType.RETURN_ADDRESS_SET,
        "created",
    ),
    "rewardsReturnAddressSet/replaced": (
        """mutation { rewardsReturnAddressSet(channel: "main", country: "US", input: {
           name: "Returns desk", streetAddress1: "9 Pier St", city: "Newark"})
           { errors { field code } } }""",
        lambda w: _made(w, "return_address"),
        AuditEventType.RETURN_ADDRESS_SET,
        "changed",
    ),
    "rewardsReturnAddressDelete": (
        """mutation { rewardsReturnAddressDelete(channel: "main", country: "US")
           { errors { field code } } }""",
        lambda w: _made(w, "return_address"),
        AuditEventType.RETURN_ADDRESS_DELETED,
        "deleted",
    ),
}
# Their events belong to no program: they act on the member in every channel.
EVERY_CHANNEL = {"rewardsMemberRestrict", "rewardsMemberErase"}
# SEPA pays EUR only: its row's withdrawal is in channel "eu".
IN_EU = {"rewardsWithdrawalPayoutFile/SEPA_XML"}
# Decisions the schema offers that are refused, so no row: no member has a deposit
# (the channel's deposit is adjusted with rewardsDepositAdjust).
REFUSED = {"rewardsBalanceAdjust": {"kind=DEPOSIT"}}

# Calls that mark a mutation as staff-only: a permission check (graphql/context.py),
# or a helper that makes it (withdrawals' and privacy's, in graphql/mutations/).
STAFF_CHECKS = (
    "require_perm(",
    "require_any_perm(",
    "staff_program(",
    "staff_withdrawal_ids(",
    "privacy_target(",
)


def _staff_only_mutations() -> set[str]:
    found = set()
    for name, field in Mutation._meta.fields.items():
        source = inspect.getsource(field.type)
        if any(check in source for check in STAFF_CHECKS):
            found.add(_camel(name))
    return found


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _decisions(name: str) -> set[str]:
    """Every decision the schema offers in mutation ``name``: each value of its enum
    arguments and true and false of its Boolean ones, as ``argument=VALUE``."""
    found = set()
    for argument, definition in schema.get_mutation_type().fields[name].args.items():
        kind = get_named_type(definition.type)
        if isinstance(kind, GraphQLEnumType):
            found |= {f"{argument}={value.name}" for value in kind.values}
        elif kind.name == "Boolean":
            found |= {f"{argument}=true", f"{argument}=false"}
    return found


def _called(mutation: str) -> tuple[str, set[str]]:
    """The mutation a row's text calls, and the decisions written in it (enum and
    Boolean values; one passed in a variable is not seen)."""
    (operation,) = parse(mutation).definitions
    (field,) = operation.selection_set.selections
    written = {
        f"{argument.name.value}={print_ast(argument.value)}"
        for argument in field.arguments
        if isinstance(argument.value, EnumValue | BooleanValue)
    }
    return field.name.value, written


def _rows_by_mutation() -> dict[str, set[str]]:
    """Mutation -> the decisions its rows take."""
    rows: dict[str, set[str]] = {}
    for mutation, *_ in STAFF_MUTATIONS.values():
        name, written = _called(mutation)
        rows.setdefault(name, set()).update(written)
    return rows


def test_P4_every_staff_only_mutation_is_in_the_audit_table():
    staff_only = _staff_only_mutations()
    in_table = set(_rows_by_mutation())

    missing = sorted(staff_only - in_table)
    assert not missing, (
        f"staff mutations without a row in STAFF_MUTATIONS (each must write exactly "
        f"one audit event with before/after; add them): {', '.join(missing)}"
    )
    # and the table names no mutation that is not a staff-only one (renamed, gone)
    assert in_table <= staff_only
    # each row is named after the mutation it calls
    for row, (mutation, *_) in STAFF_MUTATIONS.items():
        assert row.split("/")[0] == _called(mutation)[0], row


def test_P4_every_decision_of_a_staff_mutation_is_in_the_audit_table():
    rows = _rows_by_mutation()

    missing = sorted(
        f"{name}({decision})"
        for name in _staff_only_mutations()
        for decision in _decisions(name) - rows.get(name, set()) - REFUSED.get(name, set())
    )
    assert not missing, (
        f"staff decisions without a row in STAFF_MUTATIONS (write the value in the row's "
        f"mutation text; each must write exactly one audit event): {', '.join(missing)}"
    )


def test_P4_the_guard_sees_customer_mutations_as_not_staff_only():
    staff_only = _staff_only_mutations()

    assert "rewardsCheckoutRedeem" not in staff_only
    assert "rewardsReviewSubmit" not in staff_only
    assert {"rewardsBalanceAdjust", "rewardsTierDelete"} <= staff_only


def test_P4_the_guard_sees_every_decision_of_the_schema():
    assert _decisions("rewardsWithdrawalProcess") == {
        "action=APPROVE",
        "action=MARK_PAID",
        "action=REJECT",
        "action=MARK_FAILED",
    }
    assert _decisions("rewardsMemberRestrict") == {"restricted=true", "restricted=false"}
    assert _decisions("rewardsTierDelete") == set()
    assert _called(STAFF_MUTATIONS["rewardsClaimProcess/REJECT"][0]) == (
        "rewardsClaimProcess",
        {"action=REJECT"},
    )


@pytest.mark.parametrize("amount", ["-1", "1", "999999999"])
def test_P4_a_refused_decision_writes_no_event(world, rewards_api, amount):
    # the deposit is not a member's balance: refused as such whatever the amount (a
    # large credit used to meet the credit limit first and answer LIMIT_EXCEEDED)
    assert {"rewardsBalanceAdjust": {"kind=DEPOSIT"}} == REFUSED
    before = AuditEvent.objects.count()

    body = rewards_api.execute(
        """mutation($user: ID!, $amount: Decimal!) { rewardsBalanceAdjust(userId: $user,
           channel: "main", kind: DEPOSIT, amount: $amount, reason: "Booked twice") {
           errors { field code } } }""",
        {"user": user_global_id(world["customer"]), "amount": amount},
        token=world["token"],
    )

    assert body["data"]["rewardsBalanceAdjust"]["errors"] == [{"field": "kind", "code": "INVALID"}]
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("row", sorted(STAFF_MUTATIONS))
def test_P4_a_staff_mutation_writes_exactly_one_audit_event_with_before_and_after(
    row, world, rewards_api
):
    mutation, variables, event_type, shape = STAFF_MUTATIONS[row]
    name, _written = _called(mutation)
    values = variables(world)  # first: making the world may write events
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    body = rewards_api.execute(mutation, values, token=world["token"])

    assert "errors" not in body, body["errors"]
    assert body["data"][name]["errors"] == []
    new = list(AuditEvent.objects.filter(id__gt=last))
    assert len(new) == 1, [(e.type, e.subject_type) for e in new]
    event = new[0]
    assert event.type == event_type
    assert (event.actor_type, event.actor_id) == ("staff", str(world["staff"].pk))
    if name in EVERY_CHANNEL:
        assert event.program_id is None
    else:
        assert event.program_id == world["eu" if row in IN_EU else "program"].id
    if shape == "changed":
        assert event.before is not None and event.after is not None
        assert event.before != event.after
    elif shape == "created":
        assert event.before is None and event.after
    else:
        assert event.before and event.after is None


@pytest.mark.parametrize("row", sorted(STAFF_MUTATIONS))
def test_P4_a_refused_staff_mutation_writes_no_event(row, world, rewards_api, customer_user):
    mutation, variables, _type, _shape = STAFF_MUTATIONS[row]
    name, _written = _called(mutation)
    values = variables(world)
    before = AuditEvent.objects.count()

    body = rewards_api.execute(mutation, values, token=create_access_token(customer_user))

    assert body["data"][name]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert AuditEvent.objects.count() == before


def _event(world) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_type="staff",
        actor_id=str(world["staff"].pk),
        type=AuditEventType.TIER_UPDATED,
        program=world["program"],
        subject_type="tier",
        subject_id=str(world["tier"].id),
        before={"discount_percent": "1"},
        after={"discount_percent": "2"},
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE rewards_audit_event SET after = '{}'::jsonb WHERE id = %s",
        "DELETE FROM rewards_audit_event WHERE id = %s",
    ],
)
def test_P4_the_database_refuses_to_edit_or_delete_an_audit_event(statement, world):
    event = _event(world)

    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.id])

    event.refresh_from_db()
    assert event.after == {"discount_percent": "2"}


def test_P4_plugin_update_records_one_event_with_the_changed_settings(
    world, staff_api_client, permission_manage_plugins
):
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = staff_api_client.post_graphql(
        PLUGIN_UPDATE,
        {
            "id": PLUGIN_ID,
            "active": True,
            "configuration": [
                {"name": "hold_days", "value": "9"},
                {"name": "points_per_unit", "value": "100"},  # unchanged: not recorded
            ],
        },
    )

    assert get_graphql_content(response)["data"]["pluginUpdate"]["pluginsErrors"] == []
    new = list(AuditEvent.objects.filter(id__gt=last))
    assert len(new) == 1
    event = new[0]
    assert event.type == AuditEventType.PLUGIN_SETTINGS_CHANGED
    assert (event.subject_type, event.subject_id, event.program_id) == ("plugin", PLUGIN_ID, None)
    assert (event.actor_type, event.actor_id) == ("staff", str(staff_api_client.user.pk))
    assert event.before == {"hold_days": "0"}
    assert event.after == {"hold_days": "9"}


def test_P4_plugin_update_that_changes_nothing_records_nothing(
    world, staff_api_client, permission_manage_plugins
):
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    before = AuditEvent.objects.count()

    response = staff_api_client.post_graphql(
        PLUGIN_UPDATE, {"id": PLUGIN_ID, "active": True, "configuration": []}
    )

    assert get_graphql_content(response)["data"]["pluginUpdate"]["pluginsErrors"] == []
    assert AuditEvent.objects.count() == before


def test_P4_plugin_update_switching_off_is_recorded_and_a_refused_one_is_not(
    world, staff_api_client, permission_manage_plugins
):
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    before = AuditEvent.objects.count()

    refused = staff_api_client.post_graphql(
        PLUGIN_UPDATE,
        {"id": PLUGIN_ID, "active": False, "configuration": [{"name": "hold_days", "value": "x"}]},
    )
    assert get_graphql_content(refused)["data"]["pluginUpdate"]["pluginsErrors"]
    assert AuditEvent.objects.count() == before

    staff_api_client.post_graphql(PLUGIN_UPDATE, {"id": PLUGIN_ID, "active": False})

    event = AuditEvent.objects.get(type=AuditEventType.PLUGIN_SETTINGS_CHANGED)
    assert (event.before, event.after) == ({"active": True}, {"active": False})


def test_P4_secret_settings_are_masked_in_the_audit_trail():
    class Row:
        active = True
        configuration = [
            {"name": "payout_api_key", "value": "sk-live-1234"},
            {"name": "hold_days", "value": "3"},
        ]

    shown = plugin_audit.audited_values(Row)

    assert shown == {"active": True, "payout_api_key": plugin_audit.MASK, "hold_days": "3"}


def test_P4_audit_events_are_read_newest_first_with_who_what_and_before_after(world, rewards_api):
    token = world["token"]
    for row in ("rewardsTierUpdate", "rewardsBalanceAdjust/POINTS+"):
        mutation, variables, _type, _shape = STAFF_MUTATIONS[row]
        name, _written = _called(mutation)
        assert (
            rewards_api.execute(mutation, variables(world), token=token)["data"][name]["errors"]
            == []
        )

    body = rewards_api.execute(AUDIT_EVENTS, {"channel": "main", "first": 1}, token=token)

    page = body["data"]["rewardsAuditEvents"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"] is True
    newest = page["edges"][0]["node"]
    assert newest["type"] == "BALANCE_ADJUSTED"
    assert newest["actorType"] == "USER"
    assert newest["actorId"] == user_global_id(world["staff"])
    assert newest["channel"] == "main"
    assert json.loads(newest["before"])["available"] == "0"
    assert json.loads(newest["after"])["available"] == "120"

    second = rewards_api.execute(
        AUDIT_EVENTS,
        {"channel": "main", "first": 5, "after": page["pageInfo"]["endCursor"]},
        token=token,
    )["data"]["rewardsAuditEvents"]["edges"]
    assert [edge["node"]["type"] for edge in second] == ["TIER_UPDATED"]
    tier_event = second[0]["node"]
    assert tier_event["subjectId"] == gid("RewardsTier", world["tier"].id)

    # filtered by subject (the id the trail showed) and by actor
    by_subject = rewards_api.execute(
        AUDIT_EVENTS, {"subject": tier_event["subjectId"]}, token=token
    )["data"]["rewardsAuditEvents"]
    assert [e["node"]["id"] for e in by_subject["edges"]] == [tier_event["id"]]
    by_someone_else = rewards_api.execute(
        AUDIT_EVENTS, {"actor": user_global_id(world["customer"])}, token=token
    )["data"]["rewardsAuditEvents"]
    assert by_someone_else["totalCount"] == 0


def test_P4_reading_the_audit_trail_needs_manage_plugins(
    world, rewards_api, app_can_manage_users, customer_user
):
    _event(world)
    _, app_token = app_can_manage_users.tokens.create(name="back office")
    tokens = (create_access_token(customer_user), app_token, None)
    for token in tokens:
        body = rewards_api.post(AUDIT_EVENTS, {}, token=token).json()
        assert body["data"] is None or body["data"]["rewardsAuditEvents"] is None
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_P4_a_bad_subject_or_actor_filter_is_invalid(world, rewards_api):
    body = rewards_api.post(AUDIT_EVENTS, {"subject": gid("Order", 1)}, token=world["token"])
    assert body.json()["errors"][0]["extensions"]["code"] == "INVALID"
    body = rewards_api.post(AUDIT_EVENTS, {"actor": "nonsense"}, token=world["token"]).json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


def test_P4_plugin_update_by_an_app_names_the_app(world, app_api_client, permission_manage_plugins):
    app_api_client.app.permissions.add(permission_manage_plugins)

    response = app_api_client.post_graphql(
        PLUGIN_UPDATE,
        {"id": PLUGIN_ID, "active": True, "configuration": [{"name": "hold_days", "value": "4"}]},
    )

    assert get_graphql_content(response)["data"]["pluginUpdate"]["pluginsErrors"] == []
    event = AuditEvent.objects.get(type=AuditEventType.PLUGIN_SETTINGS_CHANGED)
    assert (event.actor_type, event.actor_id) == ("app", str(app_api_client.app.pk))


def test_P4_staff_restricted_to_other_channels_see_none_of_mains_events(
    world, rewards_api, staff_users, permission_manage_plugins, channel_PLN
):
    _event(world)
    # staff_users[1] is in Saleor's unrestricted "Manage orders group" (the store's)
    other_staff = grant(staff_users[2], permission_manage_plugins, channels=[channel_PLN])
    token = create_access_token(other_staff)

    mine = rewards_api.execute(AUDIT_EVENTS, {}, token=token)["data"]["rewardsAuditEvents"]
    refused = rewards_api.post(AUDIT_EVENTS, {"channel": "main"}, token=token).json()

    assert mine["totalCount"] == 0
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
