"""One BuildKit build through the Engine: the session opened, ``POST /build?version=2``, and
the build's stream decoded into status updates and the image ID.

The build request carries no body: with ``remote=client-session`` the Engine reads the
context and the Dockerfile from the session (``dir-name`` "context" and "dockerfile").
Every ``moby.buildkit.trace`` aux value is a base64 ``StatusResponse``; ``moby.image.id``
gives the image; an ``errorDetail`` ends the build with the Engine's message.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass

from dshell.buildkit.session import Session
from dshell.buildkit.wire import StatusResponse, WireError
from dshell.engine.errors import EngineError

TRACE_ID = "moby.buildkit.trace"
IMAGE_ID = "moby.image.id"


class BuildFailed(EngineError):
    """The build stream ended with an error: ``message`` is the Engine's text."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ImageBuilt:
    """The ``moby.image.id`` result."""

    id: str


@dataclass
class StreamText:
    """A ``stream`` message (``-q`` output, or anything the Engine writes as text)."""

    text: str


BuildEvent = StatusResponse | ImageBuilt | StreamText


def build_id() -> str:
    """docker's stringid.GenerateRandomID: 64 hex digits (used to cancel the build)."""
    import secrets

    return secrets.token_hex(32)


def open_session(client, session: Session) -> None:  # noqa: ANN001 - an EngineClient
    """``POST /session``, upgraded to h2c; dshell then serves the session's calls."""
    from dshell import __version__
    from dshell.engine.hijack import hijack
    from dshell.engine.urls import api_path

    connection = hijack(client.endpoint, api_path(client.api_version, "/session"),
                        user_agent=f"dshell/{__version__}", upgrade="h2c",
                        headers=session.headers())  # fmt: skip
    session.serve(connection)


def build_query(session_id: str, buildid: str, options: dict) -> list[tuple[str, str]]:
    """The ``/build`` query of a BuildKit build; ``options`` holds the flag values."""
    pairs: list[tuple[str, str]] = [("t", tag) for tag in options.get("tags") or ()]
    settings = {
        "version": "2",
        "remote": "client-session",
        "session": session_id,
        "buildid": buildid,
        "dockerfile": options.get("dockerfile") or "",
        "target": options.get("target") or "",
        "nocache": "1" if options.get("no_cache") else "",
        "pull": "1" if options.get("pull") else "",
        "networkmode": options.get("network") or "",
        "platform": options.get("platform") or "",
        "rm": "1",
    }
    pairs += [(key, value) for key, value in settings.items() if value]
    pairs += [("extrahosts", host) for host in options.get("extra_hosts") or ()]
    if options.get("build_args"):
        pairs.append(("buildargs", json.dumps(options["build_args"])))
    if options.get("labels"):
        pairs.append(("labels", json.dumps(options["labels"])))
    if options.get("cache_from"):
        pairs.append(("cachefrom", json.dumps(options["cache_from"])))
    if options.get("outputs"):
        pairs.append(("outputs", json.dumps(options["outputs"])))
    return pairs


def run_build(client, query: list[tuple[str, str]],  # noqa: ANN001 - an EngineClient
              registry_config: str = "") -> Iterator[BuildEvent]:  # fmt: skip
    """``POST /build`` and its decoded stream; raises ``BuildFailed`` at an error message."""
    from dshell.engine.streams import iter_json_objects
    from dshell.engine.urls import urlencode

    headers = {"Content-Type": "application/x-tar"}
    if registry_config:
        headers["X-Registry-Config"] = registry_config
    response = client.request("POST", f"/build?{urlencode(query)}", data=b"",
                              headers=headers, stream=True)  # fmt: skip
    try:
        for message in iter_json_objects(response.iter_content(chunk_size=None)):
            event = decode_message(message)
            if event is not None:
                yield event
    finally:
        response.close()


def decode_message(message: dict) -> BuildEvent | None:
    """One JSON message of the build stream as an event (None: nothing to show)."""
    detail = message.get("errorDetail")
    if detail or message.get("error"):
        text = (detail or {}).get("message") or message.get("error") or ""
        raise BuildFailed(str(text), int((detail or {}).get("code") or 0))
    ident = message.get("id")
    aux = message.get("aux")
    if ident == TRACE_ID and isinstance(aux, str):
        try:
            return StatusResponse.decode(base64.b64decode(aux))
        except (binascii.Error, WireError):
            return None
    if ident == IMAGE_ID and isinstance(aux, dict):
        return ImageBuilt(str(aux.get("ID") or ""))
    if isinstance(message.get("stream"), str):
        return StreamText(message["stream"])
    return None


def upload_context(client, buildid: str, body: bytes) -> None:  # noqa: ANN001 - an EngineClient
    """A context tar the build waits for (``remote=upload-request``): sent as a build of its
    own, named ``upload-request:<buildid>``; the build reports any failure."""
    from dshell.engine.urls import urlencode

    query = urlencode([("version", "2"), ("buildid", f"upload-request:{buildid}")])
    try:
        headers = {"Content-Type": "application/x-tar"}
        response = client.request("POST", f"/build?{query}", data=body, headers=headers,
                                  stream=True)  # fmt: skip
        response.close()
    except EngineError:
        pass


def cancel_build(client, buildid: str) -> None:  # noqa: ANN001 - an EngineClient
    """``POST /build/cancel``: stop the build on the Engine (Ctrl-C)."""
    try:
        client.request("POST", "/build/cancel", params={"id": buildid})
    except EngineError:
        pass
