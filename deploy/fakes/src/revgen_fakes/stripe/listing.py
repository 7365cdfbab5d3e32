"""List and search endpoints. Lists: cursor pagination, newest first. Search: a subset of
Stripe's query language (`field:'v'`, `metadata['k']:'v'`, `-` negation, `created>n`,
clauses joined by AND or OR); unlike Stripe's, results are never stale."""
from __future__ import annotations

import re

from revgen_fakes.stripe import objects
from revgen_fakes.stripe.errors import bad_param, no_such
from revgen_fakes.stripe.params import integer

_CLAUSE = re.compile(r"""(-)?(?:metadata\[(['"])(.+?)\2\]|([a-z_]+))\s*(:|>=|<=|>|<)\s*"""
                     r"""(?:'([^']*)'|"([^"]*)"|(\S+))""")


def page(items: list[dict], params: dict, url: str, kind: str) -> dict:
    """items: oldest first, as stored; kind names the object type in errors."""
    newest_first = list(reversed(items))
    limit = integer(params, "limit", default=10, minimum=1, maximum=100)
    ids = [item["id"] for item in newest_first]
    for cursor in ("starting_after", "ending_before"):
        if params.get(cursor) and params[cursor] not in ids:
            raise no_such(kind, params[cursor], cursor)
    if params.get("starting_after"):
        rest = newest_first[ids.index(params["starting_after"]) + 1:]
        return objects.list_object(rest[:limit], url, len(rest) > limit)
    if params.get("ending_before"):
        newer = newest_first[:ids.index(params["ending_before"])]
        return objects.list_object(newer[-limit:], url, len(newer) > limit)
    return objects.list_object(newest_first[:limit], url, len(newest_first) > limit)


def search(items: list[dict], params: dict, url: str, fields: set[str]) -> dict:
    matches = parse_query(params.get("query") or "", fields)
    hits = [item for item in reversed(items) if matches(item)]
    limit = integer(params, "limit", default=10, minimum=1, maximum=100)
    offset = integer(params, "page", default=0, minimum=0)  # our page tokens are offsets
    more = len(hits) > offset + limit
    return {"object": "search_result", "data": hits[offset:offset + limit], "has_more": more,
            "next_page": str(offset + limit) if more else None, "url": url}


def parse_query(query: str, fields: set[str]):
    if not query.strip():
        raise bad_param("query", "Missing required param: query.")
    parts = re.split(r"\s+(AND|OR)\s+", query.strip())
    joiners = set(parts[1::2])
    if len(joiners) > 1:
        raise bad_param("query", "Queries cannot mix AND and OR.")
    clauses = [_clause(text, fields) for text in parts[::2]]
    combine = any if joiners == {"OR"} else all
    return lambda item: combine(clause(item) for clause in clauses)


def _clause(text: str, fields: set[str]):
    match = _CLAUSE.fullmatch(text.strip())
    if not match:
        raise bad_param("query", f"Could not parse the search query near: {text}")
    negated, _, metadata_key, field, operator = match.group(1, 2, 3, 4, 5)
    expected = next(value for value in match.group(6, 7, 8) if value is not None)
    if field and field not in fields:
        raise bad_param("query", f"Field `{field}` is an unsupported search field.")

    def test(item: dict) -> bool:
        value = item.get("metadata", {}).get(metadata_key) if metadata_key else item.get(field)
        if operator == ":":
            result = value is not None and str(value).lower() == expected.lower()
        else:
            try:
                result = value is not None and {">": value > int(expected), "<": value < int(expected),
                                                ">=": value >= int(expected), "<=": value <= int(expected)}[operator]
            except (TypeError, ValueError):
                result = False
        return result != bool(negated)

    return test
