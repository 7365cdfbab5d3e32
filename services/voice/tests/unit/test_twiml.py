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


def test_in_ai_mode_the_greeting_is_followed_by_the_ai_voices_stream_not_voicemail():
    document = ET.fromstring(twiml.greeting(None, "Hi", "https://v/r", "https://v/rc", "wss://ai.example/s"))
    assert [v.tag for v in document] == ["Say", "Connect"]
    assert document.find("Connect/Stream").get("url") == "wss://ai.example/s"


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
