"""The TwiML documents a call is answered with, built with the official SDK's VoiceResponse."""
from __future__ import annotations

from urllib.parse import urlencode

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from voice.domain.ai_voice import LEAVE_A_MESSAGE
from voice.domain.answering import Line

VOICEMAIL_SECONDS = 120
AI_LISTEN_SECONDS = 5  # after the greeting, how long Twilio waits for the caller to start speaking


def ring(lines: list[Line], ring_seconds: int, dial_ended_url: str, answered_url: str) -> str:
    """Every line rings at once; each answered leg asks `answered_url` whether it is the one
    that takes the call (Twilio runs a <Number url> on the answered leg before it bridges)."""
    response = VoiceResponse()
    dial = Dial(action=dial_ended_url, method="POST", timeout=ring_seconds, answer_on_bridge=True)
    for line in lines:
        dial.number(line.number, url=f"{answered_url}?{urlencode({'member': line.member})}", method="POST")
    response.append(dial)
    return str(response)


def greeting(audio_url: str | None, text: str, recorded_url: str, recording_url: str,
             ai_heard_url: str | None = None) -> str:
    """The greeting (ElevenLabs' audio when we have it, Twilio's own voice when we do not: a
    caller never hears silence), then voicemail. With the AI voice (`ai_heard_url`) Twilio
    listens from the greeting's first word and sends what the caller said there; a caller
    who says nothing goes on to voicemail."""
    response = VoiceResponse()
    spoken: VoiceResponse | Gather = response
    if ai_heard_url:
        spoken = Gather(input="speech", action=ai_heard_url, method="POST", speech_timeout="auto",
                        timeout=AI_LISTEN_SECONDS, action_on_empty_result=False)
        response.append(spoken)
    if audio_url:
        spoken.play(audio_url)
    else:
        spoken.say(text)
    if ai_heard_url:
        response.say(LEAVE_A_MESSAGE)
    return _voicemail(response, recorded_url, recording_url)


def spoken_then_voicemail(text: str, recorded_url: str, recording_url: str) -> str:
    """The AI voice's answer (or holding line), then the caller leaves a message."""
    response = VoiceResponse()
    response.say(text)
    response.say(LEAVE_A_MESSAGE)
    return _voicemail(response, recorded_url, recording_url)


def _voicemail(response: VoiceResponse, recorded_url: str, recording_url: str) -> str:
    response.record(action=recorded_url, method="POST", max_length=VOICEMAIL_SECONDS, play_beep=True,
                    recording_status_callback=recording_url, recording_status_callback_method="POST")
    response.hangup()
    return str(response)


def bridge() -> str:
    """The answered leg is the one: an empty document lets Twilio bridge it."""
    return empty()


def whisper(audio_url: str | None, text: str) -> str:
    """The answered leg is the one: it hears whose call it is (ElevenLabs' audio when cached,
    Twilio's own voice otherwise), then Twilio bridges it at the document's end."""
    response = VoiceResponse()
    if audio_url:
        response.play(audio_url)
    else:
        response.say(text)
    return str(response)


def empty() -> str:
    """Nothing to do (what a status callback is answered with)."""
    return str(VoiceResponse())


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def not_in_service() -> str:
    response = VoiceResponse()
    response.say("Sorry, this number is not in service.")
    response.hangup()
    return str(response)
