"""A chat completion in the shape POST /v1/chat/completions returns, with token counts
approximated (about four characters a token, OpenAI's own rule of thumb) since no real
tokenizer runs here."""
from __future__ import annotations

import math
import secrets
import string

from revgen_fakes.openai.errors import OpenAIApiError

_ID_ALPHABET = string.ascii_letters + string.digits
PER_MESSAGE_TOKENS = 4  # role and framing each message costs on top of its text


def text_of(content) -> str:
    """A message's text: a plain string, or the text parts of a content-part list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def echo_reply(messages: list[dict]) -> str:
    """The default responder: deterministic, and shows which message it answered."""
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    return f"echo: {text_of(last_user['content'])}" if last_user else "echo:"


def approx_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def validate(body: object) -> dict:
    if not isinstance(body, dict):
        raise OpenAIApiError(400, "We could not parse the JSON body of your request.")
    if not body.get("model"):
        raise OpenAIApiError(400, "you must provide a model parameter")
    messages = body.get("messages")
    if messages is None:
        raise OpenAIApiError(400, "Missing required parameter: 'messages'.", code="missing_required_parameter",
                             param="messages")
    if not isinstance(messages, list) or not messages:
        raise OpenAIApiError(400, "Invalid 'messages': expected a non-empty array.", code="empty_array",
                             param="messages")
    if body.get("stream"):
        raise OpenAIApiError(400, "This fake does not stream; call without stream=True.", param="stream")
    return body


def chat_completion(body: dict, reply: str, created: int) -> dict:
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    finish_reason = "stop"
    if limit and approx_tokens(reply) > limit:
        reply, finish_reason = reply[:limit * 4], "length"
    prompt_tokens = sum(approx_tokens(text_of(m.get("content"))) + PER_MESSAGE_TOKENS for m in body["messages"])
    completion_tokens = approx_tokens(reply)
    choices: list[dict] = [
        {"index": index, "message": {"role": "assistant", "content": reply, "refusal": None, "annotations": []},
         "logprobs": None, "finish_reason": finish_reason} for index in range(body.get("n") or 1)]
    return {
        "id": "chatcmpl-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(29)),
        "object": "chat.completion",
        "created": created,
        "model": body["model"],
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens * len(choices),
            "total_tokens": prompt_tokens + completion_tokens * len(choices),
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_revgenfake",
    }
