"""Serving the schema over HTTP: POST JSON (or GET for GraphiQL in a browser)."""

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from graphql.error import GraphQLError, format_error

from ..ledger.errors import RewardsError as DomainError
from .context import RewardsContext
from .schema import schema

logger = logging.getLogger(__name__)

GRAPHIQL = """<!doctype html>
<html><head><meta charset="utf-8"><title>saleor-rewards GraphQL</title>
<link rel="stylesheet" href="https://unpkg.com/graphiql@1.4.7/graphiql.min.css"/>
</head><body style="margin:0"><div id="graphiql" style="height:100vh"></div>
<script src="https://unpkg.com/react@17/umd/react.production.min.js"></script>
<script src="https://unpkg.com/react-dom@17/umd/react-dom.production.min.js"></script>
<script src="https://unpkg.com/graphiql@1.4.7/graphiql.min.js"></script>
<script>
const fetcher = GraphiQL.createFetcher({url: window.location.href});
ReactDOM.render(React.createElement(GraphiQL, {fetcher}),
                document.getElementById('graphiql'));
</script></body></html>"""


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message}]}, status=status)


def _format(error) -> dict:
    original = getattr(error, "original_error", None)
    if isinstance(original, GraphQLError) and original.extensions:
        error.extensions = original.extensions
    elif isinstance(original, DomainError):
        error.extensions = {"code": original.code, "field": original.field}
    elif original is not None:
        # Unexpected failures are logged, not leaked to the caller.
        logger.error("rewards GraphQL resolver failed", exc_info=original)
        return {"message": "Internal server error.", "path": getattr(error, "path", None),
                "extensions": {"code": "INTERNAL_ERROR"}}  # fmt: skip
    return format_error(error)


def _parse(request: HttpRequest):
    content_type = request.content_type or ""
    if content_type == "application/graphql":
        return {"query": request.body.decode()}, None
    if content_type not in ("application/json", ""):
        return None, _error(f"Unsupported content type {content_type!r}.", 415)
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None, _error("The request body is not valid JSON.", 400)
    if not isinstance(data, dict):
        return None, _error("Send one GraphQL operation as a JSON object.", 400)
    return data, None


def handle(request: HttpRequest, context: RewardsContext) -> HttpResponse:
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        return HttpResponse(GRAPHIQL)
    if request.method == "OPTIONS":
        return HttpResponse(status=200)
    if request.method != "POST":
        return _error("Use POST with a JSON body {query, variables}.", 405)
    data, failure = _parse(request)
    if failure:
        return failure
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        return _error("The request has no GraphQL query.", 400)
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        return _error("'variables' must be a JSON object.", 400)
    result = schema.execute(
        query,
        variable_values=variables,
        operation_name=data.get("operationName"),
        context_value=context,
    )
    body = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(error) for error in result.errors]
    status = 200 if result.data is not None or not result.errors else 400
    return JsonResponse(body, status=status)
