"""Notary's private key store, as docker's trust commands keep it.

Keys live in ``$DOCKER_CONFIG/trust/private/<key ID>.key``: PEM blocks of type ``ENCRYPTED
PRIVATE KEY`` with ``role:`` (and for a repository's own keys ``gun:``) headers, holding
notary's PKCS #8: PBES2 with PBKDF2-HMAC-SHA1 (2048 rounds, 8-byte salt) and AES-256-CBC
around a PrivateKeyInfo whose key is the SEC 1 ``ECPrivateKey``. A key's ID is the SHA-256 of
its public half as TUF JSON. Only trust commands import this module (``cryptography``).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dshell.engine.notary import NotaryError, key_id, make_private_dir, public_key_dict

PBKDF2_ROUNDS = 2048
MAX_ATTEMPTS = 10

# DER OIDs (already encoded, tag and length included)
_OID_PBES2 = bytes.fromhex("06092a864886f70d01050d")
_OID_PBKDF2 = bytes.fromhex("06092a864886f70d01050c")
_OID_AES256_CBC = bytes.fromhex("060960864801650304012a")
_OID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")
_OID_P256 = bytes.fromhex("06082a8648ce3d030107")
_OID_ED25519 = bytes.fromhex("060a2b06010401da470f01")


class KeyError_(NotaryError):
    """A key that cannot be read, decrypted or stored."""


class AttemptsExceeded(NotaryError):
    def __init__(self) -> None:
        super().__init__("maximum number of passphrase attempts exceeded")


class PasswordInvalid(NotaryError):
    def __init__(self) -> None:
        super().__init__("password invalid, operation has failed.")


# -- DER -----------------------------------------------------------------------------------


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _seq(*items: bytes) -> bytes:
    return _der(0x30, b"".join(items))


def _int(value: int) -> bytes:
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return _der(0x02, body)


def _octets(body: bytes) -> bytes:
    return _der(0x04, body)


def _read(der: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """(tag, contents, offset after) of the element at ``offset``."""
    if offset + 2 > len(der):
        raise ValueError("truncated DER")
    tag, first = der[offset], der[offset + 1]
    offset += 2
    if first & 0x80:
        count = first & 0x7F
        if not count or count > 4 or offset + count > len(der):
            raise ValueError("bad DER length")
        size = int.from_bytes(der[offset : offset + count], "big")
        offset += count
    else:
        size = first
    if offset + size > len(der):
        raise ValueError("truncated DER")
    return tag, der[offset : offset + size], offset + size


def der_read(der: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """(tag, contents, offset after) of the DER element at ``offset``."""
    return _read(der, offset)


def der_children(body: bytes) -> list[tuple[int, bytes, bytes]]:
    """The elements of a constructed DER value: (tag, contents, whole encoding)."""
    return _children(body)


def _children(body: bytes) -> list[tuple[int, bytes, bytes]]:
    """The elements of a constructed value: (tag, contents, whole encoding)."""
    found, offset = [], 0
    while offset < len(body):
        tag, contents, after = _read(body, offset)
        found.append((tag, contents, body[offset:after]))
        offset = after
    return found


# -- PEM, as Go's encoding/pem ------------------------------------------------------------------


@dataclass
class PemBlock:
    type: str
    headers: dict[str, str]
    der: bytes


def pem_encode(block: PemBlock) -> bytes:
    """Go's pem.EncodeToMemory: Proc-Type first, the other headers sorted, 64-column lines."""
    lines = [f"-----BEGIN {block.type}-----"]
    names = sorted(block.headers, key=lambda h: (h != "Proc-Type", h))
    lines += [f"{name}: {block.headers[name]}" for name in names]
    if block.headers:
        lines.append("")
    text = base64.b64encode(block.der).decode()
    lines += [text[i : i + 64] for i in range(0, len(text), 64)]
    lines.append(f"-----END {block.type}-----")
    return ("\n".join(lines) + "\n").encode()


def pem_decode(data: bytes) -> tuple[PemBlock | None, bytes]:
    """Go's pem.Decode: the first block and what follows it (None when there is none)."""
    text = data.decode("latin-1")
    start = 0
    while True:
        begin = text.find("-----BEGIN ", start)
        if begin < 0:
            return None, data
        if begin and text[begin - 1] != "\n":
            start = begin + 1
            continue
        head_end = text.find("-----", begin + 11)
        line_end = text.find("\n", begin)
        if head_end < 0 or (0 <= line_end < head_end):
            start = begin + 1
            continue
        kind = text[begin + 11 : head_end]
        body_start = head_end + 5
        rest_of_line = text[body_start : line_end if line_end >= 0 else len(text)]
        if rest_of_line.strip():
            start = begin + 1
            continue
        end_marker = f"-----END {kind}-----"
        end = text.find(end_marker, body_start)
        if end < 0:
            start = begin + 1
            continue
        body = text[body_start:end].strip("\r\n").splitlines()
        headers: dict[str, str] = {}
        index = 0
        while index < len(body) and ":" in body[index]:
            name, _, value = body[index].partition(":")
            headers[name.strip()] = value.strip()
            index += 1
        if headers and index < len(body) and not body[index].strip():
            index += 1
        try:
            der = base64.b64decode("".join(line.strip() for line in body[index:]), validate=True)
        except ValueError:
            start = begin + 1
            continue
        after = end + len(end_marker)
        newline = text.find("\n", after)
        rest = data[newline + 1 :] if newline >= 0 else b""
        return PemBlock(kind, headers, der), rest


# -- keys -------------------------------------------------------------------------------------


@dataclass
class PrivateKey:
    """A private key as notary holds it: the ``cryptography`` object and its TUF type."""

    key: object
    algorithm: str  # "ecdsa" or "ed25519"

    def public_der(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        public = self.key.public_key()
        if self.algorithm == "ed25519":
            return public.public_bytes(serialization.Encoding.Raw,
                                       serialization.PublicFormat.Raw)  # fmt: skip
        return public.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip

    def public_dict(self) -> dict:
        return public_key_dict(self.algorithm, self.public_der())

    @property
    def id(self) -> str:
        return key_id(self.public_dict())

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """(TUF method, signature) as notary signs: ECDSA as raw r||s over SHA-256."""
        if self.algorithm == "ed25519":
            return "eddsa", self.key.sign(message)
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(self.key.sign(message, ec.ECDSA(hashes.SHA256())))
        return "ecdsa", r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def inner_der(self) -> bytes:
        """notary's convertTUFKeyToPKCS8 (its own layout: version 1 for ECDSA, the curve as a
        second OID, the SEC 1 key as the octets)."""
        from cryptography.hazmat.primitives import serialization

        if self.algorithm == "ed25519":
            seed = self.key.private_bytes(serialization.Encoding.Raw,
                                          serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())  # fmt: skip
            return _seq(_int(0), _seq(_OID_ED25519), _octets(seed + self.public_der()))
        sec1 = self.key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption())  # fmt: skip
        return _seq(_int(1), _seq(_OID_EC_PUBLIC_KEY, _OID_P256), _octets(sec1))


def generate_ecdsa() -> PrivateKey:
    """tufutils.GenerateKey(ECDSAKey): P-256."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return PrivateKey(ec.generate_private_key(ec.SECP256R1()), "ecdsa")


def _pbkdf2_key(passphrase: str, salt: bytes, rounds: int) -> bytes:
    import hashlib

    return hashlib.pbkdf2_hmac("sha1", passphrase.encode(), salt, rounds, 32)


def encrypt_pkcs8(key: PrivateKey, passphrase: str) -> bytes:
    """notary's convertTUFKeyToPKCS8Encrypted."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    inner = key.inner_der()
    salt, iv = os.urandom(8), os.urandom(16)
    padding = 16 - len(inner) % 16
    inner += bytes([padding]) * padding
    encryptor = Cipher(algorithms.AES(_pbkdf2_key(passphrase, salt, PBKDF2_ROUNDS)),
                       modes.CBC(iv)).encryptor()  # fmt: skip
    encrypted = encryptor.update(inner) + encryptor.finalize()
    kdf = _seq(_OID_PBKDF2, _seq(_octets(salt), _int(PBKDF2_ROUNDS)))
    scheme = _seq(_OID_AES256_CBC, _octets(iv))
    return _seq(_seq(_OID_PBES2, _seq(kdf, scheme)), _octets(encrypted))


def _parse_pkcs8(der: bytes) -> PrivateKey:
    """notary's parsePKCS8ToTufKey on a decrypted (or plain) PrivateKeyInfo."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    _, body, _ = _read(der)
    parts = _children(body)
    if len(parts) < 3 or parts[0][0] != 0x02 or parts[1][0] != 0x30 or parts[2][0] != 0x04:
        raise ValueError("not a PrivateKeyInfo")
    algorithm = _children(parts[1][1])
    if algorithm and algorithm[0][2] == _OID_ED25519:
        raw = parts[2][1]
        return PrivateKey(ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32]), "ed25519")
    whole = der[: _read(der)[2]]
    try:
        key = serialization.load_der_private_key(whole, password=None)
    except ValueError:
        if algorithm and algorithm[0][2] == _OID_EC_PUBLIC_KEY:
            key = serialization.load_der_private_key(parts[2][1], password=None)
        else:
            raise
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return PrivateKey(key, "ecdsa")
    raise ValueError("unsupported key type")


def decrypt_pkcs8(der: bytes, passphrase: str) -> PrivateKey:
    """notary's ParsePKCS8ToTufKey with a password."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    try:
        _, body, _ = _read(der)
        algorithm, encrypted = _children(body)[:2]
        pbes2 = _children(algorithm[1])
        if pbes2[0][2] != _OID_PBES2:
            raise KeyError_("pkcs8: only PBES2 supported")
        kdf, scheme = _children(pbes2[1][1])[:2]
        kdf_parts = _children(kdf[1])
        if kdf_parts[0][2] != _OID_PBKDF2:
            raise KeyError_("pkcs8: only PBKDF2 supported")
        params = _children(kdf_parts[1][1])
        salt, rounds = params[0][1], int.from_bytes(params[1][1], "big")
        scheme_parts = _children(scheme[1])
        if scheme_parts[0][2] != _OID_AES256_CBC:
            raise KeyError_("pkcs8: only AES-256-CBC supported")
        iv = scheme_parts[1][1]
    except (ValueError, IndexError):
        raise KeyError_("pkcs8: only PKCS #5 v2.0 supported") from None
    ciphertext = encrypted[1]
    if len(ciphertext) % 16 or len(iv) != 16:
        raise KeyError_("pkcs8: incorrect password")
    decryptor = Cipher(algorithms.AES(_pbkdf2_key(passphrase, salt, rounds)),
                       modes.CBC(iv)).decryptor()  # fmt: skip
    plain = decryptor.update(ciphertext) + decryptor.finalize()
    try:
        return _parse_pkcs8(plain)
    except (ValueError, TypeError):
        raise KeyError_("pkcs8: incorrect password") from None


def parse_pem_private_key(data: bytes, passphrase: str = "") -> PrivateKey:
    """notary's ParsePEMPrivateKey: PKCS #8 (encrypted or not) and SEC 1 ``EC PRIVATE KEY``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    block, _ = pem_decode(data)
    if block is None:
        raise KeyError_("no valid private key found")
    if block.type in ("ENCRYPTED PRIVATE KEY", "PRIVATE KEY"):
        if passphrase:
            return decrypt_pkcs8(block.der, passphrase)
        try:
            return _parse_pkcs8(block.der)
        except (ValueError, TypeError):
            raise KeyError_("could not decrypt private key") from None
    if block.type == "EC PRIVATE KEY" and "DEK-Info" not in block.headers:
        try:
            key = serialization.load_der_private_key(block.der, password=None)
        except ValueError as exc:
            raise KeyError_(f"could not parse DER encoded private key: {exc}") from None
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return PrivateKey(key, "ecdsa")
    raise KeyError_(f'unsupported key type "{block.type}"')


def private_key_attributes(data: bytes) -> tuple[str, str]:
    """notary's ExtractPrivateKeyAttributes: (role, gun) of a private key PEM."""
    block, _ = pem_decode(data)
    if block is None:
        raise KeyError_("PEM block is empty")
    if block.type not in ("RSA PRIVATE KEY", "EC PRIVATE KEY", "ED25519 PRIVATE KEY",
                          "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):  # fmt: skip
        raise KeyError_("unknown key format")
    return block.headers.get("role", ""), block.headers.get("gun", "")


def private_key_pem(key: PrivateKey, role: str, gun: str, passphrase: str) -> bytes:
    """notary's ConvertPrivateKeyToPKCS8: encrypted unless the passphrase is empty."""
    headers = {}
    if role:
        headers["role"] = role
    if gun:
        headers["gun"] = gun
    if passphrase:
        return pem_encode(
            PemBlock("ENCRYPTED PRIVATE KEY", headers, encrypt_pkcs8(key, passphrase))
        )
    return pem_encode(PemBlock("PRIVATE KEY", headers, key.inner_der()))


# -- passphrases ------------------------------------------------------------------------------

#: Retriever(key name, alias, create new, attempt) -> (passphrase, give up)
Retriever = Callable[[str, str, bool, int], tuple[str, bool]]

CANONICAL_ROLES = ("root", "targets", "snapshot", "timestamp")


def is_delegation(role: str) -> bool:
    return role.startswith("targets/") and len(role) > len("targets/")


# -- the store --------------------------------------------------------------------------------


@dataclass
class StoredKey:
    id: str
    role: str
    gun: str
    path: Path


class KeyStore:
    """notary's GenericKeyStore over ``trust/private``: keys by ID, role and GUN."""

    def __init__(self, trust_dir: Path, retriever: Retriever) -> None:
        self.directory = trust_dir / "private"
        self.retriever = retriever
        self._cache: dict[str, PrivateKey] = {}

    def ensure_directory(self) -> None:
        make_private_dir(self.directory)

    def list(self) -> list[StoredKey]:
        found = []
        try:
            entries = sorted(self.directory.iterdir())
        except OSError:
            return []
        for path in entries:
            if path.suffix != ".key" or not path.is_file():
                continue
            try:
                block, _ = pem_decode(path.read_bytes())
            except OSError:
                continue
            if block is None:
                continue
            found.append(StoredKey(path.stem, block.headers.get("role", ""),
                                   block.headers.get("gun", ""), path))  # fmt: skip
        return found

    def keys_for_role(self, role: str, gun: str = "") -> list[StoredKey]:
        return [k for k in self.list() if k.role == role and (not gun or not k.gun
                                                               or k.gun == gun)]  # fmt: skip

    def write(self, name: str, data: bytes) -> None:
        self.ensure_directory()
        path = self.directory / f"{name}.key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def add(self, key: PrivateKey, role: str, gun: str = "") -> None:
        """GenericKeyStore.AddKey: a passphrase for a new key, then the encrypted PEM."""
        if role == "root" or is_delegation(role) or role not in CANONICAL_ROLES:
            gun = ""
        passphrase = self.new_passphrase(key.id, role)
        self.write(key.id, private_key_pem(key, role, gun, passphrase))
        self._cache[key.id] = key

    def new_passphrase(self, name: str, role: str) -> str:
        for attempt in range(MAX_ATTEMPTS + 2):
            try:
                passphrase, give_up = self.retriever(name, role, True, attempt)
            except NotaryError:
                if attempt > MAX_ATTEMPTS:
                    break
                continue
            return passphrase
        raise AttemptsExceeded

    def get(self, stored: StoredKey) -> PrivateKey:
        """GenericKeyStore.GetKey: decrypt with the passphrase asked for its role."""
        if stored.id in self._cache:
            return self._cache[stored.id]
        data = stored.path.read_bytes()
        key = decrypt_with_retries(self.retriever, data, stored.id, stored.role)
        self._cache[stored.id] = key
        return key


def decrypt_with_retries(retriever: Retriever, data: bytes, name: str, alias: str) -> PrivateKey:
    """notary's GetPasswdDecryptBytes."""
    block, _ = pem_decode(data)
    if block is not None and block.type == "PRIVATE KEY":
        return parse_pem_private_key(data)
    for attempt in range(MAX_ATTEMPTS + 1):
        try:
            passphrase, give_up = retriever(name, alias, False, attempt)
        except NotaryError:
            raise PasswordInvalid from None
        if give_up:
            raise PasswordInvalid
        try:
            return parse_pem_private_key(data, passphrase)
        except KeyError_:
            continue
    raise AttemptsExceeded


def root_certificate(key: PrivateKey, gun: str) -> bytes:
    """cryptoservice.GenerateCertificate: a self-signed certificate for the GUN (its common
    name, which notary-server checks), valid ten years, for code signing; PEM."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, gun)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.key.public_key())
        .serial_number(int.from_bytes(os.urandom(16), "big") >> 1 or 1)
        .not_valid_before(now)
        .not_valid_after(now.replace(year=now.year + 10, day=min(now.day, 28)))
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )  # fmt: skip
    certificate = builder.sign(key.key, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.PEM)
