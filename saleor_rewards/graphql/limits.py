"""Bounds on one request, checked before it is validated or run (SPEC I3).

graphql-core 2 has no limits of its own, and Saleor's cost validator is tied to its
schema (``saleor/graphql/query_cost_map.py``), so the endpoint measures the parsed
query itself:

- ``MAX_QUERY_LENGTH`` characters of query text, before parsing;
- ``MAX_LIST_ITEMS`` items in any list, in the query or in its variables, before
  parsing the query: a list argument is bounded before any work (10,000 invitation
  addresses cost nothing);
- ``MAX_DEPTH`` nested selections, fragments followed (introspection types nest
  without end; the standard introspection query GraphiQL sends is 13 deep);
- ``MAX_ALIASES`` aliased fields: one root field asked many times under other names;
- ``MAX_COST``: each field counts 1, and what a paginated field (one with ``first``)
  selects counts once per item it may return (``first``, else the default page).

Each fragment is measured once, so nested fragment spreads cannot make the
measuring itself expensive; a fragment cycle is left to validation to report.
"""

from dataclasses import dataclass

from graphql.language import ast

from .pagination import DEFAULT_PAGE, MAX_PAGE

MAX_QUERY_LENGTH = 20_000
MAX_LIST_ITEMS = 100
MAX_DEPTH = 15
MAX_ALIASES = 20
MAX_COST = 5_000


@dataclass(frozen=True)
class _Measure:
    depth: int = 0
    cost: int = 0
    aliases: int = 0


def text_problem(query: str, variables: dict) -> str | None:
    """What is too large in the raw request, if anything."""
    if len(query) > MAX_QUERY_LENGTH:
        return f"The query is longer than {MAX_QUERY_LENGTH} characters."
    longest = _longest_list(variables)
    if longest > MAX_LIST_ITEMS:
        return f"A list in the variables has {longest} items; at most {MAX_LIST_ITEMS}."
    return None


def document_problem(document: ast.Document, variables: dict) -> str | None:
    """What is beyond the bounds in the parsed query, if anything."""
    longest = _longest_list_value(document)
    if longest > MAX_LIST_ITEMS:
        return f"A list in the query has {longest} items; at most {MAX_LIST_ITEMS}."
    try:
        measure = _measure_document(document, variables)
    except RecursionError:
        return f"The query is nested deeper than {MAX_DEPTH} levels."
    if measure.depth > MAX_DEPTH:
        return f"The query is nested {measure.depth} levels deep; at most {MAX_DEPTH}."
    if measure.aliases > MAX_ALIASES:
        return f"The query has {measure.aliases} aliases; at most {MAX_ALIASES}."
    if measure.cost > MAX_COST:
        return (
            f"The query may return {measure.cost} fields; at most {MAX_COST}. "
            "Ask for smaller pages (first) or fewer fields."
        )
    return None


def _longest_list(value) -> int:
    """The most items of any list inside a JSON value (iterative: no recursion)."""
    longest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            longest = max(longest, len(item))
            if longest > MAX_LIST_ITEMS:
                return longest
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return longest


def _longest_list_value(document: ast.Document) -> int:
    longest, stack = 0, [document]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ListValue):
            longest = max(longest, len(node.values))
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, ast.Node):
            stack.extend(getattr(node, slot) for slot in node.__slots__ if slot != "loc")
    return longest


def _measure_document(document: ast.Document, variables: dict) -> _Measure:
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, ast.FragmentDefinition)
    }
    walker = _Walker(fragments, variables)
    measures = [
        walker.selections(definition.selection_set)
        for definition in document.definitions
        if isinstance(definition, ast.OperationDefinition)
    ]
    return _Measure(
        depth=max((m.depth for m in measures), default=0),
        cost=sum(m.cost for m in measures),
        aliases=sum(m.aliases for m in measures),
    )


class _Walker:
    def __init__(self, fragments: dict, variables: dict):
        self.fragments = fragments
        self.variables = variables
        self.measured: dict[str, _Measure] = {}
        self.entered: set[str] = set()

    def selections(self, selection_set) -> _Measure:
        depth = cost = aliases = 0
        for selection in selection_set.selections if selection_set else ():
            measure = self.selection(selection)
            depth = max(depth, measure.depth)
            cost += measure.cost
            aliases += measure.aliases
        return _Measure(depth, cost, aliases)

    def selection(self, selection) -> _Measure:
        if isinstance(selection, ast.Field):
            inner = self.selections(selection.selection_set)
            return _Measure(
                depth=1 + inner.depth,
                cost=1 + self.page_size(selection) * inner.cost,
                aliases=(1 if selection.alias else 0) + inner.aliases,
            )
        if isinstance(selection, ast.InlineFragment):
            return self.selections(selection.selection_set)
        if isinstance(selection, ast.FragmentSpread):
            return self.fragment(selection.name.value)
        return _Measure()

    def fragment(self, name: str) -> _Measure:
        if name in self.measured:
            return self.measured[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.entered:
            return _Measure()  # unknown or a cycle: validation reports it
        self.entered.add(name)
        measure = self.measured[name] = self.selections(fragment.selection_set)
        self.entered.discard(name)
        return measure

    def page_size(self, field: ast.Field) -> int:
        """How many items a paginated field may return (1 for any other field)."""
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, ast.Variable):
                value = self.variables.get(value.name.value)
            elif isinstance(value, ast.IntValue):
                value = int(value.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(1, min(value, MAX_PAGE))
            return DEFAULT_PAGE
        return 1
