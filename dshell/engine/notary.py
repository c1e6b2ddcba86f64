"""A Notary (TUF) client for content trust, as docker's cli/trust drives notary's client.

Reads a repository's signed metadata from a notary server (``GET
/v2/<gun>/_trust/tuf/<role>.json``), verifies it as notary does (root trusted on first use,
then every role signed by the keys its parent names, hashes and lengths as the parent
recorded, nothing expired), and keeps it in docker's cache
(``$DOCKER_CONFIG/trust/tuf/<gun>/metadata``), so docker and dshell read what the other
wrote. Only trust commands import this module (it needs ``cryptography``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import ssl
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from dshell.engine.errors import EngineError

log = logging.getLogger(__name__)

NOTARY_SERVER = "https://notary.docker.io"
ROOT, TARGETS, SNAPSHOT, TIMESTAMP = "root", "targets", "snapshot", "timestamp"
RELEASES = "targets/releases"
BASE_ROLES = (ROOT, TARGETS, SNAPSHOT, TIMESTAMP)
MAX_DOWNLOAD = 100 << 20
HTTP_TIMEOUT = 30.0


# -- errors, named as notary's types so callers can choose docker's message --------------------


class NotaryError(EngineError):
    """Anything notary's client reports; subclasses say which of its error types."""


class MetaNotFound(NotaryError):
    def __init__(self, resource: str) -> None:
        super().__init__(f"{resource} trust data unavailable.  Has a notary repository been "
                         "initialized?")  # fmt: skip
        self.resource = resource


class RepositoryNotExist(NotaryError):
    def __init__(self, remote: str, gun: str) -> None:
        super().__init__(f"{remote} does not have trust data for {gun}")


class NetworkError(NotaryError):
    """The server could not be reached (notary's storage.NetworkError)."""


class ServerUnavailable(NotaryError):
    def __init__(self, code: int) -> None:
        super().__init__(f"unable to reach trust server at this time: {code}.")


class InvalidMetadata(NotaryError):
    """Signatures, hashes, types or versions that do not check out."""


class RoleThreshold(InvalidMetadata):
    """signed.ErrRoleThreshold."""


class Expired(NotaryError):
    """signed.ErrExpired."""


class NoSuchTarget(NotaryError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No valid trust data for {name}")


class RepoNotInitialized(NotaryError):
    def __init__(self) -> None:
        super().__init__("repository has not been initialized")


# -- canonical JSON and keys -------------------------------------------------------------------


def canonical_json(value: object) -> bytes:
    """What notary signs: keys sorted, no spaces (docker/go/canonical/json)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(key: dict) -> str:
    """A TUF key's ID: the SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_json(key)).hexdigest()


def public_key_dict(keytype: str, public: bytes) -> dict:
    return {"keytype": keytype, "keyval": {"private": None, "public": base64.b64encode(public)
                                           .decode()}}  # fmt: skip


def canonical_key_id(key: dict) -> str:
    """notary's utils.CanonicalKeyID: an x509 key is known by the ID of the bare public key
    inside its certificate."""
    if key.get("keytype") not in ("ecdsa-x509", "rsa-x509"):
        return key_id(key)
    spki = certificate_public_key(base64.b64decode(key["keyval"]["public"]))
    return key_id(public_key_dict(key["keytype"].removesuffix("-x509"), spki))


def certificate_public_key(pem: bytes) -> bytes:
    """The SubjectPublicKeyInfo DER inside a PEM certificate, read straight from its DER
    (loading cryptography's x509 module would cost a cold start more than the rest)."""
    from dshell.engine.notary_keys import der_children, der_read, pem_decode

    block, _ = pem_decode(pem)
    try:
        if block is None or block.type != "CERTIFICATE":
            raise ValueError("not a certificate")
        tbs = der_children(der_read(block.der)[1])[0]
        fields = der_children(tbs[1])
        if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
            fields = fields[1:]
        return fields[5][2]  # serial, signature, issuer, validity, subject, spki
    except (ValueError, IndexError):
        raise InvalidMetadata("could not parse the certificate of an x509 key") from None


def verify_signature(key: dict, method: str, signature: bytes, message: bytes) -> bool:
    """One TUF signature: ``eddsa`` (ED25519), ``ecdsa`` (raw r||s over SHA-256)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    keytype = key.get("keytype", "")
    try:
        public = base64.b64decode(key["keyval"]["public"])
        if keytype == "ed25519" and method == "eddsa":
            ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
            return True
        if keytype in ("ecdsa", "ecdsa-x509") and method == "ecdsa":
            if keytype == "ecdsa-x509":
                public = certificate_public_key(public)
            verifier = serialization.load_der_public_key(public)
            half = len(signature) // 2
            if not half or len(signature) % 2:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:half], "big"),
                                       int.from_bytes(signature[half:], "big"))  # fmt: skip
            verifier.verify(der, message, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError, TypeError, KeyError, InvalidMetadata):
        return False
    return False


def parse_expiry(text: str) -> datetime:
    """Go's RFC 3339 with nanoseconds, as notary writes ``expires``."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    if not match:
        raise InvalidMetadata(f"invalid expiry {text!r}")
    stamp, fraction, zone = match.groups()
    moment = datetime.fromisoformat(
        stamp
        + (("." + fraction[:6].ljust(6, "0")) if fraction else "")
        + ("+00:00" if zone == "Z" else zone)
    )
    return moment.astimezone(timezone.utc)


@dataclass
class Role:
    """A role as a parent names it: its keys' IDs, threshold and (delegations) paths."""

    name: str
    keyids: list[str]
    threshold: int
    paths: list[str] = field(default_factory=lambda: [""])

    def check_paths(self, target: str) -> bool:
        return any(target.startswith(prefix) for prefix in self.paths)


def verify_signed(document: dict, role: Role, keys: dict[str, dict], kind: str) -> dict:
    """``document['signed']`` once enough of ``role``'s keys signed it and it is of ``kind``
    and not expired (notary's signed.Verify)."""
    signed = document.get("signed")
    if not isinstance(signed, dict) or signed.get("_type") != kind:
        raise InvalidMetadata(f"{role.name}: wrong type of metadata")
    message = canonical_json(signed)
    valid = set()
    for entry in document.get("signatures") or []:
        keyid = entry.get("keyid")
        if keyid in valid or keyid not in role.keyids or keyid not in keys:
            continue
        try:
            signature = base64.b64decode(entry.get("sig", ""))
        except ValueError:
            continue
        if verify_signature(keys[keyid], entry.get("method", ""), signature, message):
            valid.add(keyid)
    if len(valid) < max(role.threshold, 1):
        raise RoleThreshold(f"valid signatures did not meet threshold for {role.name}")
    if parse_expiry(str(signed.get("expires", ""))) < datetime.now(timezone.utc):
        raise Expired(f"{role.name} expired at {signed.get('expires')}")
    return signed


def check_hashes(raw: bytes, meta: dict, name: str) -> None:
    """``raw`` has the length and hashes its parent's metadata recorded for it."""
    if "length" in meta and len(raw) != meta["length"]:
        raise InvalidMetadata(f"{name}: length mismatch")
    hashes = meta.get("hashes") or {}
    if not hashes:
        raise InvalidMetadata(f"{name}: no checksum")
    for algorithm, expected in hashes.items():
        if algorithm in ("sha256", "sha512"):
            actual = hashlib.new(algorithm, raw).digest()
            if base64.b64decode(expected) != actual:
                raise InvalidMetadata(f"{name}: checksum mismatch")


# -- transport ----------------------------------------------------------------------------------


@dataclass
class Credentials:
    username: str = ""
    password: str = ""
    identity_token: str = ""


def _tls_context(cert_dir: Path, verify: bool) -> ssl.SSLContext:
    """docker's tlsconfig.ClientDefault plus registry.ReadCertsDirectory: the system's CAs and
    every ``*.crt`` in the trust server's directory; ``*.cert``/``*.key`` pairs as client
    certificates; no verification for an insecure (loopback) registry."""
    if verify:
        context = ssl.create_default_context()
    else:  # no need to load the system's CAs (a cold start's largest cost here)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        entries = sorted(os.listdir(cert_dir))
    except OSError:
        entries = []
    for entry in entries:
        path = cert_dir / entry
        if entry.endswith(".crt"):
            try:
                context.load_verify_locations(cafile=str(path))
            except (OSError, ssl.SSLError) as exc:
                raise NotaryError(f"unable to read CA certificate {path}: {exc}") from None
        elif entry.endswith(".cert"):
            key = path.with_suffix(".key")
            if not key.exists():
                raise NotaryError(f"missing key {key.name} for client certificate {entry}. CA "
                                  "certificates must use the extension .crt")  # fmt: skip
            context.load_cert_chain(str(path), str(key))
        elif entry.endswith(".key") and not (cert_dir / (entry[:-4] + ".cert")).exists():
            raise NotaryError(f"missing client certificate {entry[:-4]}.cert for key {entry}")
    return context


class Remote:
    """notary's HTTPStore: GET/POST on ``<server>/v2/<gun>/_trust/tuf/``, authorised as the
    server's ``/v2/`` challenge asks (a bearer token from its realm, or basic)."""

    def __init__(
        self,
        server: str,
        gun: str,
        context: ssl.SSLContext,
        credentials: Credentials,
        actions: list[str],
        user_agent: str,
    ) -> None:
        self.server = server.rstrip("/")
        self.gun = gun
        self.context = context
        self.credentials = credentials
        self.actions = actions
        self.user_agent = user_agent
        self._challenge: tuple[str, dict[str, str]] | None = None
        self._authorization: str | None = None
        self._pinged = False
        self._session = None

    def _request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        session = self._session
        if session is None:
            session = self._session = _notary_session(self.context)
        sent = {"User-Agent": self.user_agent, **(headers or {})}
        try:
            answer = session.request(method, url, data=body, headers=sent, stream=True,
                                     timeout=HTTP_TIMEOUT, allow_redirects=False)  # fmt: skip
            try:
                data = answer.raw.read(MAX_DOWNLOAD + 1, decode_content=True)
            finally:
                answer.close()
            return answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, data
        except OSError as exc:  # requests' and urllib3's failures are OSErrors too
            raise NetworkError(_network_reason(method, url, exc)) from None

    def ping(self) -> None:
        """docker pings ``/v2/`` once and keeps the challenge; a failure means offline."""
        if self._pinged:
            return
        self._pinged = True
        try:
            status, headers, _ = self._request("GET", self.server + "/v2/")
        except NetworkError as exc:
            log.debug("Error pinging notary server %s: %s", self.server, exc)
            return
        if status == 401:
            self._challenge = _parse_challenge(headers.get("www-authenticate", ""))

    def _authorize(self) -> dict[str, str]:
        self.ping()
        if self._challenge is None:
            return {}
        if self._authorization is None:
            scheme, params = self._challenge
            creds = self.credentials
            if scheme == "basic":
                if creds.username:
                    pair = f"{creds.username}:{creds.password}".encode()
                    self._authorization = "Basic " + base64.b64encode(pair).decode()
            elif scheme == "bearer" and params.get("realm"):
                self._authorization = self._fetch_token(params)
        return {"Authorization": self._authorization} if self._authorization else {}

    def _fetch_token(self, params: dict[str, str]) -> str | None:
        query = {"scope": f"repository:{self.gun}:{','.join(self.actions)}",
                 "client_id": "docker"}  # fmt: skip
        if params.get("service"):
            query["service"] = params["service"]
        headers = {}
        creds = self.credentials
        if creds.username:
            pair = f"{creds.username}:{creds.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            query["account"] = creds.username
        url = params["realm"] + ("&" if "?" in params["realm"] else "?")
        url += urllib.parse.urlencode(query)
        status, _, body = self._request("GET", url, headers=headers)
        if status != 200:
            raise NotaryError(f"token auth attempt for registry: {url}: {status}")
        try:
            answer = json.loads(body)
        except ValueError:
            raise NotaryError("unable to decode token response") from None
        token = answer.get("token") or answer.get("access_token")
        return f"Bearer {token}" if token else None

    def get(self, name: str) -> bytes:
        """One metadata file, ``name`` without ``.json`` (``root``, ``snapshot.<sha256>``)."""
        url = f"{self.server}/v2/{self.gun}/_trust/tuf/{name}.json"
        status, _, body = self._request("GET", url, headers=self._authorize())
        if status == 404:
            raise MetaNotFound(name)
        if status >= 500:
            raise ServerUnavailable(status)
        if status != 200:
            raise NotaryError(f"trust server rejected operation. ({status})")
        if len(body) > MAX_DOWNLOAD:
            raise InvalidMetadata(f"{name}: too large")
        return body

    def get_key(self, role: str) -> bytes:
        """``GET …/_trust/tuf/<role>.key``: the server makes (or returns) its key for a role."""
        url = f"{self.server}/v2/{self.gun}/_trust/tuf/{role}.key"
        status, _, body = self._request("GET", url, headers=self._authorize())
        if status == 404:
            raise MetaNotFound(f"{role}.key")
        if status >= 500:
            raise ServerUnavailable(status)
        if status != 200:
            raise NotaryError(_server_error(body, status))
        return body

    def post(self, files: dict[str, bytes]) -> None:
        """notary's SetMulti: every changed role in one multipart POST."""
        boundary = "dshell" + os.urandom(12).hex()
        parts = []
        for role, raw in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                         f'filename="{role}"\r\nContent-Type: application/octet-stream'
                         "\r\n\r\n".encode() + raw + b"\r\n")  # fmt: skip
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   **self._authorize()}  # fmt: skip
        url = f"{self.server}/v2/{self.gun}/_trust/tuf/"
        status, _, answer = self._request("POST", url, body, headers)
        if status >= 500:
            raise ServerUnavailable(status)
        if status != 200:
            raise NotaryError(_server_error(answer, status))

    def delete_all(self) -> None:
        url = f"{self.server}/v2/{self.gun}/_trust/tuf/"
        status, _, answer = self._request("DELETE", url, headers=self._authorize())
        if status != 200:
            raise NotaryError(_server_error(answer, status))


def _server_error(body: bytes, status: int) -> str:
    try:
        errors = json.loads(body).get("errors") or []
        return f"trust server rejected operation. ({errors[0].get('message', status)})"
    except (ValueError, AttributeError, IndexError):
        return f"trust server rejected operation. ({status})"


def _notary_session(context: ssl.SSLContext):  # noqa: ANN202
    """A requests session (the project's HTTP stack) whose connections use ``context``."""
    import requests

    from dshell.engine.distribution import _context_adapter

    session = requests.Session()
    session.trust_env = False
    session.headers.clear()
    session.mount("https://", _context_adapter(context, context.verify_mode != ssl.CERT_NONE))
    return session


def _network_reason(method: str, url: str, exc: Exception) -> str:
    """Go's words for a request that got no answer, from the failure under requests' own."""
    from dshell.engine.client import _causes

    parts = urllib.parse.urlsplit(url)
    verb = method.capitalize()
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return f'{verb} "{url}": dial tcp {parts.netloc}: connect: connection refused'
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f'{verb} "{url}": tls: failed to verify certificate: {cause.verify_message}'
    innermost = causes[-1] if causes else exc
    reason = getattr(innermost, "strerror", None) or str(innermost)
    return f'{verb} "{url}": {reason}'


def _parse_challenge(header: str) -> tuple[str, dict[str, str]] | None:
    scheme, _, rest = header.strip().partition(" ")
    if not scheme:
        return None
    params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return scheme.lower(), params


# -- the repository -------------------------------------------------------------------------


def logrus_warning(message: str) -> str:
    """A line as docker's logrus prints a warning on a non-terminal standard error."""
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    stamp = stamp.replace("+00:00", "Z")
    return f'time="{stamp}" level=warning msg="{message}"'


@dataclass
class TargetSigned:
    """notary's TargetSignedStruct: a target as one role signed it."""

    role: str
    name: str
    hashes: dict[str, str]
    length: int


class Repository:
    """One GUN's trust data: the cache under ``trust_dir`` and the server behind ``remote``.

    ``update()`` is notary's tufClient.Update; afterwards ``root``, ``targets`` (role name →
    its verified ``signed`` part) and ``roles`` (delegations as their parents name them) hold
    the verified state. ``warnings`` collects what docker's logrus would print.
    """

    def __init__(self, trust_dir: Path, gun: str, remote: Remote) -> None:
        self.trust_dir = trust_dir
        self.gun = gun
        self.remote = remote
        self.metadata_dir = trust_dir / "tuf" / gun / "metadata"
        self.warnings: list[str] = []
        self.raw: dict[str, bytes] = {}
        self.root: dict = {}
        self.timestamp: dict = {}
        self.snapshot: dict = {}
        self.targets: dict[str, dict] = {}
        self.delegations: dict[str, Role] = {}
        self.keys: dict[str, dict] = {}
        #: Roles changed since the update, to sign and publish; all of them on a first push.
        self.dirty: set[str] = set()
        self.initial = False
        for sub in ("metadata", "changelist"):
            make_private_dir(trust_dir / "tuf" / gun / sub)
        make_private_dir(trust_dir / "private")

    # cache
    def cached(self, role: str) -> bytes | None:
        try:
            return (self.metadata_dir / f"{role}.json").read_bytes()
        except OSError:
            return None

    def store(self, role: str, raw: bytes) -> None:
        path = self.metadata_dir / f"{role}.json"
        try:
            make_private_dir(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
        except OSError as exc:
            log.debug("Unable to write %s to cache: %s", role, exc)

    # loading
    def base_role(self, name: str) -> Role:
        entry = (self.root.get("roles") or {}).get(name)
        if not entry:
            raise InvalidMetadata(f"{name}: no such role in root")
        return Role(name, list(entry.get("keyids") or []), int(entry.get("threshold") or 1))

    def _load_root(self, raw: bytes) -> None:
        document = _decode(raw, ROOT)
        signed = document.get("signed") or {}
        keys = signed.get("keys") or {}
        # Trust on first use: the root must be signed by the root keys it names.
        role_entry = (signed.get("roles") or {}).get(ROOT) or {}
        role = Role(ROOT, list(role_entry.get("keyids") or []),
                    int(role_entry.get("threshold") or 1))  # fmt: skip
        self.root = verify_signed(document, role, keys, "Root")
        self.keys = dict(keys)
        self.raw[ROOT] = raw

    def _load_versioned(self, raw: bytes, role: Role, kind: str, keys: dict[str, dict],
                        minimum: int = 0) -> dict:  # fmt: skip
        signed = verify_signed(_decode(raw, role.name), role, keys, kind)
        if int(signed.get("version") or 0) < minimum:
            raise InvalidMetadata(f"{role.name}: version lower than expected")
        self.raw[role.name] = raw
        return signed

    def bootstrap(self, for_write: bool = False) -> None:
        """The root: the cached one if valid, else the server's (RepositoryNotExist on 404).
        ``for_write``: the server is always asked whether the repository exists."""
        cached = self.cached(ROOT)
        if for_write:
            try:
                remote_root = self.remote.get(ROOT)
            except MetaNotFound:
                raise RepositoryNotExist(
                    urllib.parse.urlsplit(self.remote.server).netloc, self.gun
                ) from None
            if cached is None:
                self._load_root(remote_root)
                self.store(ROOT, remote_root)
                return
        if cached is not None:
            try:
                self._load_root(cached)
                return
            except NotaryError as exc:
                log.debug("cached root is invalid: %s", exc)
        try:
            raw = self.remote.get(ROOT)
        except MetaNotFound:
            raise RepositoryNotExist(
                urllib.parse.urlsplit(self.remote.server).netloc, self.gun
            ) from None
        self._load_root(raw)
        self.store(ROOT, raw)

    def update(self, for_write: bool = False) -> None:
        """notary's LoadTUFRepo: on a failure, the root is loaded again (from the cache when
        it matches the snapshot's record of it, else from the server) and the whole update
        tried once more."""
        self.bootstrap(for_write)
        try:
            self._update()
        except NotaryError:
            try:
                self._update_root()
                self._update()
            except MetaNotFound as exc:
                if exc.resource == ROOT or exc.resource.startswith(f"{ROOT}."):
                    raise RepositoryNotExist(
                        urllib.parse.urlsplit(self.remote.server).netloc, self.gun
                    ) from None
                raise

    def _update_root(self) -> None:
        meta = (self.snapshot.get("meta") or {}).get(ROOT) or {}
        if meta.get("hashes"):
            cached = self.cached(ROOT)
            if cached is not None:
                try:
                    check_hashes(cached, meta, ROOT)
                    self._load_root(cached)
                    return
                except NotaryError as exc:
                    log.debug("cached root is invalid (must download): %s", exc)
            digest = base64.b64decode(meta["hashes"].get("sha256", "")).hex()
            raw = self.remote.get(f"{ROOT}.{digest}" if digest else ROOT)
            check_hashes(raw, meta, ROOT)
        else:
            raw = self.remote.get(ROOT)
        self._load_root(raw)
        self.store(ROOT, raw)

    def _cached_version(self, role: str) -> int:
        cached = self.cached(role)
        if cached is None:
            return 0
        try:
            return int(json.loads(cached)["signed"]["version"])
        except (ValueError, KeyError, TypeError):
            return 0

    def _update(self) -> None:
        self.targets, self.delegations, self.snapshot = {}, {}, {}
        self.dirty = set()
        keys = self.keys
        # timestamp: always from the server; the cached one when the server cannot answer
        role = self.base_role(TIMESTAMP)
        cached = self.cached(TIMESTAMP)
        try:
            raw = self.remote.get(TIMESTAMP)
            self.timestamp = self._load_versioned(
                raw, role, "Timestamp", keys, self._cached_version(TIMESTAMP)
            )
            self.store(TIMESTAMP, raw)
        except (MetaNotFound, ServerUnavailable, NetworkError):
            if cached is None:
                raise
            self.warnings.append("Error while downloading remote metadata, using cached "
                                 "timestamp - this might not be the latest version available "
                                 "remotely")  # fmt: skip
            self.timestamp = self._load_versioned(cached, role, "Timestamp", keys)
        meta = (self.timestamp.get("meta") or {}).get(SNAPSHOT) or {}
        self.snapshot = self._load_by_checksum(self.base_role(SNAPSHOT), "Snapshot", meta, keys)
        # targets and every delegation the snapshot lists, breadth first
        queue = [Role(TARGETS, self.base_role(TARGETS).keyids,
                      self.base_role(TARGETS).threshold)]  # fmt: skip
        parent_keys = {TARGETS: keys}
        while queue:
            current = queue.pop(0)
            meta = (self.snapshot.get("meta") or {}).get(current.name)
            if not meta:
                continue
            try:
                signed = self._load_by_checksum(current, "Targets", meta,
                                                parent_keys[current.name])  # fmt: skip
            except (Expired, InvalidMetadata) as exc:
                if current.name == TARGETS:
                    raise
                self.warnings.append(f"Error getting {current.name}: {exc}")
                continue
            self.targets[current.name] = signed
            children = valid_delegations(signed, current)
            delegated_keys = (signed.get("delegations") or {}).get("keys") or {}
            for child in children:
                self.delegations[child.name] = child
                parent_keys[child.name] = delegated_keys
            queue = children + queue

    def _load_by_checksum(self, role: Role, kind: str, meta: dict,
                          keys: dict[str, dict]) -> dict:  # fmt: skip
        if not meta.get("hashes"):
            raise InvalidMetadata(f"{role.name}: no checksum")
        cached = self.cached(role.name)
        if cached is not None:
            try:
                check_hashes(cached, meta, role.name)
                return self._load_versioned(cached, role, kind, keys)
            except NotaryError as exc:
                log.debug("cached %s is invalid (must download): %s", role.name, exc)
        digest = base64.b64decode(meta["hashes"].get("sha256", "")).hex()
        name = f"{role.name}.{digest}" if digest else role.name
        raw = self.remote.get(name)
        check_hashes(raw, meta, role.name)
        signed = self._load_versioned(raw, role, kind, keys, self._cached_version(role.name))
        self.store(role.name, raw)
        return signed

    # reading (notary's reader)
    def walk(self, target: str = "") -> list[tuple[Role, dict]]:
        """notary's WalkTargets order: breadth first from ``targets``, roles whose paths
        allow ``target`` (every role when empty)."""
        base = self.base_role(TARGETS)
        queue = [Role(TARGETS, base.keyids, base.threshold)]
        visited = []
        while queue:
            role = queue.pop(0)
            signed = self.targets.get(role.name)
            if signed is None:
                continue
            if target and not role.check_paths(target):
                continue
            visited.append((role, signed))
            queue.extend(valid_delegations(signed, role))
        return visited

    def all_target_metadata(self, name: str) -> list[TargetSigned]:
        """GetAllTargetMetadataByName; ``name`` empty: every target of every role."""
        found = []
        for role, signed in self.walk(name):
            files = signed.get("targets") or {}
            chosen = files.items() if not name else ([(name, files[name])] if name in files
                                                      else [])  # fmt: skip
            for target, meta in chosen:
                found.append(TargetSigned(role.name, target, dict(meta.get("hashes") or {}),
                                          int(meta.get("length") or 0)))  # fmt: skip
        if not found:
            raise NoSuchTarget(name)
        return found

    def target_by_name(self, name: str, roles: list[str]) -> TargetSigned:
        """GetTargetByName: the target as the first of ``roles`` (in that priority) that
        signs it, walking each role's subtree."""
        for wanted in roles:
            for role, signed in self.walk(name):
                if role.name != wanted and not role.name.startswith(wanted + "/"):
                    continue
                meta = (signed.get("targets") or {}).get(name)
                if meta is not None:
                    return TargetSigned(role.name, name, dict(meta.get("hashes") or {}),
                                        int(meta.get("length") or 0))  # fmt: skip
        raise NoSuchTarget(name)

    def list_targets(self, roles: list[str]) -> list[TargetSigned]:
        """ListTargets(roles…): every target once, from the first role (in priority) that
        has it."""
        found: dict[str, TargetSigned] = {}
        for wanted in roles:
            for role, signed in self.walk():
                if role.name != wanted and not role.name.startswith(wanted + "/"):
                    continue
                for name, meta in (signed.get("targets") or {}).items():
                    found.setdefault(name, TargetSigned(role.name, name,
                                                        dict(meta.get("hashes") or {}),
                                                        int(meta.get("length") or 0)))  # fmt: skip
        return list(found.values())

    def base_roles(self) -> list[Role]:
        """ListRoles' base roles, in root's order of names."""
        return [self.base_role(name) for name in (self.root.get("roles") or {})
                if name in BASE_ROLES]  # fmt: skip

    def delegation_roles(self) -> list[Role]:
        """GetDelegationRoles: every delegation, with canonical key IDs."""
        if TARGETS not in self.targets:
            raise MetaNotFound(TARGETS)
        found = []
        for _role, signed in self.walk():
            delegations = signed.get("delegations") or {}
            keys = delegations.get("keys") or {}
            for entry in delegations.get("roles") or []:
                ids = [canonical_key_id(keys[k]) if k in keys else k
                       for k in entry.get("keyids") or []]  # fmt: skip
                found.append(Role(entry.get("name", ""), ids, int(entry.get("threshold") or 1),
                                  list(entry.get("paths") or [])))  # fmt: skip
        return found


def valid_delegations(signed: dict, parent: Role) -> list[Role]:
    """A targets role's children whose paths stay within the parent's (GetValidDelegations)."""
    children = []
    for entry in (signed.get("delegations") or {}).get("roles") or []:
        name = str(entry.get("name", ""))
        if not name.startswith(parent.name + "/"):
            continue
        paths = [p for p in entry.get("paths") or [] if parent.check_paths(p)]
        if not paths:
            continue
        children.append(Role(name, list(entry.get("keyids") or []),
                             int(entry.get("threshold") or 1), paths))  # fmt: skip
    return children


def _decode(raw: bytes, name: str) -> dict:
    try:
        document = json.loads(raw)
    except ValueError:
        raise InvalidMetadata(f"{name}: not valid JSON") from None
    if not isinstance(document, dict):
        raise InvalidMetadata(f"{name}: not valid metadata")
    return document


def make_private_dir(path: Path) -> None:
    """Go's os.MkdirAll(path, 0700): every directory it creates is private."""
    if path.is_dir():
        return
    if not path.parent.is_dir():
        make_private_dir(path.parent)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass


def trust_server(index_name: str, official: bool) -> str:
    """cli/trust.Server: DOCKER_CONTENT_TRUST_SERVER, else notary.docker.io for Docker Hub,
    else ``https://<registry>``."""
    configured = os.environ.get("DOCKER_CONTENT_TRUST_SERVER", "")
    if configured:
        parts = urllib.parse.urlsplit(configured)
        if parts.scheme != "https":
            raise NotaryError(f"valid https URL required for trust server, got {configured}")
        return configured
    if official:
        return NOTARY_SERVER
    return "https://" + index_name


def open_repository(config_dir: Path, gun: str, index_name: str, official: bool,
                    secure: bool, credentials: Credentials, actions: list[str],
                    user_agent: str) -> Repository:  # fmt: skip
    """cli/trust.GetNotaryRepository: the server, its TLS settings, the cache."""
    server = trust_server(index_name, official)
    host = urllib.parse.urlsplit(server).netloc
    context = _tls_context(config_dir / "tls" / host, verify=secure)
    remote = Remote(server, gun, context, credentials, actions, user_agent)
    return Repository(config_dir / "trust", gun, remote)


# -- writing (notary's changelist applied, then Publish) --------------------------------------

DEFAULT_EXPIRY_YEARS = {ROOT: 10, TARGETS: 3, SNAPSHOT: 3}


def go_time(moment: datetime) -> str:
    """Go's time.Time in JSON (RFC 3339 with trailing zeros of the fraction dropped), UTC."""
    text = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0")
    return text.rstrip(".") + "Z"


def default_expiry(role: str) -> str:
    """data.DefaultExpires: root 10 years, targets (and delegations) and snapshot 3 years."""
    now = datetime.now(timezone.utc)
    years = DEFAULT_EXPIRY_YEARS.get(role, 3)
    try:
        later = now.replace(year=now.year + years)
    except ValueError:  # 29 February
        later = now.replace(year=now.year + years, day=28)
    return go_time(later)


def empty_targets(version: int = 0) -> dict:
    return {"_type": "Targets", "delegations": {"keys": {}, "roles": []},
            "expires": default_expiry(TARGETS), "targets": {}, "version": version}  # fmt: skip


def signed_document(signed: dict, signatures: list[tuple[str, str, bytes]]) -> bytes:
    """The file notary publishes: ``{"signed":…,"signatures":[…]}``."""
    entries = [{"keyid": keyid, "method": method, "sig": base64.b64encode(sig).decode()}
               for keyid, method, sig in signatures]  # fmt: skip
    return (b'{"signed":' + canonical_json(signed) + b',"signatures":'
            + json.dumps(entries, separators=(",", ":")).encode() + b"}")  # fmt: skip


class CannotSign(NotaryError):
    def __init__(self, keyids: list[str]) -> None:
        super().__init__("could not find necessary signing keys, at least one of these keys "
                         f"must be available: {', '.join(keyids)}")  # fmt: skip


def _delegation_entry(parent: dict, name: str) -> dict | None:
    for entry in (parent.get("delegations") or {}).get("roles") or []:
        if entry.get("name") == name:
            return entry
    return None


class Writer:
    """Changes to a Repository's roles, signed and published as notary's Publish does.

    ``sign(role, keyids, keys)`` returns (key ID, private key) pairs for the role, or []
    when this client holds none of its keys (the PrivateKey objects of notary_keys).
    """

    def __init__(self, repo: Repository, sign) -> None:  # noqa: ANN001
        self.repo = repo
        self.sign = sign
        #: notary's changelist: applied by publish() to the repository as updated then.
        self.changes: list = []
        #: How publish() updates the repository first (the command's, which prints
        #: notary's warnings); None: as it is.
        self.refresh = None

    def add_target(self, name: str, hashes: dict[str, bytes], length: int,
                   roles: list[str]) -> None:  # fmt: skip
        self.changes.append(lambda: self._add_target(name, hashes, length, roles))

    def remove_target(self, name: str, roles: list[str]) -> None:
        self.changes.append(lambda: self._remove_target(name, roles))

    def add_delegation_keys(self, role: str, keys: list[dict], paths: list[str]) -> None:
        self.changes.append(lambda: self._add_delegation_keys(role, keys, paths))

    def remove_delegation_keys(self, role: str, keyids: list[str]) -> None:
        self.changes.append(lambda: self._remove_delegation_keys(role, keyids))

    def remove_delegation(self, role: str) -> None:
        self.changes.append(lambda: self._remove_delegation(role))

    # roles and their keys
    def role_keys(self, role: str) -> tuple[list[str], dict[str, dict], int]:
        """(key IDs, the key dicts they name, threshold) as the role's parent lists them."""
        repo = self.repo
        if role in BASE_ROLES:
            base = repo.base_role(role)
            return base.keyids, repo.keys, base.threshold
        parent = repo.targets.get(role.rsplit("/", 1)[0]) or {}
        entry = _delegation_entry(parent, role)
        if entry is None:
            raise NotaryError(f"tuf: invalid role {role}. role does not exist")
        keys = (parent.get("delegations") or {}).get("keys") or {}
        return list(entry.get("keyids") or []), keys, int(entry.get("threshold") or 1)

    def signable(self, role: str) -> bool:
        keyids, keys, _ = self.role_keys(role)
        return bool(self.sign(role, keyids, keys, True))

    # changes (notary's changelist)
    def initialize(self, root_key: dict, targets_key: dict, timestamp_key: dict,
                   snapshot_key: dict) -> None:  # fmt: skip
        """Repository.Initialize with a server-managed snapshot: a new root (the root
        certificate's key, our targets key, the server's timestamp and snapshot keys) and
        an empty targets role."""
        repo = self.repo
        ids = {name: key_id(key) for name, key in (
            (ROOT, root_key), (TARGETS, targets_key), (TIMESTAMP, timestamp_key),
            (SNAPSHOT, snapshot_key))}  # fmt: skip
        repo.keys = {ids[name]: key for name, key in (
            (ROOT, root_key), (TARGETS, targets_key), (TIMESTAMP, timestamp_key),
            (SNAPSHOT, snapshot_key))}  # fmt: skip
        repo.root = {"_type": "Root", "consistent_snapshot": False,
                     "expires": default_expiry(ROOT), "keys": dict(repo.keys),
                     "roles": {name: {"keyids": [ids[name]], "threshold": 1}
                               for name in (ROOT, SNAPSHOT, TARGETS, TIMESTAMP)},
                     "version": 1}  # fmt: skip
        repo.targets = {TARGETS: empty_targets(version=1)}
        repo.snapshot, repo.timestamp = {}, {}
        repo.initial = True

    def _targets_for_change(self, role: str) -> dict:
        repo = self.repo
        if role not in repo.targets:
            if role == TARGETS:
                raise NotaryError("targets: not loaded")
            self.role_keys(role)  # the role must be delegated
            repo.targets[role] = empty_targets()
        return repo.targets[role]

    def _add_target(self, name: str, hashes: dict[str, bytes], length: int,
                   roles: list[str]) -> None:  # fmt: skip
        for role in roles:
            keyids, keys, _ = self.role_keys(role)
            if not self.sign(role, keyids, keys, True):
                raise CannotSign(keyids)
        for role in roles:
            files = self._targets_for_change(role).setdefault("targets", {})
            files[name] = {"hashes": {k: base64.b64encode(v).decode() for k, v in
                                      hashes.items()}, "length": length}  # fmt: skip
            self.repo.dirty.add(role)

    def _remove_target(self, name: str, roles: list[str]) -> None:
        for role in roles:
            signed = self.repo.targets.get(role)
            if signed is not None and name in (signed.get("targets") or {}):
                del signed["targets"][name]
                self.repo.dirty.add(role)

    def _add_delegation_keys(self, role: str, keys: list[dict], paths: list[str]) -> None:
        """AddDelegationRoleAndKeys + AddDelegationPaths: create the role (threshold 1) or
        add the keys and paths to it."""
        parent_name = role.rsplit("/", 1)[0]
        parent = self._targets_for_change(parent_name)
        delegations = parent.setdefault("delegations", {"keys": {}, "roles": []})
        delegations.setdefault("keys", {})
        delegations.setdefault("roles", [])
        entry = _delegation_entry(parent, role)
        if entry is None:
            entry = {"keyids": [], "name": role, "paths": [], "threshold": 1}
            delegations["roles"].append(entry)
        for key in keys:
            ident = key_id(key)
            delegations["keys"][ident] = key
            if ident not in entry["keyids"]:
                entry["keyids"].append(ident)
        for path in paths:
            if path not in entry["paths"]:
                entry["paths"].append(path)
        self.repo.dirty.add(parent_name)

    def _remove_delegation_keys(self, role: str, keyids: list[str]) -> None:
        """RemoveDelegationKeys: the keys (canonical IDs) leave the role."""
        parent_name = role.rsplit("/", 1)[0]
        parent = self._targets_for_change(parent_name)
        entry = _delegation_entry(parent, role)
        if entry is None:
            return
        keys = (parent.get("delegations") or {}).get("keys") or {}
        entry["keyids"] = [
            k
            for k in entry["keyids"]
            if (canonical_key_id(keys[k]) if k in keys else k) not in keyids
        ]
        threshold = int(entry.get("threshold") or 1)
        if len(entry["keyids"]) < threshold:
            self.repo.warnings += [
                f"role {role} has fewer keys than its threshold of {threshold}; it will not "
                "be usable until keys are added to it"
            ] * 2
        self._purge_keys(parent)
        self.repo.dirty.add(parent_name)

    def _remove_delegation(self, role: str) -> None:
        """RemoveDelegationRole: the role leaves its parent (its targets with it)."""
        parent_name = role.rsplit("/", 1)[0]
        parent = self._targets_for_change(parent_name)
        roles = (parent.get("delegations") or {}).get("roles") or []
        parent["delegations"]["roles"] = [r for r in roles if r.get("name") != role]
        self._purge_keys(parent)
        self.repo.targets.pop(role, None)
        self.repo.dirty.add(parent_name)

    @staticmethod
    def _purge_keys(parent: dict) -> None:
        delegations = parent.get("delegations") or {}
        used = {k for r in delegations.get("roles") or [] for k in r.get("keyids") or []}
        delegations["keys"] = {k: v for k, v in (delegations.get("keys") or {}).items()
                               if k in used}  # fmt: skip

    # publishing
    def _signed_file(self, role: str, signed: dict) -> bytes:
        keyids, keys, threshold = self.role_keys(role)
        signers = self.sign(role, keyids, keys, False)
        if len(signers) < threshold:
            raise CannotSign(keyids)
        message = canonical_json(signed)
        signatures = []
        for ident, private in signers:
            method, signature = private.sign(message)
            signatures.append((ident, method, signature))
        return signed_document(signed, signatures)

    def publish(self) -> None:
        """Sign what changed (root, targets, delegations; the server signs snapshot and
        timestamp) and send it in one request; the cache keeps what was sent."""
        repo = self.repo
        if not repo.initial and self.refresh is not None:
            self.refresh()
        changes, self.changes = self.changes, []
        for change in changes:
            change()
        files: dict[str, bytes] = {}
        if repo.initial or ROOT in repo.dirty:
            if ROOT in repo.dirty and not repo.initial:
                repo.root["version"] = int(repo.root.get("version") or 0) + 1
                repo.root["expires"] = default_expiry(ROOT)
            files[ROOT] = self._signed_file(ROOT, repo.root)
        roles = [r for r in repo.targets if r in repo.dirty or (repo.initial and r == TARGETS)]
        roles.sort(key=lambda r: (r.count("/"), r))
        for role in roles:
            signed = repo.targets[role]
            if role in repo.dirty:
                signed["version"] = int(signed.get("version") or 0) + 1
                signed["expires"] = default_expiry(TARGETS)
            files[role] = self._signed_file(role, signed)
        if not files:
            return
        repo.remote.post(files)
        for role, raw in files.items():
            repo.store(role, raw)
        repo.dirty.clear()
        repo.initial = False

    def remote_key(self, role: str) -> dict:
        """The server's public key for a role it manages (timestamp, snapshot)."""
        raw = self.repo.remote.get_key(role)
        try:
            key = json.loads(raw)
        except ValueError:
            raise NotaryError(f"could not parse the {role} key the server sent") from None
        return {"keytype": key.get("keytype"), "keyval": {"private": None,
                "public": (key.get("keyval") or {}).get("public")}}  # fmt: skip
