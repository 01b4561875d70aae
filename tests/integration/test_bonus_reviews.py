"""SPEC §3 in a real Saleor: the verification bonus (B1) from Saleor's confirmAccount,
reviews of order lines (B2) through the plugin's endpoint, and the daily cap (B3)."""

import logging

import graphene
import pytest
from saleor.core.jwt import create_access_token
from saleor.core.tokens import account_confirm_token_generator
from saleor.plugins.manager import get_plugins_manager
from saleor.site import AccountConfirmMode

from saleor_rewards.ledger import Kind, LotSource, balance
from saleor_rewards.ledger.models import Account, Lot
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.saleor_adapter.tasks import accounts as account_tasks

TEXT = "Fits well, warm, and the zip feels solid after a month."  # >= 30 characters

CONFIRM_ACCOUNT = """mutation($email: String!, $token: String!) {
  confirmAccount(email: $email, token: $token) {
    errors { field code } user { email } } }"""
SUBMIT = """mutation($line: ID!, $text: String!, $photos: [String!]) {
  rewardsReviewSubmit(orderLineId: $line, text: $text, photoUrls: $photos) {
    errors { field code message }
    review { id status points orderLineId productId channel } } }"""
MODERATE = """mutation($id: ID!, $action: RewardsReviewAction!, $note: String) {
  rewardsReviewModerate(id: $id, action: $action, note: $note) {
    errors { field code message } review { status points note decidedAt } } }"""
REVIEWS = """query($status: RewardsReviewStatus) { rewardsReviews(status: $status) {
  totalCount edges { node { id status } } } }"""
MY_REVIEWS = """query($channel: String!) { rewardsMe(channel: $channel) {
  points { available } reviews { totalCount edges { node { status points } } } } }"""


def points_of(user, channel) -> int:
    account = Account.objects.filter(
        program__channel_slug=channel.slug, member_id=user.pk, kind=Kind.POINTS
    ).first()
    return int(balance(account).available) if account else 0


def line_id(line) -> str:
    return graphene.Node.to_global_id("OrderLine", line.pk)


@pytest.fixture
def customer_token(customer_user):
    return create_access_token(customer_user)


@pytest.fixture
def staff_token(staff_can_manage_users):
    return create_access_token(staff_can_manage_users)


@pytest.fixture
def app_token(app_can_manage_users):
    _, token = app_can_manage_users.tokens.create(name="reviews moderation")
    return token


@pytest.fixture
def fulfilled_line(fulfilled_order):
    return fulfilled_order.lines.order_by("pk").first()


@pytest.fixture
def submit(rewards_api, customer_token, fulfilled_line):
    def submit(line=fulfilled_line, text=TEXT, photos=None, token=customer_token):
        body = rewards_api.execute(
            SUBMIT, {"line": line_id(line), "text": text, "photos": photos}, token=token
        )
        return body["data"]["rewardsReviewSubmit"]

    return submit


@pytest.fixture
def moderate(rewards_api, staff_token):
    def moderate(review_id, action, token=staff_token, note=None):
        body = rewards_api.execute(
            MODERATE, {"id": review_id, "action": action, "note": note}, token=token
        )
        return body["data"]["rewardsReviewModerate"]

    return moderate


def confirm_account(api_client, user, site_settings):
    site_settings.account_confirm_merge_mode = AccountConfirmMode.MERGE_DISABLED
    site_settings.save(update_fields=["account_confirm_merge_mode"])
    token = account_confirm_token_generator.make_token(user)
    response = api_client.post_graphql(CONFIRM_ACCOUNT, {"email": user.email, "token": token})
    assert response.json()["data"]["confirmAccount"]["errors"] == []


# --- B1 --------------------------------------------------------------------------


def test_B1_confirm_account_awards_the_bonus_once_even_when_the_hook_fires_twice(
    plugin_configuration_row,
    api_client,
    customer_user,
    channel_USD,
    site_settings,
    django_capture_on_commit_callbacks,
):
    plugin_configuration_row(active=True, signup_bonus_points="100")
    customer_user.is_confirmed = False
    customer_user.save(update_fields=["is_confirmed"])

    with django_capture_on_commit_callbacks(execute=True):
        confirm_account(api_client, customer_user, site_settings)
    assert points_of(customer_user, channel_USD) == 100
    with django_capture_on_commit_callbacks(execute=True):
        get_plugins_manager(allow_replica=False).account_confirmed(customer_user)

    assert points_of(customer_user, channel_USD) == 100
    lot = Lot.objects.get(
        account__member_id=customer_user.pk, account__program__channel_slug="main"
    )
    assert (lot.source, lot.status) == (LotSource.BONUS, "available")


def test_B1_inactive_plugin_awards_no_bonus(
    plugin_configuration_row,
    customer_user,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    plugin_configuration_row(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        get_plugins_manager(allow_replica=False).account_confirmed(customer_user)
    assert not Lot.objects.exists()


def test_B1_a_queue_failure_is_logged_not_raised(
    active_rewards_plugin,
    customer_user,
    channel_USD,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    def broken_queue(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(account_tasks.award_email_verified_task, "delay", broken_queue)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        get_plugins_manager(allow_replica=False).account_confirmed(customer_user)
    assert "could not queue" in caplog.text
    assert not Lot.objects.exists()


# --- B2 --------------------------------------------------------------------------


def test_B2_customer_submits_a_pending_review_of_a_fulfilled_line(
    active_rewards_plugin, submit, fulfilled_line, channel_USD
):
    result = submit()
    assert result["errors"] == []
    product_id = graphene.Node.to_global_id("Product", fulfilled_line.variant.product_id)
    assert result["review"]["status"] == "PENDING"
    assert result["review"]["orderLineId"] == line_id(fulfilled_line)
    assert result["review"]["productId"] == product_id
    assert result["review"]["channel"] == channel_USD.slug
    assert Review.objects.get().order_line_id == str(fulfilled_line.pk)


def test_B2_staff_with_manage_users_approves_and_the_member_earns(
    active_rewards_plugin, submit, moderate, customer_user, channel_USD
):
    review_id = submit()["review"]["id"]
    result = moderate(review_id, "APPROVE", note="Thanks!")
    assert result["errors"] == []
    assert (result["review"]["status"], result["review"]["points"]) == ("APPROVED", 5)
    assert points_of(customer_user, channel_USD) == 5
    lot = Lot.objects.get()
    assert (lot.source, lot.reference_type, lot.reference_id) == (
        LotSource.REVIEW,
        "REVIEW",
        str(Review.objects.get().pk),
    )


def test_B2_app_with_manage_users_approves(
    active_rewards_plugin, submit, moderate, app_token, customer_user, channel_USD
):
    review_id = submit(photos=["https://img.example/jacket.jpg"])["review"]["id"]
    result = moderate(review_id, "APPROVE", token=app_token)
    assert result["errors"] == []
    assert result["review"]["points"] == 10
    assert Review.objects.get().moderated_by.startswith("app:")


def test_B2_staff_lists_pending_reviews(active_rewards_plugin, submit, rewards_api, staff_token):
    review_id = submit()["review"]["id"]
    body = rewards_api.execute(REVIEWS, {"status": "PENDING"}, token=staff_token)
    assert body["data"]["rewardsReviews"]["edges"] == [
        {"node": {"id": review_id, "status": "PENDING"}}
    ]


def test_B2_rejection_awards_nothing(
    active_rewards_plugin, submit, moderate, customer_user, channel_USD
):
    review_id = submit()["review"]["id"]
    result = moderate(review_id, "REJECT", note="Off topic")
    assert (result["review"]["status"], result["review"]["points"]) == ("REJECTED", 0)
    assert not Lot.objects.exists()


def test_B2_a_decided_review_cannot_be_decided_again(active_rewards_plugin, submit, moderate):
    review_id = submit()["review"]["id"]
    moderate(review_id, "REJECT")
    result = moderate(review_id, "APPROVE")
    assert [e["code"] for e in result["errors"]] == ["CONFLICT"]
    assert not Lot.objects.exists()


def test_B2_too_short_text_earns_no_text_points(
    active_rewards_plugin, submit, moderate, customer_user, channel_USD
):
    review_id = submit(text="Nice.")["review"]["id"]
    assert moderate(review_id, "APPROVE")["review"]["points"] == 0
    assert points_of(customer_user, channel_USD) == 0


def test_B2_too_short_text_with_a_photo_earns_the_photo_points(
    active_rewards_plugin, submit, moderate, customer_user, channel_USD
):
    review_id = submit(text="Nice.", photos=["https://img.example/a.jpg"])["review"]["id"]
    assert moderate(review_id, "APPROVE")["review"]["points"] == 5
    assert points_of(customer_user, channel_USD) == 5


def test_B2_someone_elses_line_is_not_found(active_rewards_plugin, submit, customer_user2):
    result = submit(token=create_access_token(customer_user2))
    assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]
    assert not Review.objects.exists()


def test_B2_unfulfilled_line_is_not_eligible(
    active_rewards_plugin, rewards_api, customer_token, order_with_lines
):
    line = order_with_lines.lines.first()
    body = rewards_api.execute(SUBMIT, {"line": line_id(line), "text": TEXT}, token=customer_token)
    result = body["data"]["rewardsReviewSubmit"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("NOT_ELIGIBLE", "orderLineId")]
    assert not Review.objects.exists()


def test_B2_second_review_of_a_line_already_exists(active_rewards_plugin, submit):
    submit()
    result = submit(text="Changed my mind: " + TEXT)
    assert [e["code"] for e in result["errors"]] == ["ALREADY_EXISTS"]
    assert Review.objects.count() == 1


def test_B2_member_reads_own_reviews(
    active_rewards_plugin, submit, moderate, rewards_api, customer_token, channel_USD
):
    moderate(submit()["review"]["id"], "APPROVE")
    body = rewards_api.execute(MY_REVIEWS, {"channel": channel_USD.slug}, token=customer_token)
    me = body["data"]["rewardsMe"]
    assert me["points"]["available"] == 5
    assert me["reviews"]["edges"] == [{"node": {"status": "APPROVED", "points": 5}}]


# --- B3 --------------------------------------------------------------------------


def test_B3_review_is_cut_to_what_the_bonus_left_of_the_daily_cap(
    plugin_configuration_row,
    submit,
    moderate,
    customer_user,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    plugin_configuration_row(
        active=True, daily_points_cap="8", signup_bonus_points="5", review_points="5"
    )
    with django_capture_on_commit_callbacks(execute=True):
        get_plugins_manager(allow_replica=False).account_confirmed(customer_user)
    review_id = submit()["review"]["id"]

    result = moderate(review_id, "APPROVE")

    assert result["review"]["points"] == 3
    assert points_of(customer_user, channel_USD) == 8
