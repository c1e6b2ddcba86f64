"""Which Engine to talk to and how: host parsing, TLS settings and their precedence.

The order is the docker CLI's: ``--context``, ``-H``, ``DOCKER_HOST``, ``DOCKER_CONTEXT``,
``currentContext`` in config.json, then the default unix socket.
"""

from __future__ import annotations

import os
from pathlib import Path

from dshell.engine.config import ConfigFile
from dshell.engine.errors import EndpointError
from dshell.records import dataclass, field

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_HOST = f"unix://{DEFAULT_UNIX_SOCKET}"
DEFAULT_CONTEXT = "default"


@dataclass(frozen=True)
class TLSConfig:
    """Client TLS material; ``verify`` false means the server certificate is not checked."""

    verify: bool
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """A resolved Engine address: ``proto`` unix/tcp/ssh/fd, ``addr`` a path or host:port."""

    host: str
    proto: str
    addr: str
    tls: TLSConfig | None = None
    context: str = DEFAULT_CONTEXT

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"


@dataclass
class ConnectionOptions:
    """The global flags that choose the endpoint, as typed (None = not given)."""

    hosts: list[str] = field(default_factory=list)
    context: str | None = None
    tls: bool = False
    tlsverify: bool | None = None
    tlscacert: str | None = None
    tlscert: str | None = None
    tlskey: str | None = None


def parse_host(value: str, tls: bool = False) -> tuple[str, str, str]:
    """Normalise a ``-H`` value like docker's ``ParseHost``; return (host, proto, addr)."""
    value = value.strip()
    if not value:
        return DEFAULT_HOST, "unix", DEFAULT_UNIX_SOCKET
    proto, sep, rest = value.partition("://")
    if not sep:
        proto, rest = "tcp", value
    proto = proto.lower()
    if proto == "unix":
        path = rest or DEFAULT_UNIX_SOCKET
        return f"unix://{path}", "unix", path
    if proto == "tcp":
        addr = _tcp_address(value, rest, 2376 if tls else 2375)
        return f"tcp://{addr}", "tcp", addr
    if proto == "ssh":
        if not rest:
            raise EndpointError(f"invalid bind address format: {value}")
        return f"ssh://{rest}", "ssh", rest
    if proto in ("fd", "npipe"):
        return f"{proto}://{rest}", proto, rest
    raise EndpointError(f"invalid bind address format: {value}")


def _tcp_address(original: str, rest: str, default_port: int) -> str:
    hostport = rest.split("/", 1)[0]
    if hostport.startswith("["):
        host, _, port = hostport[1:].partition("]")
        port = port.lstrip(":")
        host = f"[{host}]"
    elif hostport.count(":") > 1:
        raise EndpointError(f"invalid bind address format: {original}")
    else:
        host, _, port = hostport.partition(":")
    host = host or "localhost"
    if port and not port.isdigit():
        raise EndpointError(f"invalid bind address format: {original}")
    return f"{host}:{port or default_port}"


def resolve_endpoint(
    options: ConnectionOptions,
    config_directory: Path,
    config: ConfigFile,
    environ: dict[str, str] | None = None,
) -> Endpoint:
    """Pick the endpoint the docker CLI would pick for these flags, env and config."""
    env = os.environ if environ is None else environ
    if options.context and options.hosts:
        raise ConflictingOptions("conflicting options: cannot specify both --host and --context")
    context_name = _context_name(options, config, env)
    if context_name != DEFAULT_CONTEXT:
        return _context_endpoint(config_directory, context_name)
    host_value = options.hosts[-1] if options.hosts else env.get("DOCKER_HOST", "")
    tls = _tls_from_flags(options, config_directory, env)
    host, proto, addr = parse_host(host_value, tls is not None)
    return Endpoint(host, proto, addr, tls if proto == "tcp" else None, DEFAULT_CONTEXT)


class ConflictingOptions(EndpointError):
    """``--host`` together with ``--context``: docker prints this one without a prefix."""

    def __str__(self) -> str:
        return self.message


def _context_name(options: ConnectionOptions, config: ConfigFile, env: dict[str, str]) -> str:
    if options.context:
        return options.context
    if options.hosts or env.get("DOCKER_HOST"):
        return DEFAULT_CONTEXT
    return env.get("DOCKER_CONTEXT") or config.current_context or DEFAULT_CONTEXT


class ContextPanicked(EndpointError):
    """A context docker's CLI panics on: its panic line, with no prefix."""

    def __str__(self) -> str:
        return self.message


def _context_endpoint(config_directory: Path, name: str) -> Endpoint:
    """docker's resolveDockerEndpoint: the context's metadata as the store reads it, its
    docker endpoint (a context without one is an error, never the default socket), then its
    TLS files."""
    # Only a named context needs the store: the default endpoint starts without importing it.
    from dshell.engine.context_store import ContextPanic, ContextStore, ContextStoreError

    store = ContextStore(config_directory)
    try:
        context = store.load(name)
    except ContextPanic as exc:
        raise ContextPanicked(str(exc)) from exc
    except ContextStoreError as exc:
        raise EndpointError(str(exc)) from exc
    if context.docker_endpoint_error:
        raise EndpointError(context.docker_endpoint_error)
    host_value = context.docker_endpoint["Host"]
    skip_tls_verify = context.docker_endpoint["SkipTLSVerify"]
    tls_dir = store.tls_dir(name) / "docker"
    tls = None
    if tls_dir.is_dir():
        files = {n: tls_dir / f"{n}.pem" for n in ("ca", "cert", "key")}
        present = {n: str(p) if p.is_file() else None for n, p in files.items()}
        tls = TLSConfig(
            verify=not skip_tls_verify,
            ca_file=present["ca"],
            cert_file=present["cert"],
            key_file=present["key"],
        )
    elif skip_tls_verify:
        tls = TLSConfig(verify=False)
    host, proto, addr = parse_host(host_value, tls is not None)
    return Endpoint(host, proto, addr, tls if proto == "tcp" else None, name)


def _tls_from_flags(
    options: ConnectionOptions, config_directory: Path, env: dict[str, str]
) -> TLSConfig | None:
    verify = options.tlsverify
    if verify is None:
        verify = bool(env.get("DOCKER_TLS_VERIFY"))
    if not (options.tls or verify):
        return None
    cert_dir = Path(env["DOCKER_CERT_PATH"]) if env.get("DOCKER_CERT_PATH") else config_directory

    def pick(flag: str | None, default_name: str, required: bool) -> str | None:
        path = Path(flag).expanduser() if flag else cert_dir / default_name
        if path.is_file():
            return str(path)
        if flag or required:
            raise EndpointError(f"open {path}: no such file or directory")
        return None

    # docker loads the CA file whenever TLS is on, even when it does not verify with it.
    ca = pick(options.tlscacert, "ca.pem", required=True)
    cert = pick(options.tlscert, "cert.pem", required=False)
    key = pick(options.tlskey, "key.pem", required=False)
    return TLSConfig(verify=verify, ca_file=ca, cert_file=cert, key_file=key)
