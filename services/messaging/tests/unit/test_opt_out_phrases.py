"""Opting out by any reasonable means (FCC 24-18), decided by rules over a list kept in
opt_out_phrases.yaml: every phrase there that asks to stop opts out, and none of the ones
that only use a stop word for something else does."""
from pathlib import Path

import pytest
import yaml

from messaging.domain.keywords import Keyword, keyword_of

PHRASES = yaml.safe_load((Path(__file__).parent / "opt_out_phrases.yaml").read_text(encoding="utf-8"))


def test_the_phrase_list_holds_only_text_and_both_kinds():
    assert all(isinstance(p, str) for kind in ("opt_out", "not_opt_out") for p in PHRASES[kind])
    assert len(PHRASES["opt_out"]) >= 80 and len(PHRASES["not_opt_out"]) >= 25


@pytest.mark.parametrize("message", PHRASES["opt_out"])
def test_a_message_asking_to_stop_opts_out(message):
    assert keyword_of(message) is Keyword.OPT_OUT


@pytest.mark.parametrize("message", PHRASES["not_opt_out"])
def test_a_message_that_only_uses_a_stop_word_does_not_opt_out(message):
    assert keyword_of(message) is not Keyword.OPT_OUT
