"""HTTP answers of the console's routes: the manifest, the install hand-shake, the
built pages and their assets (API.md "Operator console").

``path`` is what follows ``/app`` in the plugin's URL. Assets are the files Vite
built, served only from ``static/`` (no path outside it, whatever the request says);
any other page path answers the console's ``index.html``, which picks the screen
from the URL (the Dashboard opens ``members``, ``member?customerId=...``,
``order-claims?orderId=...``).
"""

import json
import mimetypes
from importlib import metadata
from pathlib import Path

from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    JsonResponse,
)

from .manifest import app_manifest

STATIC = Path(__file__).resolve().parent / "static"
ROUTE = "/app"

# Vite names assets by content hash: a changed file is a new URL, so they are
# cached for good; the page itself is read fresh, so an upgrade shows at once.
IMMUTABLE = "public, max-age=31536000, immutable"


def _version() -> str:
    try:
        return metadata.version("saleor-rewards")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def handles(path: str | None) -> bool:
    return path is not None and (path == ROUTE or path.startswith(ROUTE + "/"))


def respond(request, path: str, *, app_base_url: str) -> HttpResponse:
    page = path[len(ROUTE) :].lstrip("/")
    if page in ("manifest", "manifest/", "api/manifest"):
        return JsonResponse(app_manifest(app_base_url, version=_version()))
    if page in ("register", "register/"):
        return _register(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if page.startswith("assets/"):
        return _asset(page)
    return _index()


def _register(request) -> HttpResponse:
    """Saleor's ``tokenTargetUrl`` call at installation: acknowledged, not stored.

    The console acts with the signed-in staff member's token from the App Bridge,
    never with the App's own token, so keeping that secret would only be a risk.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("auth_token"), str):
        return JsonResponse({"error": {"message": "auth_token is required"}}, status=400)
    return JsonResponse({"success": True})


def _asset(page: str) -> HttpResponse:
    root = STATIC.resolve()
    file = (root / page).resolve()
    if root not in file.parents or not file.is_file():
        return HttpResponseNotFound("No such asset.")
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _index() -> HttpResponse:
    index = STATIC / "index.html"
    if not index.is_file():
        return HttpResponseNotFound(
            "The console is not built: run `npm ci && npm run build` in console/."
        )
    response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
