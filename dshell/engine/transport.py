"""HTTP transport to the Engine: a requests session bound to one endpoint."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlparse

import requests
from requests_unixsocket.adapters import UnixAdapter, UnixHTTPConnectionPool

from dshell.engine.endpoint import Endpoint
from dshell.engine.errors import EndpointError

UNIX_SCHEME = "http+unix"


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
