"""B2 reviews through the HTTP view, with the in-memory order lines of tests/fakes.py."""

import json

import pytest
from django.test import RequestFactory
from graphql_relay import to_global_id

from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import (
    Requestor,
    RequestorKind,
    RewardsContext,
)
from saleor_rewards.graphql.permissions import MANAGE_USERS
from saleor_rewards.ledger.models import Lot, Program
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.programs.reviews.ports import OrderLineInfo

from ...fakes import FakeOrderLines, fake_shop

pytestmark = pytest.mark.django_db

LINE = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
TEXT = "Fits well, warm, and the zip feels solid after a month."
CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7)
MANAGERS = frozenset({MANAGE_USERS})
STAFF = Requestor(kind=RequestorKind.STAFF, user_id=1, permissions=MANAGERS)
APP = Requestor(kind=RequestorKind.APP, app_id=3, permissions=MANAGERS)
APP_NO_PERMS = Requestor(kind=RequestorKind.APP, app_id=4)

SUBMIT = """mutation($line: ID!, $text: String!, $photos: [String!]) {
  rewardsReviewSubmit(orderLineId: $line, text: $text, photoUrls: $photos) {
    errors { field code message }
    review { id status text photoUrls points orderLineId productId channel note } } }"""
MODERATE = """mutation($id: ID!, $action: RewardsReviewAction!, $note: String) {
  rewardsReviewModerate(id: $id, action: $action, note: $note) {
    errors { field code message } review { status points note decidedAt } } }"""
REVIEWS = """query($status: RewardsReviewStatus) { rewardsReviews(status: $status) {
  totalCount edges { node { id status } } } }"""
MY_REVIEWS = """{ rewardsMe(channel: "main") { reviews(first: 5) {
  totalCount edges { node { status points orderLineId } } } } }"""


@pytest.fixture
def program():
    return Program.objects.create(channel_slug="main", currency="EUR")


def call(query, variables, requestor):
    lines = [OrderLineInfo(LINE, "order-1", 7, "main", product_id="42", fulfilled=True)]
    context = RewardsContext(shop=fake_shop(order_lines=FakeOrderLines(lines)), requestor=requestor)
    body = json.dumps({"query": query, "variables": variables})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    return json.loads(view.handle(request, context).content)


def submit(requestor=CUSTOMER, line=LINE, photos=None):
    variables = {"line": to_global_id("OrderLine", line), "text": TEXT, "photos": photos}
    return call(SUBMIT, variables, requestor)["data"]["rewardsReviewSubmit"]


def test_B2_customer_submits_a_pending_review_of_a_received_line(program):
    result = submit(photos=["https://img.example/a.jpg"])
    assert result["errors"] == []
    assert result["review"] == {
        "id": to_global_id("RewardsReview", Review.objects.get().id),
        "status": "PENDING",
        "text": TEXT,
        "photoUrls": ["https://img.example/a.jpg"],
        "points": 0,
        "orderLineId": to_global_id("OrderLine", LINE),
        "productId": to_global_id("Product", "42"),
        "channel": "main",
        "note": "",
    }


def test_B2_unknown_line_is_not_found(program):
    result = submit(line="00000000-0000-0000-0000-000000000000")
    assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]


def test_B2_anonymous_cannot_submit(program):
    result = submit(requestor=Requestor())
    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert not Review.objects.exists()


@pytest.mark.parametrize("moderator", [STAFF, APP])
def test_B2_staff_or_app_with_manage_users_approves(program, moderator):
    review_id = submit()["review"]["id"]
    variables = {"id": review_id, "action": "APPROVE", "note": "ok"}
    moderated = call(MODERATE, variables, moderator)["data"]["rewardsReviewModerate"]
    assert moderated["errors"] == []
    review = moderated["review"]
    assert (review["status"], review["points"]) == ("APPROVED", 5)
    assert Lot.objects.get().amount == 5


@pytest.mark.parametrize("moderator", [CUSTOMER, APP_NO_PERMS])
def test_B2_moderation_needs_manage_users(program, moderator):
    review_id = submit()["review"]["id"]
    result = call(MODERATE, {"id": review_id, "action": "APPROVE"}, moderator)
    assert [e["code"] for e in result["data"]["rewardsReviewModerate"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    assert Review.objects.get().status == "pending"


def test_B2_second_decision_is_a_conflict(program):
    review_id = submit()["review"]["id"]
    call(MODERATE, {"id": review_id, "action": "REJECT"}, STAFF)
    result = call(MODERATE, {"id": review_id, "action": "APPROVE"}, STAFF)
    assert [e["code"] for e in result["data"]["rewardsReviewModerate"]["errors"]] == ["CONFLICT"]
    assert not Lot.objects.exists()


def test_B2_staff_lists_reviews_by_status(program):
    review_id = submit()["review"]["id"]
    pending = call(REVIEWS, {"status": "PENDING"}, STAFF)["data"]["rewardsReviews"]
    approved = call(REVIEWS, {"status": "APPROVED"}, STAFF)["data"]["rewardsReviews"]
    assert pending["edges"] == [{"node": {"id": review_id, "status": "PENDING"}}]
    assert approved["totalCount"] == 0


def test_B2_customer_cannot_list_all_reviews(program):
    body = call(REVIEWS, {}, CUSTOMER)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_B2_member_reads_own_reviews(program):
    submit()
    reviews = call(MY_REVIEWS, {}, CUSTOMER)["data"]["rewardsMe"]["reviews"]
    node = {"status": "PENDING", "points": 0, "orderLineId": to_global_id("OrderLine", LINE)}
    assert reviews == {"totalCount": 1, "edges": [{"node": node}]}
