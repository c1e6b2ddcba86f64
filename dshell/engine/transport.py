"""HTTP transport to the Engine: a requests session bound to one endpoint, and a short way
through it.

``Transport.send`` hands each request straight to the adapter mounted for the endpoint (the
requests-unixsocket one for unix sockets) instead of going through ``Session.request``:
dshell never uses what that adds (cookies, auth, proxies, environment settings, redirects,
hooks), and at a few thousand commands a script its cost (~0.3 ms a call) is the client's
largest. On a unix socket it goes one step further, to ``urlopen`` on the socket's one urllib3
pool, as the adapter would; a call whose answer is read whole (not streamed) on a connection
already open is written and read by ``http1`` on that connection's socket. The wire bytes,
the response object (a ``requests.Response``) and the exceptions stay what
``Session.request`` gave (tests/unit/test_transport.py compares them).
"""

from __future__ import annotations

import datetime
import http.client
import re
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlparse

import requests
from requests.cookies import RequestsCookieJar, cookiejar_from_dict
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from requests_unixsocket.adapters import UnixAdapter, UnixHTTPConnectionPool
from urllib3 import exceptions as urllib3_exceptions
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.timeout import Timeout
from urllib3.util.url import _encode_target

from dshell.engine import http1
from dshell.engine.endpoint import Endpoint
from dshell.engine.errors import EndpointError

UNIX_SCHEME = "http+unix"

#: A path and query requests would send unchanged: its ``requote_uri`` leaves these characters
#: alone, and an escape it would decode (an unreserved character) or refuse is not among them.
_PLAIN_TARGET = re.compile(
    r"/(?:[A-Za-z0-9\-._~/?=&:@,+!$'()*;]"
    r"|%(?![46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DdEe]|5[Ff]|7[Ee])[0-9A-Fa-f]{2})*"
)


class SocketPoolAdapter(UnixAdapter):
    """A unix-socket adapter with one connection pool per socket.

    requests-unixsocket keys its pools by the whole URL, query string included, and each pool
    holds one connection, so every distinct URL opened a new socket.
    """

    def __init__(self, pool_maxsize: int = 10) -> None:
        super().__init__()
        self.pool_maxsize_per_socket = pool_maxsize

    def get_connection(self, url, proxies=None):  # noqa: ANN001 - requests' signature
        socket_key = unquote(urlparse(url).netloc)
        with self.pools.lock:
            pool = self.pools.get(socket_key)
            if pool is None:
                pool = UnixHTTPConnectionPool(url, self.timeout)
                pool.pool = pool.QueueCls(self.pool_maxsize_per_socket)
                for _ in range(self.pool_maxsize_per_socket):
                    pool.pool.put(None)
                self.pools[socket_key] = pool
        return pool

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        """requests' response without the cookie jar pass: the Engine sets no cookies and
        dshell sends none."""
        headers = CaseInsensitiveDict()
        source = resp.headers  # urllib3's: one value per name, repeated ones joined by ", "
        headers._store = {name.lower(): (name, source[name]) for name in source}
        response = EngineResponse.answering(req, self, resp.status, resp.reason, headers)
        response.raw = resp
        return response


class EngineResponse(Response):
    """requests' Response, whose cookie jar is made only if someone asks for it: building
    the empty jar was a tenth of what a response cost."""

    def __init__(self) -> None:  # Response.__init__ without the jar
        self._content = False
        self._content_consumed = False
        self._next = None
        self.status_code = None
        self.headers = CaseInsensitiveDict()
        self.raw = None
        self.url = None
        self.encoding = None
        self.history = []
        self.reason = None
        self.elapsed = _NO_TIME
        self.request = None

    @classmethod
    def answering(cls, request: PreparedRequest, adapter: Any, status: int, reason: str,
                  headers: CaseInsensitiveDict) -> EngineResponse:  # fmt: skip
        """The response to ``request`` as requests' ``build_response`` fills it in (the
        body and ``raw`` are the caller's)."""
        response = cls()
        response.status_code = status
        response.headers = headers
        response.encoding = _encoding(headers.get("content-type"))
        response.reason = reason
        response.url = request.url
        response.request = request
        response.connection = adapter
        return response

    @property
    def cookies(self) -> RequestsCookieJar:
        jar = self.__dict__.get("_cookies")
        if jar is None:
            jar = self.__dict__["_cookies"] = cookiejar_from_dict({})
        return jar

    @cookies.setter
    def cookies(self, jar: RequestsCookieJar) -> None:
        self.__dict__["_cookies"] = jar


_NO_TIME = datetime.timedelta(0)
_ENCODINGS: dict[str | None, str | None] = {}


def _encoding(content_type: str | None) -> str | None:
    """requests' get_encoding_from_headers, remembered per Content-Type (the Engine uses a
    handful)."""
    try:
        return _ENCODINGS[content_type]
    except KeyError:
        pass
    encoding = get_encoding_from_headers({"content-type": content_type} if content_type else {})
    if len(_ENCODINGS) < 64:
        _ENCODINGS[content_type] = encoding
    return encoding


class Transport:
    """One endpoint: its requests session, the adapter mounted for it, and ``send``."""

    def __init__(self, endpoint: Endpoint, user_agent: str) -> None:
        self.base = base_url(endpoint)
        self.session = build_session(endpoint, user_agent)
        self.adapter = self.session.get_adapter(f"{self.base}/")
        self._headers = dict(self.session.headers)
        # requests rebuilds every URL (parse, IDNA, requote); a base it would leave as it is
        # lets plain paths skip that.
        probe = PreparedRequest()
        probe.prepare_url(f"{self.base}/_ping", None)
        self._plain_base = probe.url == f"{self.base}/_ping"
        self._unix = isinstance(self.adapter, SocketPoolAdapter)
        self._pool: Any = None
        self._host = ""  # the Host header http.client sends on the pool's connections

    def _send_on_socket(
        self, prepared: PreparedRequest, headers: Any, stream: bool, timeout: Any
    ) -> Response:
        """``HTTPAdapter.send`` for the unix socket, minus what only TCP needs (TLS settings,
        proxies, a pool lookup per URL): the socket's one urllib3 pool, the same ``urlopen``
        call, and urllib3's failures turned into requests' exceptions as requests turns them."""
        adapter = self.adapter
        pool = self._pool
        if pool is None or pool.pool is None:  # first call, or the adapter was closed
            pool = self._pool = adapter.get_connection(f"{self.base}/")
        if isinstance(timeout, tuple):
            connect, read = timeout
            resolved = Timeout(connect=connect, read=read)
        else:
            resolved = Timeout(connect=timeout, read=timeout)
        try:
            raw = pool.urlopen(
                method=prepared.method,
                url=prepared.path_url,
                body=prepared.body,
                headers=headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=adapter.max_retries,
                timeout=resolved,
                chunked=not (prepared.body is None or "Content-Length" in prepared.headers),
            )
        except (ProtocolError, OSError) as err:
            raise requests.ConnectionError(err, request=prepared) from err
        except MaxRetryError as err:
            raise _from_max_retries(err, prepared) from err
        except ClosedPoolError as err:
            raise requests.ConnectionError(err, request=prepared) from err
        except ReadTimeoutError as err:
            raise requests.ReadTimeout(err, request=prepared) from err
        except urllib3_exceptions.InvalidHeader as err:
            raise requests.exceptions.InvalidHeader(err, request=prepared) from err
        response = adapter.build_response(prepared, raw)
        if not stream:
            # What Response.content does, in one read instead of a generator of 10 KiB reads.
            try:
                response._content = raw.read(decode_content=True) or b""
            except ProtocolError as err:
                raise requests.exceptions.ChunkedEncodingError(err) from err
            except DecodeError as err:
                raise requests.exceptions.ContentDecodingError(err) from err
            except ReadTimeoutError as err:
                raise requests.ConnectionError(err) from err
            except urllib3_exceptions.SSLError as err:
                raise requests.exceptions.SSLError(err) from err
            response._content_consumed = True
        return response

    def _exchange(self, prepared: PreparedRequest, headers: Any, timeout: Any) -> Response | None:
        """A whole request and response on the pool's open connection, written and read by
        ``http1`` (http.client's rules without its email-package header parsing), without
        urllib3's per-call layers: together they were most of what the client spent on a
        small call. ``None`` when there is no open connection to use, or a request http1
        leaves to http.client:
        then ``_send_on_socket`` connects, as it reports connection failures as requests
        does, and leaves the connection in the pool for the next call."""
        pool = self._pool
        if pool is None or pool.pool is None:
            return None
        try:
            conn = pool._get_conn()
        except ClosedPoolError:
            return None
        if conn.sock is None:  # fresh, or dropped by the daemon since its last use
            pool._put_conn(conn)
            return None
        wanted = timeout[1] if isinstance(timeout, tuple) else timeout
        if conn.sock.gettimeout() != wanted:  # setting it is a system call; it rarely changes
            conn.sock.settimeout(wanted)
        target = prepared.path_url
        if not _PLAIN_TARGET.fullmatch(target):
            target = _encode_target(target)  # what urlopen does to the request target
        method = prepared.method
        if not self._host:
            self._host = _host_header(conn)
        wire = http1.request_bytes(method, target, self._host, headers, prepared.body)
        if wire is None:  # something http.client refuses or encodes its own way
            pool._put_conn(conn)
            return None
        failure: Exception | None = None
        try:
            answer, out_of_step = http1.exchange(conn.sock, wire, method)
        except http1.BrokenBody as err:
            failure = _body_failure(err.cause, pool)
        except TimeoutError as err:
            late = ReadTimeoutError(pool, target, f"Read timed out. (read timeout={wanted})")
            late.__cause__ = err
            failure = requests.ReadTimeout(late, request=prepared)
            failure.__cause__ = late
        except (OSError, http.client.HTTPException) as err:
            aborted = ProtocolError("Connection aborted.", err)
            failure = requests.ConnectionError(aborted, request=prepared)
            failure.__cause__ = aborted
        if failure is not None:
            # Raised here, outside the handlers, so that each carries the chain urllib3's
            # way gives the same failure (tests/unit/test_transport.py compares them).
            conn.close()
            pool._put_conn(conn)
            raise failure
        if answer.will_close or out_of_step:
            conn.close()
        pool._put_conn(conn)
        response = EngineResponse.answering(prepared, self.adapter, answer.status, answer.reason,
                                            _response_headers(answer.headers))  # fmt: skip
        body = answer.body
        coding = response.headers.get("content-encoding", "").strip().lower()
        if coding in ("gzip", "x-gzip", "deflate") and body:
            body = _decoded(body, coding, prepared)
        response._content = body
        response._content_consumed = True
        return response

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, bytes] | None = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        timeout: Any = None,
    ) -> requests.Response:
        """What ``session.request`` sends and returns for dshell's calls, and the same
        exceptions: the prepared request goes to the mounted adapter's ``send``."""
        prepared = PreparedRequest()
        prepared.method = method.upper()
        prepared.url = self._url(prepared, url, params)
        if headers:
            merged = CaseInsensitiveDict(self._headers)
            merged.update(headers)
            prepared.prepare_headers({k: v for k, v in merged.items() if v is not None})
        else:
            prepared.headers = CaseInsensitiveDict(self._headers)
        # Session.request turns a missing body into {}: a POST then says Content-Length: 0.
        prepared.prepare_body(data or {}, None, json)
        if self._unix:
            # The session's own headers, unchanged (no body, none added): urllib3 reads a
            # plain dict faster than a case-insensitive one, and they go out the same.
            plain = not headers and len(prepared.headers) == len(self._headers)
            wire = self._headers if plain else prepared.headers
            response = None
            if not stream and isinstance(prepared.body, (bytes, str, type(None))):
                response = self._exchange(prepared, wire, timeout)
            if response is None:
                response = self._send_on_socket(prepared, wire, stream, timeout)
        else:
            session = self.session
            response = self.adapter.send(
                prepared,
                stream=stream,
                timeout=timeout,
                verify=session.verify,
                cert=session.cert,
                proxies={},
            )
        if not stream:
            # Read the body now, as requests does: the socket goes back to the pool.
            response.content  # noqa: B018
        return response

    def _url(self, prepared: PreparedRequest, url: str, params: dict[str, bytes] | None) -> str:
        base = self.base
        if self._plain_base and url.startswith(base):
            target = url[len(base) :]
            if params:
                query = urlencode(list(params.items()))
                if "?" not in target:
                    target = f"{target}?{query}"
                else:
                    target = f"{target}{'' if target.endswith('?') else '&'}{query}"
            if _PLAIN_TARGET.fullmatch(target):
                return base + target
        prepared.prepare_url(url, params)
        return prepared.url


def _body_failure(cause: BaseException, pool: Any) -> requests.RequestException:
    """What requests raises when urllib3 fails reading a body for the same cause."""
    if isinstance(cause, TimeoutError):
        late = ReadTimeoutError(pool, None, "Read timed out.")
        late.__cause__ = cause
        return requests.ConnectionError(late)
    if isinstance(cause, http1.BadChunkSize) and not cause.line:
        return requests.exceptions.ChunkedEncodingError(ProtocolError("Response ended prematurely"))
    if isinstance(cause, http1.BadChunkSize):
        bad = urllib3_exceptions.InvalidChunkLength.__new__(urllib3_exceptions.InvalidChunkLength)
        bad.partial, bad.expected, bad.response, bad.length = cause.read, None, None, cause.line
        bad.__context__ = cause.__cause__  # the ValueError of int(line, 16)
        cause = bad
    elif isinstance(cause, http.client.IncompleteRead):
        cause = urllib3_exceptions.IncompleteRead(len(cause.partial), cause.expected or 0)
    broken = ProtocolError(f"Connection broken: {cause!r}", cause)
    return requests.exceptions.ChunkedEncodingError(broken)


def _host_header(conn: http.client.HTTPConnection) -> str:
    """The Host value http.client's ``putrequest`` writes for this connection."""
    host = conn.host
    if ":" in host:
        host = f"[{host}]"
    port = conn.port
    return host if port in (None, conn.default_port) else f"{host}:{port}"


def _response_headers(pairs: list[tuple[str, str]]) -> CaseInsensitiveDict:
    """urllib3's view of the headers: one value per name, repeated ones joined by ", "."""
    headers = CaseInsensitiveDict()
    store = headers._store
    for name, value in pairs:
        key = name.lower()
        if key in store:
            store[key] = (store[key][0], f"{store[key][1]}, {value}")
        else:
            store[key] = (name, value)
    return headers


def _decoded(body: bytes, coding: str, prepared: PreparedRequest) -> bytes:
    """What urllib3's decode_content gives for a gzip or deflate body."""
    import zlib

    try:
        if coding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body)
    except zlib.error as err:
        raise requests.exceptions.ContentDecodingError(err, request=prepared) from err


def _from_max_retries(err: MaxRetryError, prepared: PreparedRequest) -> Exception:
    """requests' exception for urllib3's MaxRetryError, by its reason."""
    reason = err.reason
    if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
        return requests.ConnectTimeout(err, request=prepared)
    if isinstance(reason, ResponseError):
        return requests.exceptions.RetryError(err, request=prepared)
    if isinstance(reason, urllib3_exceptions.SSLError):
        return requests.exceptions.SSLError(err, request=prepared)
    return requests.ConnectionError(err, request=prepared)


def base_url(endpoint: Endpoint) -> str:
    """The URL prefix requests uses for this endpoint."""
    if endpoint.proto == "unix":
        return f"{UNIX_SCHEME}://{quote(endpoint.addr, safe='')}"
    if endpoint.proto == "tcp":
        return f"{endpoint.scheme}://{endpoint.addr}"
    if endpoint.proto == "ssh":
        from dshell.engine.ssh import SSH_SCHEME

        return f"{SSH_SCHEME}://docker"
    raise EndpointError(f"{endpoint.proto}:// endpoints are not supported yet: {endpoint.host}")


def build_session(endpoint: Endpoint, user_agent: str) -> requests.Session:
    """A session that never reads proxy or CA-bundle settings from the environment."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = user_agent
    if endpoint.proto == "unix":
        session.mount(f"{UNIX_SCHEME}://", SocketPoolAdapter())
    if endpoint.proto == "ssh":
        from dshell.engine.ssh import SSH_SCHEME, SSHAdapter, parse_ssh_url

        session.mount(f"{SSH_SCHEME}://", SSHAdapter(parse_ssh_url(endpoint.host)))
    tls = endpoint.tls
    if tls is not None:
        session.verify = (tls.ca_file or True) if tls.verify else False
        if not tls.verify:
            # docker says nothing when told not to verify; urllib3 would warn on every call.
            import warnings

            from urllib3.exceptions import InsecureRequestWarning

            warnings.simplefilter("ignore", InsecureRequestWarning)
        if tls.cert_file and tls.key_file:
            session.cert = (tls.cert_file, tls.key_file)
    return session
