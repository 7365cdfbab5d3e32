"""What a lead's message asks of us before anything else: to stop, to start again, or for
help — decided here, by rules, never by the assistant.

Opting out (TCPA, FCC 24-18): consent may be revoked by any reasonable means, and a reply
using stop, quit, end, revoke, opt out, cancel or unsubscribe is a revocation. So besides
the carrier keywords alone (STOP, ...), a sentence asking us to stop texting — in English
or Spanish, any case, usual misspellings — opts out. A word that merely appears ("stop by
tomorrow?", "the end of the week", "cancel my appointment", "para mañana") does not: the
lead is talking to the business, and the assistant answers. The cases decided either
way are listed in tests/unit/opt_out_phrases.yaml, which the tests read.
"""
from __future__ import annotations

import re
import unicodedata
from enum import Enum


class Keyword(Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


# A message that is only one of these words (politeness and punctuation aside).
_WORDS = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke",
                     "alto", "baja", "para", "parar", "detener", "cancelar", "basta"), Keyword.OPT_OUT),
    **dict.fromkeys(("start", "unstop", "yes", "subscribe", "optin"), Keyword.OPT_IN),
    **dict.fromkeys(("help", "info", "ayuda"), Keyword.HELP),
}
_POLITENESS = {"please", "pls", "plz", "now", "it", "all", "thanks", "thank", "ok", "okay", "por", "favor", "ya",
               "just", "already"}
# Misspellings seen in carrier logs, mapped to the word meant (whole words, after normalising).
_MEANT = {
    "stopp": "stop", "stpo": "stop", "sotp": "stop", "stp": "stop", "sop": "stop", "stoo": "stop",
    "unsubcribe": "unsubscribe", "unsuscribe": "unsubscribe", "unsubscibe": "unsubscribe",
    "unsubsribe": "unsubscribe", "unsubscrib": "unsubscribe", "unsubscribed": "unsubscribe",
    "unsubscriber": "unsubscribe", "usubscribe": "unsubscribe", "unsub": "unsubscribe", "unsubscripe": "unsubscribe",
    "txt": "text", "txting": "texting", "texing": "texting", "textin": "texting", "textng": "texting",
    "txts": "texts", "msg": "message", "msgs": "messages", "msging": "messaging", "messeging": "messaging",
    "mesaging": "messaging", "massages": "messages", "messges": "messages", "mesages": "messages",
    "dont": "don't", "do'nt": "don't", "pleaseee": "please", "plese": "please",
}
_CONTACT = r"(text|texting|texts|message|messages|messaging|contact|contacting|calling|sending|spamming|bothering|harass\w*)"
_FILLER = r"( (with|sending|all|the|these|those|this|your|ur|any|so|many|me|us))*"
_NOT = r"(?<!don't )(?<!do not )(?<!never )(?<!not )"
_PHRASES = [re.compile(p) for p in (
    # English
    rf"{_NOT}\b(stop|quit|cease){_FILLER} {_CONTACT}\b",  # stop texting me, quit sending me these
    r"\b(want|wanna|like|need) to (stop|quit|unsubscribe)$",  # (but: want to stop the leak)
    r"\b(said|told you|told you to|asked you to) stop$",
    rf"{_NOT}\bunsubscribe\b",  # unsubscribe me, how do i unsubscribe
    rf"{_NOT}\bopt (me )?out\b|\boptout\b|\bopt-out\b",
    rf"{_NOT}\brevoke\b",
    r"\b(don't|do not|never) (ever )?(text|message|contact|sms)\b",  # (but: don't call, text me)
    r"\bno more (texts|texting|messages|text messages|sms)\b",  # (but: no messages from the tech yet)
    r"\b(remove|delete|erase) (me|my (phone )?number)\b",
    r"\btake me off\b",
    r"\blose my number\b",
    r"\bleave me alone\b",
    r"\b(cancel|end) (these|the|all|your|my) (texts|messages|text messages|alerts|subscription|sms)\b",
    r"\bwrong number\b",  # whoever has this number never agreed to hear from us
    # Spanish (accents removed)
    r"\bde baja\b|\bdarme de baja\b",
    r"\bno me (escriba|escribas|escriban|manden|mandes|mande|envien|envies|envie|contacten|contactes|"
    r"contacte|molesten|molestes|moleste|llamen|textees|texteen)\b",
    r"\bdej(a|en|e) de (escribirme|mandarme|enviarme|contactarme|molestarme|textearme)\b",
    r"\bno (quiero|deseo) (recibir )?(mas )?(mensajes|textos|sms)\b",
    r"\bno mas (mensajes|textos|sms)\b",
    r"\b(basta|alto) (de|con) (mensajes|textos)\b",
    r"\b(quitenme|quiteme|saquenme|sacame|borren|borrenme) (de|mi)\b",
    r"\bcancelar (suscripcion|mensajes|los mensajes)\b",
)]
_ASKS_FOR_A_PERSON = re.compile(r"\b(real person|human|talk to (someone|somebody|a person)|call me|speak (to|with))\b",
                                re.IGNORECASE)

CONFIRMATIONS = {
    Keyword.OPT_OUT: "You have been unsubscribed and will receive no more messages from {business}. Reply START to resubscribe.",
    Keyword.OPT_IN: "You are resubscribed to messages from {business}. Reply STOP to unsubscribe, HELP for help.",
    Keyword.HELP: "{business}: reply STOP to unsubscribe. Msg & data rates may apply.",
}


def _words(body: str) -> list[str]:
    """Lower case, accents off, punctuation off (but apostrophes kept: don't), misspellings mended."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", body).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("’", "'")
    return [_MEANT.get(w, w) for w in re.findall(r"[a-z0-9']+|-", text.replace("opt-out", "optout"))
            if w != "-"]


def keyword_of(body: str) -> Keyword | None:
    words = _words(body)
    spaced_out = "".join(words) if words and all(len(w) == 1 for w in words) else None  # "S T O P"
    meaningful = {w for w in words if w not in _POLITENESS}  # a set: "stop stop stop" is "stop"
    if spaced_out in _WORDS:
        return _WORDS[spaced_out]
    if len(meaningful) == 1 and (word := meaningful.pop()) in _WORDS:
        return _WORDS[word]
    return Keyword.OPT_OUT if asks_to_stop(body) else None


def asks_to_stop(body: str) -> bool:
    """A sentence asking us to stop messaging (not just a stop word somewhere in it)."""
    sentence = " ".join(_words(body))
    return any(phrase.search(sentence) for phrase in _PHRASES) or sentence in ("not interested", "no interesado")


def asks_for_a_person(body: str) -> bool:
    return bool(_ASKS_FOR_A_PERSON.search(body))
