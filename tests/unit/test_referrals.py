"""Referrals without Saleor (R1-R5): codes, share links, e-mail forms, attribution,
the friends limit, invitations and their rate limits, friend states."""

import hashlib
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

from saleor_rewards import money
from saleor_rewards.keyed_hash import keyed_hash
from saleor_rewards.ledger.errors import (
    AlreadyExists,
    InvalidInput,
    LimitExceeded,
    NotEligible,
    NotFound,
)
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.orders.sync import sync_order
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.emails import canonical_email, email_hash, mask_email
from saleor_rewards.programs.referrals.models import Referral, ReferralCode, ReferralInvite
from saleor_rewards.programs.referrals.services import FriendState, Person, ShareNetwork

from ..fakes import DjangoMailer, FakeCustomers
from .helpers import at
from .referral_helpers import settings

pytestmark = pytest.mark.django_db

SPONSOR, FRIEND, OTHER = 501, 502, 503


@pytest.fixture
def shop():
    return FakeCustomers(
        emails={
            SPONSOR: "Jane.Doe+shop@gmail.com",
            FRIEND: "friend@example.com",
            OTHER: "other@example.com",
        }
    )


def claim(shop, friend=FRIEND, code=None, **values):
    code = code or referrals.create_code(SPONSOR)
    return referrals.attribute(Person(friend), shop, settings(**values), source="claim", code=code)


# R1 codes and share links


def test_R1_code_is_eight_unambiguous_characters():
    code = referrals.create_code(SPONSOR)
    assert len(code) == 8
    assert set(code) <= set(money.CODE_ALPHABET)
    assert not set(code) & set("0O1I")


def test_R1_a_member_keeps_one_code():
    first = referrals.create_code(SPONSOR)
    assert referrals.create_code(SPONSOR) == first
    assert ReferralCode.objects.filter(member_id=SPONSOR).count() == 1


def test_R1_codes_of_members_differ_and_a_collision_is_retried(monkeypatch):
    taken = referrals.create_code(SPONSOR)
    proposals = iter([taken, taken, "ABCDEFGH"])
    monkeypatch.setattr(referrals, "_new_code", lambda: next(proposals))
    assert referrals.create_code(FRIEND) == "ABCDEFGH"


def test_R1_reading_a_code_creates_none():
    assert referrals.code_of(SPONSOR) is None
    assert not ReferralCode.objects.exists()
    code = referrals.create_code(SPONSOR)
    assert referrals.code_of(SPONSOR) == code


def test_R1_members_without_a_code_get_one_in_a_batch_and_keep_it():
    kept = referrals.create_code(SPONSOR)
    assert referrals.create_missing_codes([SPONSOR, FRIEND, OTHER], batch_size=2) == 2
    assert referrals.code_of(SPONSOR) == kept
    codes = dict(ReferralCode.objects.values_list("member_id", "code"))
    assert set(codes) == {SPONSOR, FRIEND, OTHER} and len(set(codes.values())) == 3
    assert referrals.create_missing_codes([SPONSOR, FRIEND, OTHER]) == 0


def test_R1_a_batch_code_that_collides_is_made_again(monkeypatch):
    taken = referrals.create_code(SPONSOR)
    proposals = iter([taken, "ABCDEFGH"])
    monkeypatch.setattr(referrals, "_new_code", lambda: next(proposals))
    referrals.create_missing_codes([FRIEND])
    assert referrals.code_of(FRIEND) == "ABCDEFGH"


def test_R3_a_sponsor_named_by_email_gets_their_code(shop):
    referrals.attribute(
        Person(FRIEND),
        shop,
        settings(),
        source="registration",
        sponsor_email="JANE.DOE+shop@gmail.com",
    )
    assert referrals.code_of(SPONSOR) is not None


def test_R2_an_invitation_gives_the_sponsor_a_code_to_send(shop):
    assert referrals.code_of(SPONSOR) is None
    invite(shop, ["a@example.com"])
    assert referrals.code_of(SPONSOR) in mail.outbox[0].body


def test_R1_share_url_puts_the_code_into_the_storefront_url():
    values = settings(storefront_referral_url="https://shop.example/?ref={code}")
    assert referrals.share_url(values, "AB23CD45") == "https://shop.example/?ref=AB23CD45"


def test_R1_no_storefront_url_means_no_url_and_no_share_links():
    assert referrals.share_url(settings(), "AB23CD45") is None
    assert referrals.share_links(None) == []


def test_R1_share_links_carry_the_url_encoded_for_every_network():
    url = "https://shop.example/?ref=AB23CD45&lang=en"
    links = dict(referrals.share_links(url, "Example Shop"))
    assert list(links) == [network for network, _ in ShareNetwork.CHOICES]
    encoded = "https%3A%2F%2Fshop.example%2F%3Fref%3DAB23CD45%26lang%3Den"
    for network, link in links.items():
        assert encoded in link, network
        assert url not in link, network  # never raw: its & would cut the link
    assert links["EMAIL"].startswith("mailto:?")
    assert parse_qs(urlsplit(links["FACEBOOK"]).query) == {"u": [url]}
    assert urlsplit(links["TWITTER"]).netloc == "x.com"
    assert parse_qs(urlsplit(links["WHATSAPP"]).query)["text"][0].endswith(url)


# R5 e-mail forms


@pytest.mark.parametrize(
    ("typed", "mailbox"),
    [
        ("  Jane@Example.COM ", "jane@example.com"),
        ("jane+news@example.com", "jane@example.com"),
        ("Jane.Doe+x@gmail.com", "janedoe@gmail.com"),
        ("j.a.n.e.doe@googlemail.com", "janedoe@gmail.com"),
        ("jane.doe@example.com", "jane.doe@example.com"),  # dots count elsewhere
    ],
)
def test_R5_canonical_email_is_the_mailbox_behind_an_address(typed, mailbox):
    assert canonical_email(typed) == mailbox


def test_R2_mask_shows_first_letter_and_domain():
    assert mask_email("Jane@Example.com") == "j***@example.com"


# R3-R5 attribution


def test_R3_a_code_makes_the_customer_the_sponsors_friend(shop):
    referral = claim(shop)
    assert (referral.sponsor_id, referral.friend_id, referral.source) == (
        SPONSOR,
        FRIEND,
        "claim",
    )
    assert Referral.objects.count() == 1


def test_R3_codes_are_matched_ignoring_case_and_spaces(shop):
    code = referrals.create_code(SPONSOR)
    assert claim(shop, code=f"  {code.lower()} ").sponsor_id == SPONSOR


def test_R3_a_sponsor_can_be_named_by_email(shop):
    referral = referrals.attribute(
        Person(FRIEND),
        shop,
        settings(),
        source="registration",
        sponsor_email="JANE.DOE+shop@gmail.com",
    )
    assert referral.sponsor_id == SPONSOR


def test_R3_an_unknown_code_is_not_found(shop):
    with pytest.raises(NotFound) as error:
        claim(shop, code="ZZZZZZZZ")
    assert error.value.field == "code"


def test_R3_a_friend_keeps_their_first_sponsor(shop):
    claim(shop)
    with pytest.raises(AlreadyExists):
        claim(shop, code=referrals.create_code(OTHER))
    assert Referral.objects.get(friend_id=FRIEND).sponsor_id == SPONSOR


def test_R5_own_code_is_refused(shop):
    with pytest.raises(NotEligible):
        claim(shop, friend=SPONSOR)
    assert not Referral.objects.exists()


def test_R5_another_account_with_the_same_mailbox_is_refused(shop):
    shop.emails[FRIEND] = "janedoe@googlemail.com"  # Gmail: same inbox as the sponsor
    with pytest.raises(NotEligible):
        claim(shop)
    assert not Referral.objects.exists()


def test_R5_naming_ones_own_email_is_refused(shop):
    with pytest.raises(NotEligible):
        referrals.attribute(
            Person(FRIEND),
            shop,
            settings(),
            source="registration",
            sponsor_email="FRIEND+me@example.com",
        )


def test_R5_a_customer_with_a_paid_order_is_refused(shop):
    shop.paid.add(FRIEND)
    with pytest.raises(NotEligible):
        claim(shop)
    assert not Referral.objects.exists()


def test_R4_a_full_sponsor_refuses_the_next_friend(shop):
    claim(shop, friend=FRIEND, referral_max_friends="2")
    claim(shop, friend=OTHER, referral_max_friends="2")
    with pytest.raises(LimitExceeded):
        claim(shop, friend=504, referral_max_friends="2")
    assert Referral.objects.filter(sponsor_id=SPONSOR).count() == 2


# R2 invitations


def invite(shop, emails, now=None, **values):
    return referrals.invite(
        Person(SPONSOR), emails, shop, DjangoMailer(), settings(**values), now=now
    )


def test_R2_invitations_are_mailed_with_the_code_url_and_shop_name(shop):
    result = invite(
        shop,
        ["a@example.com", "B@example.com"],
        storefront_referral_url="https://shop.example/?ref={code}",
    )
    assert result.sent == ["a@example.com", "b@example.com"]
    code = referrals.create_code(SPONSOR)
    assert [m.to for m in mail.outbox] == [["a@example.com"], ["b@example.com"]]
    message = mail.outbox[0]
    assert "Example Shop" in message.subject
    assert f"https://shop.example/?ref={code}" in message.body
    assert code in message.body


def test_R2_P3_only_keyed_hashes_of_the_addresses_are_stored(shop):
    invite(shop, ["A@Example.com"])
    (row,) = ReferralInvite.objects.filter(sponsor_id=SPONSOR)
    # P3: not the plain SHA-256 a dictionary of addresses reverses, but the HMAC
    # under the shop's secret.
    assert row.email_hash != hashlib.sha256(b"a@example.com").hexdigest()
    assert row.email_hash == keyed_hash("a@example.com", "invite")
    assert row.email_hash == email_hash("a@example.com")
    stored = [str(value) for value in ReferralInvite.objects.values_list().get()]
    assert not any("example" in value for value in stored)


def test_R2_an_invalid_address_refuses_the_request(shop):
    with pytest.raises(InvalidInput) as error:
        invite(shop, ["a@example.com", "not-an-address"])
    assert error.value.field == "emails"
    assert "not-an-address" in error.value.message
    assert not mail.outbox


def test_R2_repeats_and_own_address_are_skipped(shop):
    result = invite(shop, ["a@example.com", "A@example.com ", "janedoe@gmail.com"])
    assert result.sent == ["a@example.com"]
    assert result.skipped == ["a@example.com", "janedoe@gmail.com"]
    assert len(mail.outbox) == 1


def test_R2_an_address_is_invited_once_per_sponsor(shop):
    invite(shop, ["a@example.com"])
    result = invite(shop, ["a+again@example.com", "b@example.com"])
    assert result.sent == ["b@example.com"]
    assert result.skipped == ["a+again@example.com"]
    assert [m.to for m in mail.outbox] == [["a@example.com"], ["b@example.com"]]


def test_R2_a_request_names_at_most_ten_addresses(shop):
    emails = [f"f{n}@example.com" for n in range(referrals.INVITES_PER_REQUEST + 1)]
    with pytest.raises(LimitExceeded) as error:
        invite(shop, emails)
    assert error.value.field == "emails"
    assert not ReferralInvite.objects.exists() and not mail.outbox


def test_R2_a_sponsor_sends_at_most_fifty_invitations_a_day(shop):
    for batch in range(5):
        emails = [f"f{batch}-{n}@example.com" for n in range(10)]
        invite(shop, emails, now=at(hours=batch))
    with pytest.raises(LimitExceeded):
        invite(shop, ["late@example.com"], now=at(hours=23))
    assert ReferralInvite.objects.count() == referrals.INVITES_PER_DAY


def test_R2_the_daily_limit_is_a_rolling_24_hours(shop):
    invite(shop, [f"f{n}@example.com" for n in range(10)], now=at(0))
    for batch in range(1, 5):
        invite(shop, [f"g{batch}-{n}@example.com" for n in range(10)], now=at(hours=1))
    assert invite(shop, ["late@example.com"], now=at(days=1, hours=0.5)).sent


# Friend states from the sponsor's awards (R6/R7 written by orders.sync_order)


def _order(order_id, **flags):
    line = OrderLine("l1", 1, Decimal(100), Decimal(100))
    return OrderSnapshot(order_id, "web-eu", "EUR", FRIEND, (line,), Decimal(100), **flags)


def _state(shop):
    friend_ids = [referral.friend_id for referral in referrals.friends_of(SPONSOR)]
    return referrals.friend_states(SPONSOR, friend_ids, shop.customer_order_ids([FRIEND]))[FRIEND]


def test_R3_friend_states_follow_the_first_order(shop, program):
    claim(shop)
    values = settings()
    assert _state(shop) == FriendState.REGISTERED
    shop.orders[FRIEND] = ["o-1"]
    sync_order(program, values, _order("o-1", fully_paid=True), now=at(0))
    assert _state(shop) == FriendState.ORDERED
    sync_order(program, values, _order("o-1", fully_paid=True, fulfilled=True), now=at(1))
    assert _state(shop) == FriendState.REWARDED
    sync_order(
        program, values, _order("o-1", fully_paid=True, fulfilled=True, cancelled=True), now=at(2)
    )
    assert _state(shop) == FriendState.CANCELLED
