"""Errors as the API shows them (API.md): ``errors`` on mutations, codes on queries."""

import graphene
from graphql import GraphQLError

from ..ledger.errors import RewardsError as DomainError


class RewardsErrorCode(graphene.Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    WINDOW_CLOSED = "WINDOW_CLOSED"
    CONFLICT = "CONFLICT"
    PROGRAM_DISABLED = "PROGRAM_DISABLED"


class RewardsError(graphene.ObjectType):
    field = graphene.String(description="The input field the error is about, if any.")
    code = graphene.Field(RewardsErrorCode, required=True)
    message = graphene.String(required=True)


def error_from(exc: DomainError) -> dict:
    return {"field": exc.field, "code": exc.code, "message": exc.message}


def query_error(exc: DomainError) -> GraphQLError:
    """A top-level GraphQL error carrying the same code a mutation would return."""
    return GraphQLError(exc.message, extensions={"code": exc.code, "field": exc.field})
