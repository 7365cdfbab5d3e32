"""`python -m revgen_fakes.twilio.place_call --to NUMBER [--from CALLER] [--answer PHONE=SECONDS ...]
[--voicemail SECONDS] [--says WORDS]`: an inbound call played against voice under `./dev up`, as Twilio
would run it (signed with TWILIO_AUTH_TOKEN from the environment or .revgen/local.env); prints
what the caller heard and who took the call."""
from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

import httpx

from revgen_fakes.twilio.voice_calls import VoiceCalls


def _auth_token() -> str:
    if os.environ.get("TWILIO_AUTH_TOKEN"):
        return os.environ["TWILIO_AUTH_TOKEN"]
    for line in Path(".revgen/local.env").read_text().splitlines():
        name, _, value = line.partition("=")
        if name == "TWILIO_AUTH_TOKEN":
            return value
    raise SystemExit("TWILIO_AUTH_TOKEN is not set (nor in .revgen/local.env)")


async def place(args: argparse.Namespace) -> None:
    phones: dict[str, float | None] = {phone: float(after) for phone, _, after in (a.partition("=") for a in args.answer)}
    async with httpx.AsyncClient(timeout=20) as http:
        voice = VoiceCalls(http, auth_token=_auth_token(), account_sid=os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
                           status_callback_url=f"{args.voice}/twilio/voice/status",
                           api_base=os.environ.get("TWILIO_API_BASE", "http://127.0.0.1:12112"))
        call = await voice.call(f"{args.voice}/twilio/voice/incoming", from_=args.from_, to=args.to, phones=phones,
                                voicemail_seconds=args.voicemail, says=args.says)
    print(f"call {call.call_sid}: rang {call.dialed or 'nobody'}, connected {call.connected or 'nobody'}, "
          f"hung up on {call.refused or 'nobody'}; whispered to {list(call.whispers) or 'nobody'}; "
          f"said {call.said}; played {len(call.played)} audio file(s); "
          f"voicemail {call.recording_sid or 'none'}; our answers {call.webhook_statuses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voice", default="http://127.0.0.1:8086", help="voice's PUBLIC_BASE_URL")
    parser.add_argument("--to", required=True, help="the client's number")
    parser.add_argument("--from", dest="from_", default="+15550001111", help="the caller")
    parser.add_argument("--answer", action="append", default=[], help="PHONE=SECONDS: that phone picks up then")
    parser.add_argument("--voicemail", type=int, default=0, help="seconds of message the caller leaves")
    parser.add_argument("--says", help="what the caller says when the AI voice listens")
    asyncio.run(place(parser.parse_args()))


if __name__ == "__main__":
    main()
