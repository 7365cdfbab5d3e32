"""Stripe's v1 request encoding: form fields in bracket notation, e.g.
`items[0][price]=price_1&metadata[client_id]=abc&expand[]=latest_invoice`, decoded into
nested dicts and lists (values stay strings, as on the wire)."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(encoded: str) -> dict:
    root: dict = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        base, _, rest = key.partition("[")
        path = [base] + _PART.findall("[" + rest) if rest else [base]
        node = root
        for name, next_name in zip(path, path[1:]):
            node = node.setdefault(name, [] if next_name == "" else {})
            if isinstance(node, str):
                raise ValueError(f"parameter {base!r} is both a value and a hash")
        last = path[-1]
        if last == "" and isinstance(node, list):
            node.append(value)  # `types[]=a&types[]=b`
        elif isinstance(node, dict):
            node[last] = value
    return _lists_from_indexed(root)


def _lists_from_indexed(value):
    """`{"0": a, "1": b}` (how the SDK sends arrays) -> `[a, b]`."""
    if isinstance(value, list):
        return [_lists_from_indexed(item) for item in value]
    if not isinstance(value, dict):
        return value
    decoded = {key: _lists_from_indexed(item) for key, item in value.items()}
    if decoded and all(key.isdigit() for key in decoded):
        return [decoded[key] for key in sorted(decoded, key=int)]
    return decoded
