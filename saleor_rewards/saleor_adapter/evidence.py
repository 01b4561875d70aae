"""The plugin's route that serves a claim's evidence documents (C1).

``GET /plugins/global/saleor_rewards/claims/evidence/<id>/?token=<signed token>``:
the token comes from the API (``RewardsClaim.evidence.url``), given only to the
claim's buyer and to staff who may see the claim; it names the document and
expires after an hour. Without a valid token for that document the answer is 404,
the same as for a document that does not exist.
"""

from django.http import FileResponse, HttpResponseNotFound

from ..programs.claims.evidence import document_of_token
from ..programs.claims.models import ClaimDocument
from .shop.claims import open_evidence


def serve_evidence(request, rest: str):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotFound()
    raw_id = rest.strip("/")
    token = request.GET.get("token", "")
    if not raw_id.isdigit() or document_of_token(token) != int(raw_id):
        return HttpResponseNotFound()
    document = ClaimDocument.objects.filter(id=int(raw_id)).first()
    if document is None:
        return HttpResponseNotFound()
    try:
        file = open_evidence(document.storage_name)
    except OSError:
        return HttpResponseNotFound()
    response = FileResponse(
        file,
        content_type=document.content_type or "application/octet-stream",
        as_attachment=True,
        filename=document.filename,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
