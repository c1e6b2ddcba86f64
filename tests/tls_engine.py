"""A second private dockerd that listens on tcp://127.0.0.1:<port> with --tlsverify.

The certificates are made here with the openssl CLI: a CA, a server certificate for
IP:127.0.0.1 signed by it, a client certificate signed by it, and a second, unrelated CA (with
its own client pair) for the "unknown authority" cases. The daemon also listens on a unix
socket so tests can tell "TLS refused" from "daemon down".
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests import harness


@dataclass
class TLSEngine:
    root: Path
    port: int
    host: str                  # tcp://127.0.0.1:PORT
    socket: str                # the same daemon's unix socket
    certs: Path                # ca.pem cert.pem key.pem (good), other-*.pem (unknown CA)
    env: dict[str, str]        # os.environ without DOCKER_*, own DOCKER_CONFIG and HOME
    log: Path
    pidfile: Path
    process: subprocess.Popen = field(repr=False)


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise harness.HarnessError(f"openssl {' '.join(args)} failed: "
                                   f"{result.stderr.decode(errors='replace')}")


def make_certificates(directory: Path) -> None:
    """ca.pem, server-{cert,key}.pem, cert.pem/key.pem (client), other-ca.pem with
    other-cert.pem/other-key.pem (a client pair from an unrelated CA)."""
    if shutil.which("openssl") is None:
        raise harness.HarnessError("openssl not found: install Debian's openssl")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "server.ext").write_text("subjectAltName = IP:127.0.0.1\n"
                                          "extendedKeyUsage = serverAuth\n")
    (directory / "client.ext").write_text("extendedKeyUsage = clientAuth\n")
    for prefix in ("", "other-"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", f"/CN=dshell test {prefix}CA", "-keyout", f"{prefix}ca-key.pem",
                 "-out", f"{prefix}ca.pem", cwd=directory)
    pairs = (("server-", "", "server.ext", "127.0.0.1"), ("", "", "client.ext", "client"),
             ("other-", "other-", "client.ext", "other client"))
    for prefix, ca, extensions, subject in pairs:
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={subject}",
                 "-keyout", f"{prefix}key.pem", "-out", f"{prefix}req.csr", cwd=directory)
        _openssl("x509", "-req", "-in", f"{prefix}req.csr", "-CA", f"{ca}ca.pem",
                 "-CAkey", f"{ca}ca-key.pem", "-CAcreateserial", "-days", "2",
                 "-extfile", extensions, "-out", f"{prefix}cert.pem", cwd=directory)


def start_tls_engine() -> TLSEngine:
    harness._check_can_run_dockerd()
    root = harness._short_temp_dir("dsh-tls-")
    certs = root / "certs"
    make_certificates(certs)
    port = harness.free_loopback_port()
    socket_path = str(root / "docker.sock")
    command = harness._dockerd_command(root, socket_path) + [
        "-H", f"tcp://127.0.0.1:{port}", "--tlsverify",
        "--tlscacert", str(certs / "ca.pem"),
        "--tlscert", str(certs / "server-cert.pem"),
        "--tlskey", str(certs / "server-key.pem"),
    ]
    log = root / "dockerd.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    host = f"tcp://127.0.0.1:{port}"
    env = harness._engine_env(root, host)
    env.pop("DOCKER_HOST")
    engine = TLSEngine(root=root, port=port, host=host, socket=socket_path, certs=certs,
                       env=env, log=log, pidfile=root / "pid", process=process)
    try:
        harness._wait_until(
            lambda: harness.unix_request(socket_path, "GET", "/_ping", timeout=2)[::2]
            == (200, b"OK"), process, "dockerd (TLS)", log)
    except BaseException:
        stop_tls_engine(engine)
        raise
    return engine


def stop_tls_engine(engine: TLSEngine) -> None:
    harness.stop_engine(engine)  # same fields: process, pidfile, root

