"""The Engine API client: version negotiation, requests, and errors in docker's words."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from typing import Any

import requests

from dshell import __version__
from dshell.engine.endpoint import Endpoint
from dshell.engine.errors import APIError, DaemonUnreachable, EngineError, api_error
from dshell.engine.transport import Transport

NEWEST_API_VERSION = "1.45"
OLDEST_API_VERSION = "1.24"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 300.0
NO_READ_TIMEOUT = None


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def min_version(a: str, b: str) -> str:
    return a if _version_tuple(a) <= _version_tuple(b) else b


class EngineClient:
    """One Engine, one connection pool; every call raises an ``EngineError`` on failure."""

    def __init__(self, endpoint: Endpoint, pinned_version: str | None = None) -> None:
        self.endpoint = endpoint
        self.pinned_version = pinned_version or os.environ.get("DOCKER_API_VERSION") or None
        self._negotiated: str | None = None
        self._server_headers: dict[str, str] = {}
        self.transport = Transport(endpoint, f"dshell/{__version__}")
        self._base = self.transport.base
        self.session = self.transport.session

    # -- version ---------------------------------------------------------------------------
    @property
    def api_version(self) -> str:
        """The API version in use, negotiated with ``/_ping`` on first need."""
        if self.pinned_version:
            return self.pinned_version
        if self._negotiated is None:
            try:
                self.ping()
            except (TLSFailure, SSHFailure):
                # docker's ping fails quietly too; the real request then reports the TLS
                # problem with its own URL.
                return NEWEST_API_VERSION
        return self._negotiated or NEWEST_API_VERSION

    @property
    def negotiated(self) -> bool:
        return self.pinned_version is not None or self._negotiated is not None

    def ping(self) -> dict[str, str]:
        """``GET /_ping``; records the server's API version and returns its headers."""
        response = self._send("GET", "/_ping", timeout=(CONNECT_TIMEOUT, 30))
        self._server_headers = dict(response.headers)
        server_version = response.headers.get("Api-Version")
        self._negotiated = (
            min_version(NEWEST_API_VERSION, server_version) if server_version else "1.24"
        )
        return self._server_headers

    def reset(self) -> None:
        """Forget the negotiated version (after a reconnect the server may have changed)."""
        self._negotiated = None

    # -- requests --------------------------------------------------------------------------
    def url(self, path: str) -> str:
        from dshell.engine.urls import api_path

        return f"{self._base}{api_path(self.api_version, path)}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        timeout: float | None = READ_TIMEOUT,
    ) -> requests.Response:
        """Send a versioned request; raise ``APIError`` for an error status."""
        url = self.url(path)
        response = self._send(
            method,
            url,
            absolute=True,
            params=_clean_params(params),
            json=json_body,
            data=data,
            headers=headers,
            stream=stream,
            timeout=(CONNECT_TIMEOUT, NO_READ_TIMEOUT if stream else timeout),
        )
        if response.status_code >= 400:
            raise api_error(response.status_code, _error_message(response))
        if response.status_code in (301, 302, 303, 307, 308):
            # docker's client follows no redirect (client.CheckRedirect); a path the daemon
            # would redirect never leaves it, being cleaned first (urls.api_path).
            response.close()
            raise EngineError(f'error during connect: {method.title()} "{url}": unexpected '
                              "redirect in response")  # fmt: skip
        return response

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def get_raw(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """The body exactly as the daemon sent it (``inspect`` re-indents it, never re-encodes)."""
        return self.request("GET", path, params=params).content

    def post_json(self, path: str, params: dict | None = None, body: Any = None) -> Any:
        response = self.request("POST", path, params=params, json_body=body)
        return response.json() if response.content else None

    def close(self) -> None:
        self.session.close()

    def _send(self, method: str, path: str, *, absolute: bool = False, **kwargs: Any):
        url = path if absolute else f"{self._base}{path}"
        try:
            return self.transport.send(method, url, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise tls_failure(method, self._display_url(url, kwargs.get("params")), exc) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            if self.endpoint.proto == "ssh":
                raise self._ssh_failure(method, url, kwargs.get("params"), exc) from exc
            raise self._unreachable(exc) from exc
        except requests.RequestException as exc:
            raise EngineError(f"error during connect: {exc}") from exc

    def _display_url(self, url: str, params: dict | None) -> str:
        """The URL as Go's client prints it in errors (``http://docker.example.com`` for
        ssh, the query string included)."""
        prepared = requests.Request("GET", url, params=params).prepare().url or url
        if self.endpoint.proto == "ssh":
            prepared = "http://docker.example.com" + prepared[len(self._base) :]
        return prepared

    def _ssh_failure(
        self, method: str, url: str, params: dict | None, exc: Exception
    ) -> EngineError:
        """docker's message when the ssh helper process died (bad host, auth, no docker)."""
        from dshell.engine.ssh import parse_ssh_url

        command = " ".join(parse_ssh_url(self.endpoint.host).command())
        status, stderr = None, ""
        for adapter in self.session.adapters.values():
            if hasattr(adapter, "last_failure"):
                status, stderr = adapter.last_failure()
        if status is None:
            return EngineError(f"error during connect: {_innermost(exc)}")
        return SSHFailure(
            f'error during connect: {method.title()} "{self._display_url(url, params)}": '
            f"command [{command}] has exited with exit status {status}, make sure the URL is "
            f"valid, and Docker 18.09 or later is installed on the remote host: "
            f"stderr={stderr}"
        )

    def _unreachable(self, exc: Exception) -> EngineError:
        if _has_errno(exc, errno.EACCES):
            return DaemonUnreachable(
                "permission denied while trying to connect to the Docker daemon socket at "
                f"{self.endpoint.host}: connect: permission denied"
            )
        return DaemonUnreachable(
            f"Cannot connect to the Docker daemon at {self.endpoint.host}. "
            "Is the docker daemon running?"
        )


class TLSFailure(EngineError):
    """The TLS handshake failed; never retried over plain HTTP."""


class SSHFailure(EngineError):
    """The ssh helper process exited: bad host, refused key, no docker on the remote."""


def tls_failure(method: str, url: str, exc: BaseException) -> TLSFailure:
    """docker's words for a failed handshake: an unknown CA, a name the certificate does not
    cover, or a server that wants a client certificate we did not (validly) present."""
    import ssl

    reason = _innermost(exc)
    verify = _find(exc, ssl.SSLCertVerificationError)
    request = f'{method.title()} "{url}"'
    if verify is not None:
        code = getattr(verify, "verify_code", None)
        message = getattr(verify, "verify_message", "") or reason
        if code in (18, 19, 20, 21, 2):
            detail = "x509: certificate signed by unknown authority"
        elif code == 10:
            detail = "x509: certificate has expired or is not yet valid"
        elif code == 62 or "mismatch" in message or "match" in message:
            detail = f"x509: {message}"
        else:
            detail = f"x509: {message}"
        return TLSFailure(
            f"error during connect: {request}: tls: failed to verify certificate: {detail}"
        )
    if "BAD_CERTIFICATE" in reason or "CERTIFICATE_REQUIRED" in reason:
        alert = "bad certificate" if "BAD_CERTIFICATE" in reason else "certificate required"
        return TLSFailure(
            "the server probably has client authentication (--tlsverify) enabled; check your "
            f"TLS client certification settings: {request}: remote error: tls: {alert}"
        )
    return TLSFailure(f"error during connect: {request}: {reason}")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything behind it: causes, contexts, urllib3 reasons, wrapped args."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__])
        stack.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)


def _find(exc: BaseException, kind: type) -> BaseException | None:
    return next((cause for cause in _causes(exc) if isinstance(cause, kind)), None)


def _clean_params(params: dict[str, Any] | None) -> dict[str, bytes] | None:
    """Drop unset values and spell booleans the way the daemon expects; values go out as
    bytes, so text that came in as non-UTF-8 bytes (surrogate escapes) goes out unchanged."""
    if not params:
        return None
    cleaned = {}
    for key, value in params.items():
        if value is None or value is False:
            continue
        text = "1" if value is True else str(value)
        cleaned[key] = text.encode("utf-8", "surrogateescape")
    return cleaned


def _error_message(response: requests.Response) -> str:
    """The daemon's message as docker's client reads it: JSON ``message`` (any case, as Go's
    decoder matches field names) or the plain body, trimmed of surrounding white space."""
    if response.headers.get("Content-Type") == "application/json":
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            message = next((value for key, value in body.items()
                            if key.lower() == "message" and isinstance(value, str)), "")
            if message:
                return message.strip()
            from http import HTTPStatus

            try:
                reason = HTTPStatus(response.status_code).phrase
            except ValueError:
                reason = ""
            return (f"API returned a {response.status_code} ({reason}) but provided no "
                    "error-message")  # fmt: skip
    return response.text.strip() or response.reason or f"HTTP {response.status_code}"


def _has_errno(exc: BaseException, code: int) -> bool:
    return any(isinstance(cause, OSError) and cause.errno == code for cause in _causes(exc))


def _innermost(exc: BaseException) -> str:
    current: BaseException = exc
    while True:
        nxt = current.__cause__ or current.__context__
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            nxt = reason
        elif current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        if nxt is None or nxt is current:
            return str(current)
        current = nxt


__all__ = ["EngineClient", "APIError", "NEWEST_API_VERSION"]
