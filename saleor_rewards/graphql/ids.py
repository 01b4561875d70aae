"""Saleor's global ids (``base64("User:42")``) without importing Saleor."""

from graphql_relay import from_global_id

from ..ledger.errors import InvalidInput


def decode_id(global_id: str, expected_type: str, *, field: str) -> str:
    try:
        type_, raw = from_global_id(global_id)
    except Exception:
        type_, raw = None, None
    if type_ != expected_type or not raw:
        raise InvalidInput(f"{global_id!r} is not a {expected_type} id.", field=field)
    return raw


def decode_int_id(global_id: str, expected_type: str, *, field: str) -> int:
    raw = decode_id(global_id, expected_type, field=field)
    if not raw.isdigit():
        raise InvalidInput(f"{global_id!r} is not a {expected_type} id.", field=field)
    return int(raw)
