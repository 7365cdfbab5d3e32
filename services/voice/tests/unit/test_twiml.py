"""The TwiML a caller gets, as Twilio reads it."""
import xml.etree.ElementTree as ET

from voice.domain import twiml
from voice.domain.answering import Line


def verbs(document: str) -> list[str]:
    return [verb.tag for verb in ET.fromstring(document)]


def test_the_greeting_is_played_when_synthesised_and_said_otherwise_then_voicemail():
    assert verbs(twiml.greeting("https://v/greetings/1", "Hi", "https://v/r", "https://v/rc")) == [
        "Play", "Record", "Hangup"]
    said = ET.fromstring(twiml.greeting(None, "Hi there", "https://v/r", "https://v/rc"))
    assert [v.tag for v in said] == ["Say", "Record", "Hangup"] and said[0].text == "Hi there"
    assert said[1].get("recordingStatusCallback") == "https://v/rc" and said[1].get("action") == "https://v/r"


def test_in_ai_mode_twilio_listens_from_the_greetings_first_word_and_a_silent_caller_goes_to_voicemail():
    document = ET.fromstring(twiml.greeting(None, "Hi", "https://v/r", "https://v/rc", "https://v/ai-heard"))
    assert [v.tag for v in document] == ["Gather", "Say", "Record", "Hangup"]
    gather = document.find("Gather")
    assert (gather.get("input"), gather.get("action"), gather.get("actionOnEmptyResult")) == (
        "speech", "https://v/ai-heard", "false")
    assert [(v.tag, v.text) for v in gather] == [("Say", "Hi")]


def test_the_ai_voices_answer_is_said_then_the_caller_leaves_a_message():
    document = ET.fromstring(twiml.spoken_then_voicemail("We open at nine.", "https://v/r", "https://v/rc"))
    assert [(v.tag, v.text) for v in document][:2] == [("Say", "We open at nine."), ("Say", twiml.LEAVE_A_MESSAGE)]
    assert [v.tag for v in document][2:] == ["Record", "Hangup"]


def test_every_line_rings_at_once_and_each_answered_leg_names_its_member():
    dial = ET.fromstring(twiml.ring([Line("+15550000001", "business"), Line("+15550000002", "p 1&x")], 15,
                                    "https://v/dial-ended", "https://v/member-answered"))[0]
    assert (dial.tag, dial.get("timeout"), dial.get("action")) == ("Dial", "15", "https://v/dial-ended")
    assert [(n.text, n.get("url")) for n in dial] == [
        ("+15550000001", "https://v/member-answered?member=business"),
        ("+15550000002", "https://v/member-answered?member=p+1%26x")]


def test_the_member_who_takes_the_call_hears_the_whisper_played_when_cached_and_said_otherwise():
    assert [(v.tag, v.text) for v in ET.fromstring(twiml.whisper("https://v/greetings/2", "Call for A"))] == [
        ("Play", "https://v/greetings/2")]
    assert [(v.tag, v.text) for v in ET.fromstring(twiml.whisper(None, "Call for A"))] == [("Say", "Call for A")]
