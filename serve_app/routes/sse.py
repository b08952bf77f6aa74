"""Server-sent events of a streaming deployment call (chat, OpenAI-style completions)."""

from __future__ import annotations

import asyncio
import json

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from ray.serve.handle import DeploymentResponseGenerator

from generation.openai_format import SSE_DONE, StreamFramer, sse
from lexray.errors import LexRayError
from serve_app.errors import error_response, status_for
from serve_app.logs import replica_logger

logger = replica_logger(__name__)


async def event_stream(request: Request, chunks: DeploymentResponseGenerator,
                       framer: StreamFramer) -> StreamingResponse:
    """Server-sent events of a streaming handle's chunks, ending with ``data: [DONE]``.

    The first chunk is awaited before the response starts, so an invalid request still gets
    its 4xx in the one error shape; a failure later ends the stream with an error event.
    """
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = None

    async def events():
        chunk = first
        try:
            while chunk is not None:
                for frame in framer.frames(chunk):
                    yield sse(frame)
                chunk = await anext(chunks, None)
        except asyncio.CancelledError:  # the client went away: stop generating for it
            chunks.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - reported in the stream, whose status is sent
            cause = getattr(exc, "cause", None)
            error = cause if isinstance(cause, LexRayError) else exc
            if isinstance(error, LexRayError):
                status, code, message = status_for(error), error.code, error.message
            else:
                logger.exception("stream failed on %s", request.url.path)
                status, code, message = 500, "internal_error", "internal server error"
            yield sse(json.loads(error_response(request, status, code, message).body))
        yield SSE_DONE

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


class PassThroughFramer:
    """Frames for ``event_stream`` when a deployment yields the events themselves (chat)."""

    def frames(self, event: dict) -> list[dict]:
        return [jsonable_encoder(event)]  # datetimes as ISO strings, like JSON responses
