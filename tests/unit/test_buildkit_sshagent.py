"""dshell's own ssh agent (``--ssh id=KEYFILE``) asked by OpenSSH's own clients: keys made by
ssh-keygen at test time, the keyring served on a unix socket of the test's, ``ssh-add -l``
listing them and ``ssh-keygen -Y sign`` signing through it, checked by ``ssh-keygen -Y
verify``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading

import pytest

from dshell.buildkit import sshagent

KEY_TYPES = [("ed25519", []), ("rsa", ["-b", "2048"]), ("ecdsa", ["-b", "256"]),
             ("ecdsa", ["-b", "384"]), ("ecdsa", ["-b", "521"]),
             ("rsa", ["-b", "2048", "-m", "PEM"])]  # fmt: skip


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    if shutil.which("ssh-keygen") is None or shutil.which("ssh-add") is None:
        pytest.fail("ssh-keygen/ssh-add not found: install Debian's openssh-client")
    folder = tmp_path_factory.mktemp("keys")
    paths = []
    for index, (kind, extra) in enumerate(KEY_TYPES):
        path = folder / f"key{index}"
        subprocess.run(["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-C", f"k{index}",
                        "-f", str(path)], check=True)  # fmt: skip
        paths.append(path)
    return paths


def serve(keyring, path):
    """The keyring on a unix socket, one thread a connection (as the session serves it)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()

    def connection(conn):
        pending = b""
        with conn:
            while data := conn.recv(65536):
                answers, pending = keyring.serve(pending + data)
                conn.sendall(answers)

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=connection, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server


def fingerprint(path):
    line = subprocess.run(["ssh-keygen", "-l", "-f", f"{path}.pub"], check=True,
                          capture_output=True, text=True).stdout.split()  # fmt: skip
    return f"{line[0]} {line[1]}  {line[-1]}"  # bits, hash, (TYPE): the keyring keeps no comment


def test_openssh_lists_and_signs_through_the_keyring(keys, tmp_path):
    keyring = sshagent.agent_for("default", [str(p) for p in keys])
    server = serve(keyring, tmp_path / "agent.sock")
    env = {**os.environ, "SSH_AUTH_SOCK": str(tmp_path / "agent.sock")}
    try:
        listed = subprocess.run(["ssh-add", "-l"], env=env, capture_output=True, text=True)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.splitlines() == [fingerprint(p) for p in keys]
        for index, path in enumerate(keys):
            data = tmp_path / f"data{index}"
            data.write_text(f"signed by {index}\n")
            # with only the public half at hand, ssh-keygen asks the agent to sign
            public = tmp_path / f"only{index}.pub"
            shutil.copy(f"{path}.pub", public)
            sign = ["ssh-keygen", "-Y", "sign", "-f", str(public), "-n", "file", str(data)]
            signed = subprocess.run(sign, env=env, capture_output=True, text=True)
            assert signed.returncode == 0, signed.stderr
            allowed = tmp_path / "allowed"
            allowed.write_text(f"me {public.read_text()}")
            with open(data, "rb") as stdin:
                verified = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I",
                                           "me", "-n", "file", "-s", f"{data}.sig"], stdin=stdin,
                                          capture_output=True, text=True)  # fmt: skip
            assert verified.returncode == 0 and "Good" in verified.stdout, verified.stderr
        removed = subprocess.run(["ssh-add", "-D"], env=env, capture_output=True, text=True)
        assert removed.returncode == 0, removed.stderr
        empty = subprocess.run(["ssh-add", "-l"], env=env, capture_output=True, text=True)
        assert (empty.returncode, empty.stdout) == (1, "The agent has no identities.\n")
    finally:
        server.close()


def request(kind, *strings, flags=None):
    body = bytes([kind]) + b"".join(len(s).to_bytes(4, "big") + s for s in strings)
    if flags is not None:
        body += flags.to_bytes(4, "big")
    return len(body).to_bytes(4, "big") + body


def test_rsa_signature_flags_choose_the_hash(keys):
    """Flags 0, 2 and 4: ssh-rsa (SHA-1), rsa-sha2-256, rsa-sha2-512; other flags, unknown
    keys and requests the keyring does not serve (add, lock) get the failure answer."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    keyring = sshagent.agent_for("x", [str(keys[1])])
    [(blob, _key)] = keyring.keys
    public = serialization.load_ssh_public_key(keys[1].with_suffix(".pub").read_bytes())
    for flags, name, digest in ((0, b"ssh-rsa", hashes.SHA1()),
                                (2, b"rsa-sha2-256", hashes.SHA256()),
                                (4, b"rsa-sha2-512", hashes.SHA512())):  # fmt: skip
        answer, rest = keyring.serve(request(13, blob, b"payload", flags=flags))
        assert rest == b"" and answer[4] == 14
        signature, _ = sshagent._read_string(answer, 5)
        format_name, pos = sshagent._read_string(signature, 0)
        raw, _ = sshagent._read_string(signature, pos)
        assert format_name == name
        public.verify(raw, b"payload", padding.PKCS1v15(), digest)  # raises when wrong
    failure = (1).to_bytes(4, "big") + bytes([5])
    assert keyring.serve(request(13, blob, b"payload", flags=8)) == (failure, b"")
    assert keyring.serve(request(13, b"nokey", b"payload", flags=0)) == (failure, b"")
    assert keyring.serve(request(17, b"ssh-ed25519")) == (failure, b"")
    assert keyring.serve(request(22, b"pass")) == (failure, b"")
    # two requests in one read, the second cut short: one answer, the rest kept
    both = request(11) + request(11)[:3]
    answer, rest = keyring.serve(both)
    assert answer[4] == 12 and int.from_bytes(answer[5:9], "big") == 1 and rest == both[5:]


def test_key_files_refused_in_buildkits_words(keys, tmp_path):
    locked = tmp_path / "locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(locked)],
                   check=True)  # fmt: skip
    text = tmp_path / "text"
    text.write_text("not a key\n")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s.sock"))
    cases = [
        ([str(locked)], f"failed to parse {locked}: ssh: this private key is passphrase protected"),
        ([str(text)], f"failed to parse {text}: ssh: no key found"),
        ([str(tmp_path / "none")], f"stat {tmp_path / 'none'}: no such file or directory"),
        ([str(keys[0]), str(tmp_path / "s.sock")], "invalid combination of keys and sockets"),
        ([str(tmp_path / "s.sock"), str(keys[0])], "only single socket allowed"),
    ]
    try:
        for paths, message in cases:
            with pytest.raises(ValueError) as caught:
                sshagent.agent_for("default", paths)
            assert str(caught.value) == message
        assert sshagent.agent_for("default", [str(tmp_path / "s.sock")]) == str(tmp_path / "s.sock")
    finally:
        sock.close()
