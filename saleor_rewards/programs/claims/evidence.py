"""Evidence documents are never public (C1): they are read through the plugin's own
route with a signed, short-lived token naming the document, handed only to the
claim's buyer and to staff who may see the claim (in ``RewardsClaim.evidence``).
Their files go when the member is erased (P2) or the retention purge's time comes (P3).
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.utils.module_loading import import_string

SALT = "saleor_rewards.claims.evidence"
TOKEN_MAX_AGE = 60 * 60  # seconds: a link from the API works for an hour
ROUTE = "claims/evidence/"
logger = logging.getLogger(__name__)


def evidence_token(document_id: int) -> str:
    return signing.dumps({"document": document_id}, salt=SALT, compress=True)


def document_of_token(token: str) -> int | None:
    """The document a token names; None when forged, altered or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    document = data.get("document") if isinstance(data, dict) else None
    return document if isinstance(document, int) else None


def evidence_path(document_id: int) -> str:
    """The path below the plugin's URL that serves the document with the token."""
    return f"{ROUTE}{document_id}/?token={evidence_token(document_id)}"


def delete_files(names: Iterable[str]) -> set[str]:
    """Delete the documents' files from private storage; the names now gone.

    A file already gone counts as deleted (an earlier run or the erasure took it); one
    the storage could not delete is logged and left out, so its row can be tried again.
    """
    names = list(names)
    if not names:
        return set()
    # The private storage Saleor keeps (its PRIVATE_FILE_STORAGE setting); a shop
    # without the setting keeps none there.
    private = getattr(settings, "PRIVATE_FILE_STORAGE", None)
    storage = import_string(private)() if private else default_storage
    gone = set()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - a storage may refuse a missing file
            try:
                still_there = storage.exists(name)
            except Exception:  # noqa: BLE001 - then it cannot tell: keep the row
                still_there = True
            if still_there:
                logger.warning("could not delete claim evidence %s", name)
                continue
        gone.add(name)
    return gone
