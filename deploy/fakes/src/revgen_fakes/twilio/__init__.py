"""A Twilio fake the official `twilio` SDK (9.x) talks to unchanged: the Messages API
(create, fetch, list with filters and paging) behind HTTP Basic auth, signed status
callbacks that can arrive late, twice or out of order, and signed inbound webhooks, and
Voice: `VoiceCalls` runs an inbound call against our TwiML as Twilio would (voice_calls.py;
`python -m revgen_fakes.twilio.place_call` places one under `./dev up`).

Aiming the SDK at it. twilio-python has no base-URL option: every domain's URL is the
`base_url` attribute of its Domain object, which the SDK joins with each request's path
(`Domain.absolute_url`). `edge`/`region` only rewrite a *.twilio.com host name. So set the
attribute of the domain the code uses -- the Messages API lives on `client.api`:

    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    client = Client(state.account_sid, state.auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = f"http://127.0.0.1:{port}"          # instead of https://api.twilio.com
    message = await client.messages.create_async(to=..., from_=..., body=..., status_callback=...)
    ...
    await client.http_client.close()                          # the aiohttp session

The synchronous client is the same without `http_client=` (it uses `requests`, so call it
off the event loop that serves the fake, e.g. `await asyncio.to_thread(...)`). Paging links
(`next_page_uri`) are relative, so `list()` / `stream()` follow them to the fake as well.
Code reaching other domains (e.g. `client.messaging`) would set that domain's `base_url`
the same way, or use an HttpClient subclass that rewrites the host of every URL.

TwilioRestException does not carry response headers; a 429's Retry-After is on the wire
and readable from the http client's last response
(`client.http_client._test_only_last_response.headers`) or an HttpClient subclass.
"""
from revgen_fakes.request_log import RecordedRequest, RequestLog
from revgen_fakes.twilio.app import create_app, faulty_app
from revgen_fakes.twilio.delivery import CallbackDelivery
from revgen_fakes.twilio.errors import error_body
from revgen_fakes.twilio.messages import Message
from revgen_fakes.twilio.state import TwilioState
from revgen_fakes.twilio.voice_calls import VoiceCall, VoiceCalls
from revgen_fakes.twilio.webhooks import call_status_request, inbound_sms_request

__all__ = ["CallbackDelivery", "Message", "RecordedRequest", "RequestLog", "TwilioState", "call_status_request",
           "VoiceCall", "VoiceCalls", "create_app", "error_body", "faulty_app", "inbound_sms_request"]
