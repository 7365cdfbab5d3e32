"""Carrier-standard keywords (CTIA): a message that is exactly one of these words opts the
sender out, back in, or asks for help — and each is confirmed."""
from __future__ import annotations

import re
from enum import Enum


class Keyword(Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


_WORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"), Keyword.OPT_OUT),
    **dict.fromkeys(("START", "UNSTOP", "YES", "SUBSCRIBE", "OPTIN"), Keyword.OPT_IN),
    **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
}
_ASKS_FOR_A_PERSON = re.compile(r"\b(real person|human|talk to (someone|somebody|a person)|call me|speak (to|with))\b",
                                re.IGNORECASE)

CONFIRMATIONS = {
    Keyword.OPT_OUT: "You have been unsubscribed and will receive no more messages from {business}. Reply START to resubscribe.",
    Keyword.OPT_IN: "You are resubscribed to messages from {business}. Reply STOP to unsubscribe, HELP for help.",
    Keyword.HELP: "{business}: reply STOP to unsubscribe. Msg & data rates may apply.",
}


def keyword_of(body: str) -> Keyword | None:
    return _WORDS.get(re.sub(r"[^A-Za-z]", "", body).upper())


def asks_for_a_person(body: str) -> bool:
    return bool(_ASKS_FOR_A_PERSON.search(body))
