"""Saleor's global ids (``base64("User:42")``) without importing Saleor.

An id that does not decode to the expected type and a well-formed key is INVALID
(I3), before anything looks it up: a database never sees ``User:²`` (a digit to
``str.isdigit``, not to ``int``), a number beyond a bigint, or a token that is no UUID.
"""

import re
import uuid

from graphql_relay import from_global_id

from ..ledger.errors import InvalidInput

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_MAX_ID = 2**63 - 1  # PostgreSQL's bigint


def _invalid(global_id, expected_type: str, field: str) -> InvalidInput:
    shown = global_id if isinstance(global_id, str) and len(global_id) <= 100 else "The id"
    return InvalidInput(f"{shown!r} is not a {expected_type} id.", field=field)


def decode_id(global_id: str, expected_type: str, *, field: str) -> str:
    try:
        type_, raw = from_global_id(global_id)
    except Exception:
        type_, raw = None, None
    if type_ != expected_type or not raw:
        raise _invalid(global_id, expected_type, field)
    return raw


def decode_int_id(global_id: str, expected_type: str, *, field: str) -> int:
    raw = decode_id(global_id, expected_type, field=field)
    if not _ASCII_DIGITS.fullmatch(raw) or not 0 < int(raw) <= _MAX_ID:
        raise _invalid(global_id, expected_type, field)
    return int(raw)


def decode_uuid_id(global_id: str, expected_type: str, *, field: str) -> str:
    """The UUID an id of Saleor's ``Checkout`` (token) or ``OrderLine`` carries."""
    raw = decode_id(global_id, expected_type, field=field)
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise _invalid(global_id, expected_type, field) from None
