"""Batched reads of one request (graphene 2's promise ``DataLoader``, as Saleor does).

A loader is made once per request and kept in ``RewardsContext.dataloaders``. Each
key is read once, and the keys asked for in one step of the execution are read
together: a page of twenty friends costs the queries of one, and fields that need
the same row (three balance figures, the code behind ``code``, ``url`` and
``shareLinks``) read it once. Mutations start with empty loaders
(``mutations/base.py``), so a payload never shows what was read before the change.
"""

from collections import defaultdict

from django.db.models import Count, Q
from promise import Promise
from promise.dataloader import DataLoader

from ..ledger import balance
from ..ledger.models import Account
from ..programs.referrals import services as referrals
from ..programs.referrals.models import ReferralCode
from ..programs.tiers.models import MemberTier


class RewardsLoader(DataLoader):
    """One instance per request and ``context_key``; subclasses define ``batch_load``."""

    context_key = ""

    def __new__(cls, context):
        loaders = context.dataloaders
        if cls.context_key not in loaders:
            loaders[cls.context_key] = super().__new__(cls)
        return loaders[cls.context_key]

    def __init__(self, context):
        # __new__ hands back the request's instance; set it up only the first time.
        if getattr(self, "context", None) is None:
            self.context = context
            super().__init__()

    def batch_load_fn(self, keys):
        return Promise.resolve(self.batch_load(list(keys)))

    def batch_load(self, keys: list) -> list | Promise:
        raise NotImplementedError


class AccountsByMember(RewardsLoader):
    """(program id, member id) -> {kind: Account} of the accounts the member has."""

    context_key = "accounts_by_member"

    def batch_load(self, keys):
        wanted = Q()
        for program_id, member_id in keys:
            wanted |= Q(program_id=program_id, member_id=member_id)
        found = defaultdict(dict)
        for account in Account.objects.filter(wanted):
            found[(account.program_id, account.member_id)][account.kind] = account
        return [found.get(key, {}) for key in keys]


class Balances(RewardsLoader):
    """(program id, member id, kind, now) -> the ledger's ``Balance`` (zero without an
    account); ``now`` None is the moment it is read."""

    context_key = "balances"

    def batch_load(self, keys):
        members = [(program_id, member_id) for program_id, member_id, _, _ in keys]

        def read(accounts_of):
            return [
                balance(accounts.get(kind), now=now)
                for (_, _, kind, now), accounts in zip(keys, accounts_of, strict=True)
            ]

        return AccountsByMember(self.context).load_many(members).then(read)


class ReferralCodes(RewardsLoader):
    """member id -> their referral code, or None while they have none (R1)."""

    context_key = "referral_codes"

    def batch_load(self, keys):
        rows = ReferralCode.objects.filter(member_id__in=keys).values_list("member_id", "code")
        codes = dict(rows)
        return [codes.get(key) for key in keys]


class MemberEmails(RewardsLoader):
    """user id -> e-mail as the shop knows it ('' when it does not)."""

    context_key = "member_emails"

    def batch_load(self, keys):
        emails = self.context.shop.customers.member_emails(keys)
        return [emails.get(key, "") for key in keys]


class FriendStates(RewardsLoader):
    """(sponsor id, friend id) -> the friend's ``FriendState`` as the sponsor sees it."""

    context_key = "friend_states"

    def batch_load(self, keys):
        friends_of = defaultdict(list)
        for sponsor_id, friend_id in keys:
            friends_of[sponsor_id].append(friend_id)
        order_ids = self.context.shop.customers.customer_order_ids(
            [friend_id for _, friend_id in keys]
        )
        states = {}
        for sponsor_id, friend_ids in friends_of.items():
            for friend_id, state in referrals.friend_states(
                sponsor_id, friend_ids, order_ids
            ).items():
                states[(sponsor_id, friend_id)] = state
        return [states[key] for key in keys]


class TierMemberCounts(RewardsLoader):
    """tier id -> how many members are in it now."""

    context_key = "tier_member_counts"

    def batch_load(self, keys):
        rows = (
            MemberTier.objects.filter(tier_id__in=keys)
            .values("tier_id")
            .annotate(members=Count("id"))
            .values_list("tier_id", "members")
        )
        counts = dict(rows)
        return [counts.get(key, 0) for key in keys]
