"""Serving the schema over HTTP: POST JSON (or GET for GraphiQL in a browser).

A request is bounded before it runs (``limits.py``, I3); GraphiQL is served only
while Django's ``DEBUG`` is on or the merchant enabled ``graphiql_enabled`` (I4).
"""

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from graphql import parse
from graphql.error import GraphQLError, format_error

from .. import config
from ..ledger.errors import RewardsError as DomainError
from . import limits
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


def _too_large(message: str) -> JsonResponse:
    error = {"message": message, "extensions": {"code": "LIMIT_EXCEEDED"}}
    return JsonResponse({"data": None, "errors": [error]}, status=400)


def graphiql_enabled(context: RewardsContext) -> bool:
    if settings.DEBUG:
        return True
    try:
        return config.BY_NAME["graphiql_enabled"].parse(
            context.plugin_settings.get("graphiql_enabled", False)
        )
    except ValueError:
        return False


def _format(error) -> dict:
    original = getattr(error, "original_error", None)
    if isinstance(original, GraphQLError) and original.extensions:
        error.extensions = original.extensions
    elif isinstance(original, DomainError):
        error.extensions = {"code": original.code, "field": original.field}
    elif original is not None:
        # Unexpected failures are logged, not leaked to the caller.
        logger.error("rewards GraphQL resolver failed", exc_info=original)
        return {
            "message": "Internal server error.",
            "path": getattr(error, "path", None),
            "extensions": {"code": "INTERNAL_ERROR"},
        }
    return format_error(error)


def _parse(request: HttpRequest):
    content_type = request.content_type or ""
    if content_type == "application/graphql":
        return {"query": request.body.decode()}, None
    if content_type not in ("application/json", ""):
        return None, _error(f"Unsupported content type {content_type!r}.", 415)
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, _error("The request body is not valid JSON.", 400)
    if not isinstance(data, dict):
        return None, _error("Send one GraphQL operation as a JSON object.", 400)
    return data, None


def handle(request: HttpRequest, context: RewardsContext) -> HttpResponse:
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        if graphiql_enabled(context):
            return HttpResponse(GRAPHIQL)
        return _error("GraphiQL is not served here (graphiql_enabled is off).", 404)
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
    if problem := limits.text_problem(query, variables):
        return _too_large(problem)
    try:
        document = parse(query)
    except GraphQLError as error:  # a syntax error, answered as graphql-core would
        return JsonResponse({"data": None, "errors": [format_error(error)]}, status=400)
    except RecursionError:
        return _too_large("The query is nested too deeply.")
    if problem := limits.document_problem(document, variables):
        return _too_large(problem)
    result = schema.execute(
        document,
        variable_values=variables,
        operation_name=data.get("operationName"),
        context_value=context,
    )
    body = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(error) for error in result.errors]
    status = 200 if result.data is not None or not result.errors else 400
    return JsonResponse(body, status=status)
