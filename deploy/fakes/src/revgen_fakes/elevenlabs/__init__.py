"""An ElevenLabs fake the official `elevenlabs` SDK (2.x) talks to unchanged: text to
speech (`POST /v1/text-to-speech/{voice_id}`, and `/stream`) behind the `xi-api-key`
header, answering MP3 bytes; a wrong key is a 401 in ElevenLabs' own error shape, and
behind a FaultInjector (`faulty_app`) it answers 429 and 5xx like the real service.

Aiming the SDK at it: `AsyncElevenLabs(api_key=..., base_url=f"http://127.0.0.1:{port}")`.
"""
from revgen_fakes.elevenlabs.app import ElevenLabsState, create_app, error_body, fake_audio, faulty_app

__all__ = ["ElevenLabsState", "create_app", "error_body", "fake_audio", "faulty_app"]
