"""SPEC §3 bonus points and reviews (B1-B3) in the domain, without Saleor."""

from datetime import UTC, datetime

import pytest

from saleor_rewards import config
from saleor_rewards.ledger import Kind, LotSource, balance, credit, open_account
from saleor_rewards.ledger.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    NotEligible,
    NotFound,
    ProgramDisabled,
)
from saleor_rewards.ledger.models import Lot
from saleor_rewards.programs.channel.members import Member
from saleor_rewards.programs.loyalty import daily_cap
from saleor_rewards.programs.loyalty.bonus import award_email_verified
from saleor_rewards.programs.reviews.models import ReviewStatus
from saleor_rewards.programs.reviews.services import (
    OrderLineInfo,
    ReviewAction,
    moderate_review,
    review_points,
    submit_review,
)

from .helpers import T0, at, settle

pytestmark = pytest.mark.django_db

TEXT = "Fits well, warm, and the zip feels solid after a month."  # 55 characters


def settings_with(**values):
    return config.parse({name: str(value) for name, value in values.items()})


def available(program, member) -> int:
    return int(balance(open_account(program, member, Kind.POINTS), now=T0).available)


def line_of(program, member, *, line_id="line-1", fulfilled=True):
    return OrderLineInfo(
        line_id=line_id,
        order_id="order-1",
        owner_id=member,
        channel_slug=program.channel_slug,
        product_id="42",
        fulfilled=fulfilled,
    )


def submitted(program, member, *, text=TEXT, photos=(), line_id="line-1", settings=None):
    return submit_review(
        Member(program, member, now=T0),
        line_of(program, member, line_id=line_id),
        text,
        list(photos),
        settings=settings or settings_with(),
    )


# --- B3: daily cap arithmetic --------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "cap", "earned", "expected"),
    [
        (5, 0, 1000, 5),  # 0 = no cap
        (5, 8, 5, 3),  # cut to what is left
        (5, 8, 8, 0),  # nothing left
        (5, 8, 12, 0),  # over already (a purchase counted later): never negative
        (5, 100, 0, 5),
        (0, 8, 0, 0),
    ],
)
def test_B3_cut_leaves_at_most_what_is_left_of_the_cap(amount, cap, earned, expected):
    assert daily_cap.cut(amount, cap, earned) == expected


def test_B3_day_is_the_utc_calendar_day():
    start, end = daily_cap.day_bounds(datetime(2030, 1, 1, 23, 30, tzinfo=UTC))
    assert start == datetime(2030, 1, 1, tzinfo=UTC)
    assert end == datetime(2030, 1, 2, tzinfo=UTC)


def test_B3_purchases_count_only_when_the_setting_says_so():
    assert LotSource.LOYALTY not in daily_cap.counted_sources(settings_with())
    included = settings_with(daily_cap_includes_purchases="true")
    assert LotSource.LOYALTY in daily_cap.counted_sources(included)


def test_B3_capped_counts_todays_activity_lots_only(program, member, points):
    credit(points, 4, key="b", source=LotSource.BONUS, now=at(hours=-1))
    credit(points, 50, key="l", source=LotSource.LOYALTY, now=at(hours=-1))
    credit(points, 9, key="y", source=LotSource.REVIEW, now=at(days=-1))  # yesterday
    settings = settings_with(daily_points_cap=10)
    sources = daily_cap.counted_sources(settings)
    assert daily_cap.capped(points, 10, sources, settings, T0) == 6


def test_B3_bonus_and_review_on_one_day_share_the_cap(program, member):
    settings = settings_with(daily_points_cap=8, signup_bonus_points=5, review_points=5)
    award_email_verified(program, member, settings, now=T0)
    review = submitted(program, member, settings=settings)
    review = moderate_review(review.id, ReviewAction.APPROVE, settings=settings, now=T0)
    assert review.points == 3
    assert available(program, member) == 8


def test_B3_cap_left_at_zero_records_nothing(program, member):
    settings = settings_with(daily_points_cap=5, signup_bonus_points=5, review_points=5)
    award_email_verified(program, member, settings, now=T0)
    review = submitted(program, member, settings=settings)
    review = moderate_review(review.id, ReviewAction.APPROVE, settings=settings, now=T0)
    assert (review.status, review.points) == (ReviewStatus.APPROVED, 0)
    assert not Lot.objects.filter(source=LotSource.REVIEW).exists()


def test_B3_next_utc_day_has_a_fresh_cap(program, member):
    settings = settings_with(daily_points_cap=5, signup_bonus_points=5, review_points=5)
    award_email_verified(program, member, settings, now=T0)
    review = submitted(program, member, settings=settings)
    review = moderate_review(review.id, ReviewAction.APPROVE, settings=settings, now=at(hours=12))
    assert review.points == 5


# --- B1: e-mail verification bonus --------------------------------------------


def test_B1_bonus_is_credited_available_at_once_with_bonus_expiry(program, member):
    settings = settings_with(signup_bonus_points=100, expiry_days_bonus=30)
    assert award_email_verified(program, member, settings, now=T0) == 100
    lot = Lot.objects.get()
    assert (lot.source, lot.status, lot.amount) == (LotSource.BONUS, "available", 100)
    assert lot.expires_at == at(days=30)


def test_B1_bonus_is_credited_once_per_member(program, member):
    settings = settings_with()
    award_email_verified(program, member, settings, now=T0)
    assert award_email_verified(program, member, settings, now=at(days=3)) == 100
    assert available(program, member) == 100
    settle()


@pytest.mark.parametrize("values", [{"signup_bonus_points": 0}, {"program_enabled": "false"}])
def test_B1_no_bonus_when_off(program, member, values):
    assert award_email_verified(program, member, settings_with(**values), now=T0) == 0
    assert not Lot.objects.exists()


# --- B2: reviews -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "photos", "expected"),
    [
        ("x" * 30, 0, 5),  # exactly the minimum
        ("x" * 29, 0, 0),
        ("  " + "x" * 29 + "   ", 0, 0),  # surrounding spaces do not count
        ("x" * 29, 1, 5),  # photo points without the text points
        ("x" * 30, 3, 10),  # one photo bonus however many photos
    ],
)
def test_B2_review_points_arithmetic(text, photos, expected):
    assert review_points(text, photos, settings_with()) == expected


def test_B2_approval_awards_review_points_and_stores_them(program, member):
    review = submitted(program, member, photos=["https://img.example/a.jpg"])
    review = moderate_review(
        review.id, ReviewAction.APPROVE, settings=settings_with(), note="Thanks", now=T0
    )
    assert (review.status, review.points) == (ReviewStatus.APPROVED, 10)
    assert review.note == "Thanks"
    lot = Lot.objects.get()
    assert (lot.source, lot.reference_type, lot.reference_id) == (
        LotSource.REVIEW,
        "REVIEW",
        str(review.id),
    )
    assert lot.expires_at == at(days=60)
    settle()


def test_B2_rejection_awards_nothing(program, member):
    review = submitted(program, member)
    review = moderate_review(review.id, ReviewAction.REJECT, settings=settings_with(), now=T0)
    assert (review.status, review.points) == (ReviewStatus.REJECTED, 0)
    assert not Lot.objects.exists()


@pytest.mark.parametrize("first", [ReviewAction.APPROVE, ReviewAction.REJECT])
def test_B2_a_decision_is_final(program, member, first):
    review = submitted(program, member)
    moderate_review(review.id, first, settings=settings_with(), now=T0)
    with pytest.raises(Conflict):
        moderate_review(review.id, ReviewAction.APPROVE, settings=settings_with(), now=T0)
    assert Lot.objects.count() == (1 if first == ReviewAction.APPROVE else 0)


def test_B2_one_review_per_order_line(program, member):
    submitted(program, member)
    with pytest.raises(AlreadyExists):
        submitted(program, member)


def test_B2_unfulfilled_line_is_not_eligible(program, member):
    line = line_of(program, member, fulfilled=False)
    with pytest.raises(NotEligible):
        submit_review(Member(program, member), line, TEXT, settings=settings_with())


def test_B2_someone_elses_line_is_not_found(program, member, new_member):
    line = line_of(program, new_member())
    with pytest.raises(NotFound):
        submit_review(Member(program, member), line, TEXT, settings=settings_with())


def test_B2_no_reviews_while_the_program_is_off(program, member):
    with pytest.raises(ProgramDisabled):
        submitted(program, member, settings=settings_with(program_enabled="false"))


@pytest.mark.parametrize(
    ("text", "photos", "field"),
    [
        ("", [], "text"),
        ("   ", [], "text"),
        ("x" * 5001, [], "text"),
        (TEXT, ["ftp://img.example/a.jpg"], "photoUrls"),
        (TEXT, ["javascript:alert(1)"], "photoUrls"),
        (TEXT, ["https://"], "photoUrls"),
        (TEXT, ["https://img.example/a b.jpg"], "photoUrls"),
        (TEXT, ["not a url"], "photoUrls"),
        (TEXT, [f"https://img.example/{i}.jpg" for i in range(11)], "photoUrls"),
    ],
)
def test_B2_bad_input_is_refused_naming_the_field(program, member, text, photos, field):
    with pytest.raises(InvalidInput) as error:
        submitted(program, member, text=text, photos=photos)
    assert error.value.field == field
