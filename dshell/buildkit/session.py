"""The BuildKit session: ``POST /session`` hijacked to h2c, and the services served on it.

Served: health checks, the context and Dockerfile folders (FileSync), registry credentials
(Auth), secrets (``--secret``), ssh agents (``--ssh``: the agent's socket, relayed
read-only, or key files served by an agent of dshell's own, buildkit/sshagent.py) and the
exported files (FileSend, ``--output``).

The request names the session (``X-Docker-Expose-Session-Uuid``, ``-Name``, ``-Sharedkey``)
and lists every gRPC method dshell serves, one ``X-Docker-Expose-Session-Grpc-Method``
header each; the Engine calls only those (and Health/Check, once a second, closing the
session when it goes unanswered). The shared key makes the Engine's cache of a context
directory last from one build to the next, so a rebuild sends only the files that changed:
it is docker's (sha256 of ``<node id>:<dir>``, the node id kept in the config directory's
``.buildNodeID``).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from dshell.buildkit import wire
from dshell.buildkit.filesync import SyncedDir, diff_copy_handler, receive_bytes, receive_dir
from dshell.buildkit.grpc import UNKNOWN, Call, GrpcError, GrpcServer, Handler

HEALTH = "/grpc.health.v1.Health/Check"
DIFF_COPY = "/moby.filesync.v1.FileSync/DiffCopy"
FILE_SEND = "/moby.filesync.v1.FileSend/DiffCopy"
CREDENTIALS = "/moby.filesync.v1.Auth/Credentials"
FETCH_TOKEN = "/moby.filesync.v1.Auth/FetchToken"
GET_TOKEN_AUTHORITY = "/moby.filesync.v1.Auth/GetTokenAuthority"
VERIFY_TOKEN_AUTHORITY = "/moby.filesync.v1.Auth/VerifyTokenAuthority"
GET_SECRET = "/moby.buildkit.secrets.v1.Secrets/GetSecret"
CHECK_AGENT = "/moby.sshforward.v1.SSH/CheckAgent"
FORWARD_AGENT = "/moby.sshforward.v1.SSH/ForwardAgent"
#: the ForwardAgent call's metadata naming the ``--ssh`` ID (sshforward.KeySSHID)
SSH_ID_KEY = "buildkit.ssh.id"

# (username, secret) for a registry host; empty strings for none
CredentialsLookup = Callable[[str], tuple[str, str]]


def new_id() -> str:
    """BuildKit's identity.NewID: 25 base-36 characters of randomness."""
    number = int.from_bytes(secrets.token_bytes(17), "big")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(25):
        number, rest = divmod(number, 36)
        out += digits[rest]
    return out


def shared_key(config_dir: Path, directory: str) -> str:
    """docker's getBuildSharedKey: stable per machine and directory."""
    node = str(config_dir)
    try:
        config_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        node_file = config_dir / ".buildNodeID"
        if not node_file.exists():
            fd = os.open(node_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        node = node_file.read_text()
    except OSError:
        pass
    return hashlib.sha256(f"{node}:{directory}".encode()).hexdigest()


class Session:
    """What dshell serves to the Engine during one build."""

    def __init__(self, name: str, key: str, dirs: list[SyncedDir],
                 credentials: CredentialsLookup | None = None,
                 secret_values: dict[str, bytes] | None = None,
                 output_dir: str | None = None, output_sink=None,  # noqa: ANN001
                 ssh_agents: dict | None = None) -> None:  # fmt: skip
        self.id = new_id()
        self.name = name
        self.key = key
        self.sent_bytes = 0
        self.handlers: dict[str, Handler] = {HEALTH: _health}
        if dirs:
            self.handlers[DIFF_COPY] = diff_copy_handler({d.name: d for d in dirs},
                                                         self._count)  # fmt: skip
        lookup = credentials or (lambda host: ("", ""))
        self.handlers[CREDENTIALS] = _credentials_handler(lookup)
        self.handlers[FETCH_TOKEN] = _unimplemented
        self.handlers[GET_TOKEN_AUTHORITY] = _unimplemented
        self.handlers[VERIFY_TOKEN_AUTHORITY] = _unimplemented
        if secret_values is not None:
            self.handlers[GET_SECRET] = _secret_handler(secret_values)
        if ssh_agents:
            self.handlers[CHECK_AGENT] = _check_agent_handler(ssh_agents)
            self.handlers[FORWARD_AGENT] = _forward_agent_handler(ssh_agents)
        if output_dir is not None:
            self.handlers[FILE_SEND] = lambda call: receive_dir(call, output_dir)
        elif output_sink is not None:
            self.handlers[FILE_SEND] = lambda call: receive_bytes(call, output_sink)
        self.server: GrpcServer | None = None
        self.connection = None

    def _count(self, size: int) -> None:
        self.sent_bytes += size

    def headers(self) -> list[tuple[str, str]]:
        """The ``/session`` request's headers."""
        out = [("X-Docker-Expose-Session-Uuid", self.id),
               ("X-Docker-Expose-Session-Name", self.name),
               ("X-Docker-Expose-Session-Sharedkey", self.key)]  # fmt: skip
        out += [("X-Docker-Expose-Session-Grpc-Method", method) for method in self.handlers]
        return out

    def serve(self, connection) -> None:  # noqa: ANN001 - a HijackedConnection
        """Serve the hijacked connection until ``close``."""
        self.connection = connection
        self.server = GrpcServer(connection, self.handlers)
        self.server.start()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _health(call: Call) -> None:
    call.request()
    call.send(wire.health_response())


def _unimplemented(call: Call) -> None:
    from dshell.buildkit.grpc import UNIMPLEMENTED

    raise GrpcError(UNIMPLEMENTED, f"method {call.method} not implemented")


def _credentials_handler(lookup: CredentialsLookup) -> Handler:
    def handle(call: Call) -> None:
        host = wire.string_field(call.request(), 1)
        username, secret = lookup(host)
        call.send(wire.credentials_response(username, secret))

    return handle


def _secret_handler(values: dict[str, bytes]) -> Handler:
    def handle(call: Call) -> None:
        from dshell.buildkit.grpc import NOT_FOUND

        secret_id = wire.string_field(call.request(), 1)
        if secret_id not in values:
            raise GrpcError(NOT_FOUND, f"secret {secret_id} not found")
        call.send(wire.secret_response(values[secret_id]))

    return handle


def _check_agent_handler(agents: dict) -> Handler:
    def handle(call: Call) -> None:
        agent_id = wire.string_field(call.request(), 1) or "default"
        if agent_id not in agents:
            raise GrpcError(UNKNOWN, f"unset ssh forward key {agent_id}")
        call.send(b"")

    return handle


#: ssh-agent requests a build may make: list the identities (11), sign with one (13)
AGENT_READ_ONLY = (11, 13)
AGENT_FAILURE = b"\x00\x00\x00\x01\x05"


def _serve_keyring(call: Call, keyring) -> None:  # noqa: ANN001 - an sshagent.Keyring
    """One connection to dshell's own agent: each whole request answered as it comes."""
    pending = b""
    for message in call.messages():
        answers, pending = keyring.serve(pending + wire.string_field_bytes(message, 1))
        if answers:
            call.send(wire.bytes_message(answers))


def _forward_agent_handler(agents: dict) -> Handler:
    """One connection to the agent inside a RUN, relayed both ways, read-only as BuildKit's
    own provider makes it: requests other than list and sign are answered with a failure."""

    def handle(call: Call) -> None:
        import socket
        import threading

        agent_id = (call.metadata.get(SSH_ID_KEY) or ["default"])[0] or "default"
        path = agents.get(agent_id)
        if path is None:
            raise GrpcError(UNKNOWN, f"unset ssh forward key {agent_id}")
        if not isinstance(path, str):  # a keyring of key files (sshagent.Keyring)
            _serve_keyring(call, path)
            return
        agent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            agent.settimeout(1)
            agent.connect(path)
            agent.settimeout(None)
        except OSError as exc:
            agent.close()
            raise GrpcError(UNKNOWN, f"failed to connect to {path}: {exc.strerror}") from None

        def answers() -> None:
            try:
                while True:
                    data = agent.recv(32 * 1024)
                    if not data:
                        return
                    call.send(wire.bytes_message(data))
            except (OSError, GrpcError):
                return

        relay = threading.Thread(target=answers, daemon=True, name="ssh-agent")
        relay.start()
        pending = b""
        try:
            for message in call.messages():
                pending += wire.string_field_bytes(message, 1)
                while len(pending) >= 5:
                    size = int.from_bytes(pending[:4], "big")
                    if len(pending) < 4 + size:
                        break
                    frame, pending = pending[: 4 + size], pending[4 + size :]
                    if frame[4] in AGENT_READ_ONLY:
                        agent.sendall(frame)
                    else:  # as BuildKit's readOnlyAgent: no adding, removing or locking
                        call.send(wire.bytes_message(AGENT_FAILURE))
        finally:
            try:
                agent.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            relay.join(timeout=5)
            agent.close()

    return handle
