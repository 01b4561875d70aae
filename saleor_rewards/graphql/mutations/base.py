"""Mutation plumbing: domain errors become ``errors``; a failure changes nothing."""

import graphene
from django.db import transaction

from ...ledger.errors import RewardsError as DomainError
from ..errors import RewardsError, error_from


class RewardsMutation(graphene.Mutation):
    """Subclasses implement ``perform(root, info, **data) -> dict of payload fields``.

    ``perform`` runs inside one transaction: a domain error rolls it back whole and
    is returned in ``errors``; anything else propagates as a GraphQL error.
    """

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(RewardsError), required=True)

    @classmethod
    def mutate(cls, root, info, **data):
        # The payload reads what the mutation wrote, never what a loader cached
        # before (a request may carry several mutations).
        info.context.dataloaders.clear()
        try:
            with transaction.atomic():
                payload = cls.perform(root, info, **data)
        except DomainError as error:
            return cls(errors=cls.errors_for(error))
        return cls(errors=[], **payload)

    @classmethod
    def errors_for(cls, error: DomainError) -> list[dict]:
        """The ``errors`` of a failed mutation; one per field when it names many."""
        return [error_from(error)]

    @classmethod
    def perform(cls, root, info, **data) -> dict:
        raise NotImplementedError
