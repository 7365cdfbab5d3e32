"""Reading the Messages list: Twilio's filters (To, From, DateSent, DateSent<, DateSent>)
and its 2010-API paging (Page, PageSize, PageToken; next_page_uri / previous_page_uri),
newest first. Page tokens anchor on a message ("PA<sid>": the page after it, "PB<sid>":
the page before it) so a page does not shift when new messages arrive while a client pages."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from revgen_fakes.twilio.errors import TwilioApiError
from revgen_fakes.twilio.messages import API_VERSION, Message

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")


def _bound(raw: str, name: str) -> datetime | date:
    """A DateSent value: a day (YYYY-MM-DD) or an instant (YYYY-MM-DDTHH:MM:SSZ, as the SDK
    sends datetimes)."""
    try:
        if "T" in raw:
            return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return date.fromisoformat(raw)
    except ValueError:
        raise TwilioApiError(400, 20001, f"Invalid {name}: {raw}") from None


def _compare(sent: datetime, bound: datetime | date) -> int:
    if isinstance(bound, datetime):
        return (sent > bound) - (sent < bound)
    day = sent.date()
    return (day > bound) - (day < bound)


def _matches(message: Message, query: Mapping[str, str]) -> bool:
    if "To" in query and message.to != query["To"]:
        return False
    if "From" in query and message.from_ != query["From"]:
        return False
    date_filters = [(name, _bound(query[name], name)) for name in ("DateSent", "DateSent<", "DateSent>")
                    if name in query]
    if date_filters and message.date_sent is None:
        return False  # not sent yet: no DateSent to match
    for name, bound in date_filters:
        assert message.date_sent is not None  # (refused above)
        order = _compare(message.date_sent, bound)
        if (name == "DateSent" and order != 0) or (name == "DateSent<" and order > 0) \
                or (name == "DateSent>" and order < 0):
            return False
    return True


def _int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise TwilioApiError(400, 20001, f"Invalid {name}") from None
    if not low <= value <= high:
        raise TwilioApiError(400, 20001, f"{name} must be between {low} and {high}")
    return value


def message_page(all_messages: list[Message], account_sid: str, query: Mapping[str, str]) -> dict:
    page_size = _int(query, "PageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _int(query, "Page", 0, 0, 10**9)
    # Newest first; messages created within the same second keep creation order reversed.
    ordered = [m for _, m in sorted(enumerate(all_messages), key=lambda p: (p[1].date_created, p[0]), reverse=True)]
    matching = [m for m in ordered if _matches(m, query)]
    sids = [m.sid for m in matching]
    token = query.get("PageToken", "")
    if token[:2] == "PA" and token[2:] in sids:
        start = sids.index(token[2:]) + 1
    elif token[:2] == "PB" and token[2:] in sids:
        start = max(sids.index(token[2:]) - page_size, 0)
    else:
        start = page * page_size
    records = matching[start:start + page_size]

    base = f"/{API_VERSION}/Accounts/{account_sid}/Messages.json"
    filters = [(name, query[name]) for name in FILTERS if name in query]

    def uri(page_number: int, page_token: str | None = None) -> str:
        paging = [("PageSize", page_size), ("Page", page_number)] + ([("PageToken", page_token)] if page_token else [])
        return f"{base}?{urlencode([*filters, *paging])}"

    has_next = start + len(records) < len(matching)
    return {
        "end": start + max(len(records) - 1, 0),
        "first_page_uri": uri(0),
        "messages": [m.to_json() for m in records],
        "next_page_uri": uri(page + 1, "PA" + records[-1].sid) if has_next and records else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": uri(page - 1, "PB" + records[0].sid) if page > 0 and records else None,
        "start": start,
        "uri": uri(page, token or None),
    }
