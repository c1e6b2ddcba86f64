"""A Notary server on loopback for the content-trust tests (``trust …``, DOCKER_CONTENT_TRUST).

Debian's ``notary`` package (tests/run installs it) ships notary-server and notary-signer.
The server runs here with its built-in ("local") signing service and memory storage, so one
process does the job of both: it holds the timestamp keys (ED25519, which both docker's
notary client and dshell accept) and the TUF metadata, and forgets both when it stops. Its TLS
certificate comes from a CA made with openssl at start; ``trust_env`` writes that CA where
docker looks for a trust server's CA (``$DOCKER_CONFIG/tls/<host:port>/ca.crt``). No token
service: the server accepts every client, which is all the tests need.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests import harness


@dataclass
class NotaryServer:
    root: Path
    address: str
    ca: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def url(self) -> str:
        return f"https://{self.address}"

    def trust_env(self, config_dir: str | Path) -> dict[str, str]:
        """The environment that aims docker (and dshell) at this server, with its CA placed
        in ``config_dir`` (a DOCKER_CONFIG) as docker's cli/trust reads it."""
        certs = Path(config_dir) / "tls" / self.address
        certs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.ca, certs / "ca.crt")
        return {"DOCKER_CONTENT_TRUST_SERVER": self.url}


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    if done.returncode != 0:
        raise harness.HarnessError(f"openssl {args[0]} failed: {done.stderr.strip()}")


def _make_certificates(root: Path) -> None:
    """A throwaway CA and a server certificate for IP:127.0.0.1 signed by it."""
    p256 = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req",
        "-x509",
        *p256,
        "-days",
        "2",
        "-subj",
        "/CN=dshell-test-notary-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        cwd=root,
    )
    _openssl(
        "req",
        *p256,
        "-subj",
        "/CN=notary-server",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        cwd=root,
    )
    (root / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.cnf",
        "-out",
        "server.crt",
        cwd=root,
    )


def _health(address: str, ca: Path) -> bool:
    context = ssl.create_default_context(cafile=str(ca))
    url = f"https://{address}/_notary_server/health"
    with urllib.request.urlopen(url, context=context, timeout=2) as answer:
        return answer.status == 200


def start_notary_server() -> NotaryServer:
    """notary-server on a free 127.0.0.1 port, TLS with a fresh CA; ready when healthy."""
    if shutil.which("notary-server") is None:
        raise harness.HarnessError("notary-server not found: install Debian's notary")
    if shutil.which("openssl") is None:
        raise harness.HarnessError("openssl not found: install Debian's openssl")
    root = harness._short_temp_dir("dsh-notary-")
    try:
        _make_certificates(root)
    except BaseException:
        harness._remove_tree(root)
        raise
    address = f"127.0.0.1:{harness.free_loopback_port()}"
    config = {
        "server": {"http_addr": address, "tls_key_file": str(root / "server.key"),
                   "tls_cert_file": str(root / "server.crt")},
        "trust_service": {"type": "local", "hostname": "", "port": "",
                          "key_algorithm": "ed25519"},
        "logging": {"level": "warn"},
        "storage": {"backend": "memory"},
    }  # fmt: skip
    (root / "server.json").write_text(json.dumps(config))
    log = root / "notary-server.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            ["notary-server", "-config", str(root / "server.json")],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = NotaryServer(root=root, address=address, ca=root / "ca.crt", log=log, process=process)
    try:
        harness._wait_until(lambda: _health(address, server.ca), process, "notary-server", log)
    except BaseException:
        stop_notary_server(server)
        raise
    return server


def stop_notary_server(server: NotaryServer) -> None:
    harness._stop_process(server.process)
    harness._remove_tree(server.root)
