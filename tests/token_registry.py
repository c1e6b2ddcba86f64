"""A loopback registry behind bearer-token auth, and the token server it sends clients to.

The way Docker Hub and most registries authenticate: ``/v2/`` answers 401 with
``WWW-Authenticate: Bearer realm=…,service=…``; the client asks the realm for a token for
``repository:NAME:ACTIONS`` (with basic credentials when it has some) and sends it back as
``Authorization: Bearer``. The token is a JWT signed RS256 by a key whose self-signed
certificate the registry trusts (``rootcertbundle``), named in the token's ``x5c`` header.
Signing uses the ``openssl`` command (tests/run installs it); nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests import harness

USERNAME = "token-user"
PASSWORD = "t0ken-Pa55"
SERVICE = "dshell-token-registry"
ISSUER = "dshell-token-issuer"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenRegistry:
    registry: harness.Registry
    server: ThreadingHTTPServer = field(repr=False)
    #: Every token request as (account, scope, had credentials), for assertions.
    requests: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.registry.address


def _sign(key: Path, payload: bytes) -> bytes:
    signed = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key)], input=payload,
                            capture_output=True, timeout=30, check=False)  # fmt: skip
    if signed.returncode != 0:
        raise harness.HarnessError(f"openssl dgst: {signed.stderr.decode(errors='replace')}")
    return signed.stdout


def _token(key: Path, cert_der: bytes, account: str, scope: str, granted: bool) -> str:
    access = []
    if granted and scope.startswith("repository:"):
        _, name, actions = scope.split(":", 2)
        access.append({"type": "repository", "name": name, "actions": actions.split(",")})
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(cert_der).decode()]}
    claims = {"iss": ISSUER, "sub": account, "aud": SERVICE, "exp": now + 600, "nbf": now - 10,
              "iat": now, "jti": secrets.token_hex(8), "access": access}  # fmt: skip
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(_sign(key, signing_input.encode()))}"


def start_token_registry() -> TokenRegistry:
    """A token server and a registry trusting it, both on free 127.0.0.1 ports."""
    harness.check_can_run_registry()
    root = harness._short_temp_dir("dsh-tokreg-")
    key, cert = root / "key.pem", root / "cert.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=dshell token issuer"],
        capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    if made.returncode != 0:
        raise harness.HarnessError(f"openssl req: {made.stderr}")
    der = subprocess.run(["openssl", "x509", "-in", str(cert), "-outform", "DER"],
                         capture_output=True, timeout=30, check=True).stdout  # fmt: skip
    log: list[tuple[str, str, bool]] = []
    expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            query = parse_qs(urlsplit(self.path).query)
            scope = " ".join(query.get("scope", []))
            account = (query.get("account") or [""])[0]
            given = self.headers.get("Authorization")
            log.append((account, scope, given is not None))
            if given is not None and given != expected:
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"details":"incorrect username or password"}')
                return
            token = _token(key, der, account, scope, granted=given is not None)
            body = json.dumps({"token": token, "access_token": token}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    realm = f"http://127.0.0.1:{server.server_address[1]}/token"
    address = f"127.0.0.1:{harness.free_loopback_port()}"
    try:
        registry = harness.serve_registry(
            root, address,
            "version: 0.1\nlog:\n  level: warn\n"
            f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
            f"http:\n  addr: {address}\n"
            f"auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n"
            f"    issuer: {ISSUER}\n    rootcertbundle: {cert}\n",
            ready_status=401, what="docker-registry (token auth)")  # fmt: skip
    except BaseException:
        server.shutdown()
        raise
    return TokenRegistry(registry, server, log)


def stop_token_registry(token_registry: TokenRegistry) -> None:
    token_registry.server.shutdown()
    token_registry.server.server_close()
    harness.stop_registry(token_registry.registry)
