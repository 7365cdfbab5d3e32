"""Reading a request body without ever buffering more than the limit."""
from starlette.requests import Request

from ingress.domain.webhooks import TooLarge

MAX_BODY_BYTES = 1024 * 1024


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge("too_large", f"body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():  # chunked bodies have no length to check up front
        size += len(chunk)
        if size > limit:
            raise TooLarge("too_large", f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
