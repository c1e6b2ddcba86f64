"""An ssh agent in dshell's own process, holding the keys of ``--ssh id=KEYFILE``.

When ``--ssh`` names key files rather than an agent's socket, BuildKit's client loads them
into an in-memory keyring (x/crypto's ``agent.NewKeyring``) and serves the agent protocol
(draft-miller-ssh-agent) on each ForwardAgent stream. This is that keyring: it lists its
identities (no comments, in the order given), signs with them (ed25519; RSA with SHA-1,
``rsa-sha2-256`` or ``rsa-sha2-512`` as the request's flags ask; ECDSA on P-256/384/521)
and removes them on request; anything else gets the agent's failure answer.

Only this module imports ``cryptography``, and only ``--ssh`` with a key file loads it.
"""

from __future__ import annotations

import base64
import threading

# request and answer numbers of the agent protocol
REQUEST_IDENTITIES, IDENTITIES_ANSWER = 11, 12
SIGN_REQUEST, SIGN_RESPONSE = 13, 14
REMOVE_IDENTITY, REMOVE_ALL_IDENTITIES = 18, 19
FAILURE, SUCCESS = 5, 6
RSA_SHA2_256, RSA_SHA2_512 = 2, 4
MAX_KEY_FILE = 100 * 1024  # BuildKit reads at most this much of a key file


class KeyFileError(ValueError):
    """A key file that cannot be loaded: the text is x/crypto's (``ssh: no key found``)."""


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _mpint(number: int) -> bytes:
    if number == 0:
        return _string(b"")
    # one byte more than the bits need: a leading 0 when the top bit is set (positive)
    raw = number.to_bytes((number.bit_length() + 8) // 8, "big")
    return _string(raw)


def _read_string(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(data):
        raise ValueError("short message")
    size = int.from_bytes(data[pos : pos + 4], "big")
    if pos + 4 + size > len(data):
        raise ValueError("short message")
    return data[pos + 4 : pos + 4 + size], pos + 4 + size


def load_private_key(data: bytes) -> object:
    """x/crypto's ParseRawPrivateKey: a PEM block (OpenSSH, PKCS#1, SEC 1 or PKCS#8) holding
    an unencrypted RSA, ECDSA or ed25519 key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    begin = data.find(b"-----BEGIN ")
    end = data.find(b"-----", begin + 11) if begin >= 0 else -1
    if begin < 0 or end < 0:
        raise KeyFileError("ssh: no key found")
    kind = data[begin + 11 : end].decode(errors="replace")
    if kind not in ("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
                    "ENCRYPTED PRIVATE KEY"):  # fmt: skip
        raise KeyFileError(f'ssh: unsupported key type "{kind}"')
    try:
        if kind == "OPENSSH PRIVATE KEY":
            key = serialization.load_ssh_private_key(data[begin:], password=None)
        else:
            key = serialization.load_pem_private_key(data[begin:], password=None)
    except TypeError:  # cryptography's "password was not given but private key is encrypted"
        raise KeyFileError("ssh: this private key is passphrase protected") from None
    except (ValueError, serialization.UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"ssh: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
                      | ed25519.Ed25519PrivateKey):  # fmt: skip
        raise KeyFileError(f"ssh: unsupported key type {type(key).__name__}")
    return key


def public_blob(key: object) -> bytes:
    """The key's public half in the ssh wire format (what identities are listed by)."""
    from cryptography.hazmat.primitives import serialization

    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,  # type: ignore[attr-defined]
                                         serialization.PublicFormat.OpenSSH)  # fmt: skip
    return base64.b64decode(line.split()[1])


def sign(key: object, data: bytes, flags: int) -> bytes:
    """An ssh signature blob (``string format, string signature``) made with ``key``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    if isinstance(key, ed25519.Ed25519PrivateKey):
        if flags:
            raise ValueError("unsupported signature flags")
        return _string(b"ssh-ed25519") + _string(key.sign(data))
    if isinstance(key, rsa.RSAPrivateKey):
        chosen = {0: (b"ssh-rsa", hashes.SHA1()), RSA_SHA2_256: (b"rsa-sha2-256", hashes.SHA256()),
                  RSA_SHA2_512: (b"rsa-sha2-512", hashes.SHA512())}.get(flags)  # fmt: skip
        if chosen is None:
            raise ValueError("unsupported signature flags")
        name, digest = chosen
        return _string(name) + _string(key.sign(data, padding.PKCS1v15(), digest))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if flags:
            raise ValueError("unsupported signature flags")
        curve, digest = {256: ("nistp256", hashes.SHA256()), 384: ("nistp384", hashes.SHA384()),
                         521: ("nistp521", hashes.SHA512())}[key.curve.key_size]  # fmt: skip
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
        return _string(f"ecdsa-sha2-{curve}".encode()) + _string(_mpint(r) + _mpint(s))
    raise ValueError("unsupported key")


class Keyring:
    """The keys of one ``--ssh`` ID, shared by every connection of the build (as BuildKit's
    keyring is: a key removed inside one RUN is gone for the next)."""

    def __init__(self, keys: list[object]) -> None:
        self.keys = [(public_blob(key), key) for key in keys]
        self.lock = threading.Lock()

    def answer(self, request: bytes) -> bytes:
        """One request's body (its type byte first) → the answer's body."""
        try:
            with self.lock:
                return self._answer(request)
        except (ValueError, IndexError):
            return bytes([FAILURE])

    def _answer(self, request: bytes) -> bytes:
        kind = request[0]
        if kind == REQUEST_IDENTITIES:
            listed = b"".join(_string(blob) + _string(b"") for blob, _key in self.keys)
            return bytes([IDENTITIES_ANSWER]) + len(self.keys).to_bytes(4, "big") + listed
        if kind == SIGN_REQUEST:
            blob, pos = _read_string(request, 1)
            data, pos = _read_string(request, pos)
            flags = int.from_bytes(request[pos : pos + 4], "big") if pos + 4 <= len(request) else 0
            key = next((k for b, k in self.keys if b == blob), None)
            if key is None:
                return bytes([FAILURE])
            return bytes([SIGN_RESPONSE]) + _string(sign(key, data, flags))
        if kind == REMOVE_IDENTITY:
            blob, _pos = _read_string(request, 1)
            kept = [(b, k) for b, k in self.keys if b != blob]
            if len(kept) == len(self.keys):
                return bytes([FAILURE])
            self.keys = kept
            return bytes([SUCCESS])
        if kind == REMOVE_ALL_IDENTITIES:
            self.keys = []
            return bytes([SUCCESS])
        return bytes([FAILURE])

    def serve(self, incoming: bytes) -> tuple[bytes, bytes]:
        """Answer every whole request in ``incoming``: (answers, bytes left for later)."""
        out = []
        while len(incoming) >= 4:
            size = int.from_bytes(incoming[:4], "big")
            if len(incoming) < 4 + size:
                break
            request, incoming = incoming[4 : 4 + size], incoming[4 + size :]
            reply = self.answer(request) if request else bytes([FAILURE])
            out.append(_string(reply))
        return b"".join(out), incoming


def agent_for(agent_id: str, paths: list[str]) -> str | Keyring:
    """BuildKit's toDialer for one ``--ssh`` ID: an agent socket's path (relayed as it is) or
    a keyring of the key files; raises ValueError with BuildKit's words."""
    import os
    import stat

    socket_path = None
    keys: list[object] = []
    for path in paths:
        if socket_path is not None:
            raise ValueError("only single socket allowed")
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise ValueError(f"stat {path}: {_go_errno(exc)}") from None
        if stat.S_ISSOCK(mode):
            socket_path = path
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_KEY_FILE)
        except OSError as exc:
            raise ValueError(f"failed to open {path}: open {path}: {_go_errno(exc)}") from None
        try:
            keys.append(load_private_key(data))
        except KeyFileError as exc:
            raise ValueError(f"failed to parse {path}: {exc}") from None
    if socket_path is not None:
        if keys:
            raise ValueError("invalid combination of keys and sockets")
        return socket_path
    return Keyring(keys)


def _go_errno(exc: OSError) -> str:
    """Go's syscall.Errno text: strerror in lower case."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]
