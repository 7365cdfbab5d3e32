"""An OpenAI fake the official `openai` SDK talks to unchanged: POST /v1/chat/completions in
the real response shape, behind Bearer auth, with configurable latency, pluggable replies,
a per-request log for fair-share assertions, and OpenAI-format failures via FaultInjector
(429 with retry-after and x-ratelimit-* headers, 5xx, hangs, dropped responses).

Aiming the SDK at it: the client's documented `base_url` option (the path keeps /v1):

    client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test",
                                max_retries=0)

`max_retries=0` lets a test see each failure; leave the SDK's default (2) to exercise its
own retry on 429/5xx, which honours retry-after.
"""
from revgen_fakes.openai.app import create_app, faulty_app
from revgen_fakes.openai.completions import echo_reply
from revgen_fakes.openai.errors import error_body
from revgen_fakes.openai.state import CompletionRequest, OpenAIState
from revgen_fakes.request_log import RecordedRequest, RequestLog

__all__ = ["CompletionRequest", "OpenAIState", "RecordedRequest", "RequestLog", "create_app", "echo_reply",
           "error_body", "faulty_app"]
