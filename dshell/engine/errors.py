"""Exceptions raised by the Engine client; their ``str()`` is what docker prints."""

from __future__ import annotations


class EngineError(Exception):
    """Anything that went wrong talking to the Engine."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class EndpointError(EngineError):
    """The endpoint (host, context, TLS files) could not be resolved; docker calls this
    'Failed to initialize'."""

    def __str__(self) -> str:
        return f"Failed to initialize: unable to resolve docker endpoint: {self.message}"


class DaemonUnreachable(EngineError):
    """No daemon answered at the address, or we may not talk to it."""


class APIError(EngineError):
    """The daemon answered with an error status; ``message`` is the daemon's own text."""

    def __str__(self) -> str:
        return f"Error response from daemon: {self.message}"


class NotFound(APIError):
    """404 from the daemon: no such container, image, network, ..."""


class Conflict(APIError):
    """409 from the daemon."""


class StreamError(EngineError):
    """An error object inside a 200 JSON progress stream (pull, push, build, ...)."""


def api_error(status: int, message: str) -> APIError:
    """The most specific ``APIError`` for an HTTP status."""
    if status == 404:
        return NotFound(message, status)
    if status == 409:
        return Conflict(message, status)
    return APIError(message, status)
