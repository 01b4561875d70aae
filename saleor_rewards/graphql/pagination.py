"""Relay connections over querysets, keyset-paginated on a unique descending key."""

import base64

import graphene

from ..ledger.errors import InvalidInput

DEFAULT_PAGE = 20
MAX_PAGE = 100


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(description="Number of items across all pages.")


def _cursor(value: int) -> str:
    return base64.b64encode(f"cursor:{value}".encode()).decode()


def _decode(cursor: str) -> int:
    try:
        prefix, value = base64.b64decode(cursor).decode().split(":", 1)
        if prefix != "cursor":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("The 'after' cursor is not valid.", field="after") from None


def connection_from_queryset(connection_type, queryset, *, first=None, after=None):
    """One page of ``queryset`` (ordered by ``-id``), newest first."""
    if first is None:
        first = DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise InvalidInput(f"'first' must be between 0 and {MAX_PAGE}.", field="first")
    total = queryset.count()
    page = queryset
    if after:
        page = page.filter(id__lt=_decode(after))
    rows = list(page[: first + 1])
    has_next = len(rows) > first
    rows = rows[:first]
    edges = [connection_type.Edge(node=row, cursor=_cursor(row.id)) for row in rows]
    return connection_type(
        edges=edges,
        total_count=total,
        page_info=graphene.relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
