"""Evidence documents are never public (C1): they are read through the plugin's own
route with a signed, short-lived token naming the document, handed only to the
claim's buyer and to staff who may see the claim (in ``RewardsClaim.evidence``)."""

from django.core import signing

SALT = "saleor_rewards.claims.evidence"
TOKEN_MAX_AGE = 60 * 60  # seconds: a link from the API works for an hour
ROUTE = "claims/evidence/"


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
