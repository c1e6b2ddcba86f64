"""Registry credentials as the docker CLI keeps them, and the header that carries them.

Credentials live in ``config.json``: either in ``auths`` (base64 ``user:password``) or in a
credential helper named by ``credHelpers[host]`` or ``credsStore``: the program
``docker-credential-<name>`` with the action (``get``/``store``/``erase``) as its argument and
the server address or a JSON record on stdin. A helper keeps the secret; ``auths`` then holds an
empty entry for the host. Nothing in this module prints: secrets never leave it except in the
``X-Registry-Auth`` header and in what is handed to a helper.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

from dshell.engine.config import INDEX_SERVER, ConfigFile
from dshell.engine.errors import EngineError
from dshell.records import dataclass

__all__ = [
    "INDEX_SERVER",
    "AuthConfig",
    "CredentialStore",
    "CredentialsError",
    "auth_header_for_domain",
    "auth_key_for_domain",
    "convert_to_hostname",
    "encode_auth_header",
]

DEFAULT_NAMESPACE = "docker.io"
HELPER_PREFIX = "docker-credential-"
TOKEN_USERNAME = "<token>"
NOT_FOUND_MESSAGE = "credentials not found in native keychain"
HELPER_TIMEOUT = 60
_HUB_DOMAINS = {"docker.io", "index.docker.io", "registry-1.docker.io"}


class CredentialsError(EngineError):
    """A credential helper failed, or config.json could not be written."""


@dataclass
class AuthConfig:
    """What docker calls ``registry.AuthConfig``."""

    server_address: str = ""
    username: str = ""
    password: str = ""
    identity_token: str = ""
    registry_token: str = ""
    email: str = ""

    def api_json(self) -> dict[str, str]:
        """The JSON the Engine expects (``POST /auth`` body, ``X-Registry-Auth``), no empties."""
        fields = {
            "username": self.username,
            "password": self.password,
            "email": self.email,
            "serveraddress": self.server_address,
            "identitytoken": self.identity_token,
            "registrytoken": self.registry_token,
        }
        return {key: value for key, value in fields.items() if value}

    @property
    def has_secret(self) -> bool:
        return bool(self.username and (self.password or self.identity_token))


def encode_auth_header(auth: AuthConfig | None) -> str:
    """``X-Registry-Auth``: URL-safe base64 of the JSON (``e30=`` when there is nothing)."""
    body = json.dumps(auth.api_json() if auth else {}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode()


def convert_to_hostname(address: str) -> str:
    """docker's ``ConvertToHostname``: drop the scheme and any path (``http://h:5000/v2/``)."""
    stripped = address
    if address.startswith("http://"):
        stripped = address[len("http://") :]
    elif address.startswith("https://"):
        stripped = address[len("https://") :]
    return stripped.split("/", 1)[0]


def auth_key_for_domain(domain: str) -> str:
    """Where the credentials of a registry are kept: Docker Hub's are under its v1 URL."""
    return INDEX_SERVER if domain in _HUB_DOMAINS else domain


def login_server_key(server: str | None) -> str:
    """The key ``login``/``logout`` use for a server the user typed (none means Docker Hub)."""
    if not server or server == DEFAULT_NAMESPACE:
        return INDEX_SERVER
    if server == INDEX_SERVER:
        return server
    hostname = convert_to_hostname(server)
    return INDEX_SERVER if hostname in _HUB_DOMAINS else hostname


class CredentialStore:
    """config.json's credentials: the file's ``auths`` and the configured helpers."""

    def __init__(self, config: ConfigFile) -> None:
        self.config = config

    # -- which store --------------------------------------------------------------------
    def helper_for(self, server: str) -> str | None:
        """The helper for a server: ``credHelpers[hostname]`` first, then ``credsStore``."""
        helpers = self.config.data.get("credHelpers") or {}
        name = helpers.get(convert_to_hostname(server)) if isinstance(helpers, dict) else None
        return name or self.config.data.get("credsStore") or None

    def uses_file(self, server: str) -> bool:
        return self.helper_for(server) is None

    @property
    def auths(self) -> dict:
        auths = self.config.data.get("auths")
        if not isinstance(auths, dict):
            auths = {}
            self.config.data["auths"] = auths
        return auths

    # -- get / store / erase ------------------------------------------------------------
    def get(self, server: str) -> AuthConfig:
        """Stored credentials for ``server``; an empty AuthConfig when there are none."""
        helper = self.helper_for(server)
        if helper:
            auth = self._helper_get(helper, server)
        else:
            auth = self._file_get(server)
        auth.server_address = auth.server_address or server
        return auth

    def store(self, auth: AuthConfig) -> None:
        """Keep credentials (in the helper when one is configured) and save config.json."""
        helper = self.helper_for(auth.server_address)
        if helper:
            username, secret = auth.username, auth.password
            if auth.identity_token:
                username, secret = TOKEN_USERNAME, auth.identity_token
            record = {"ServerURL": auth.server_address, "Username": username, "Secret": secret}
            self._run_helper(helper, "store", json.dumps(record))
            self.auths[auth.server_address] = {}
        else:
            entry: dict[str, str] = {}
            if auth.username or auth.password:
                pair = f"{auth.username}:{auth.password}".encode()
                entry["auth"] = base64.b64encode(pair).decode()
            if auth.identity_token:
                entry["identitytoken"] = auth.identity_token
            self.auths[auth.server_address] = entry
        self.save()

    def erase(self, server: str) -> None:
        """Forget a server's credentials; raises CredentialsError where the helper fails."""
        helper = self.helper_for(server)
        error = None
        if helper:
            try:
                self._run_helper(helper, "erase", server)
            except CredentialsError as exc:
                error = exc
        if server in self.auths:
            del self.auths[server]
        self.save()
        if error is not None:
            raise error

    def save(self) -> None:
        """Write config.json as docker does (tab-indented, mode 0600), atomically."""
        path = Path(self.config.path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps(self.config.data, indent="\t", ensure_ascii=False)
        fd, temp = tempfile.mkstemp(prefix="config.json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(temp, 0o600)
            os.replace(temp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise CredentialsError(f"error saving credentials: {exc}") from exc

    # -- the file store -----------------------------------------------------------------
    def _file_get(self, server: str) -> AuthConfig:
        auths = self.config.data.get("auths") or {}
        entry = auths.get(server)
        if entry is None:
            entry = next(
                (value for key, value in auths.items() if convert_to_hostname(key) == server),
                None,
            )
        return _decode_entry(entry or {}, server)

    # -- helpers ------------------------------------------------------------------------
    def _helper_get(self, helper: str, server: str) -> AuthConfig:
        try:
            output = self._run_helper(helper, "get", server)
        except CredentialsError as exc:
            if NOT_FOUND_MESSAGE in str(exc):
                return AuthConfig(server_address=server)
            raise
        try:
            record = json.loads(output)
        except ValueError as exc:
            raise CredentialsError(f"error getting credentials - err: {exc}") from exc
        username, secret = record.get("Username") or "", record.get("Secret") or ""
        if username == TOKEN_USERNAME:
            return AuthConfig(server_address=server, identity_token=secret)
        return AuthConfig(server_address=server, username=username, password=secret)

    def _run_helper(self, helper: str, action: str, payload: str) -> str:
        program = HELPER_PREFIX + helper
        try:
            completed = subprocess.run(
                [program, action], input=payload.encode(), capture_output=True,
                timeout=HELPER_TIMEOUT, check=False,
            )  # fmt: skip
        except FileNotFoundError as exc:
            raise CredentialsError(
                f'exec: "{program}": executable file not found in $PATH'
            ) from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CredentialsError(f"error running {program}: {exc}") from exc
        output = completed.stdout.decode(errors="replace").strip()
        if completed.returncode != 0:
            message = output or completed.stderr.decode(errors="replace").strip()
            raise CredentialsError(message or f"{program} {action} failed")
        return output


def _decode_entry(entry: dict, server: str) -> AuthConfig:
    auth = AuthConfig(
        server_address=entry.get("serveraddress") or server,
        username=entry.get("username") or "",
        password=entry.get("password") or "",
        identity_token=entry.get("identitytoken") or "",
        registry_token=entry.get("registrytoken") or "",
        email=entry.get("email") or "",
    )
    if entry.get("auth"):
        try:
            decoded = base64.b64decode(entry["auth"]).decode()
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        username, sep, password = decoded.partition(":")
        if sep:
            auth.username, auth.password = username, password
    return auth



def auth_header_for_domain(config: ConfigFile, domain: str) -> str:
    """``X-Registry-Auth`` for a registry domain, from whatever store config.json names."""
    key = auth_key_for_domain(domain)
    return encode_auth_header(CredentialStore(config).get(key))
