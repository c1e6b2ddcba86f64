"""The docker CLI's configuration directory: config.json and the context store."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

INDEX_SERVER = "https://index.docker.io/v1/"


def config_dir(flag: str | None = None, environ: dict[str, str] | None = None) -> Path:
    """``--config``, else ``DOCKER_CONFIG``, else ``~/.docker`` (as the docker CLI)."""
    env = os.environ if environ is None else environ
    if flag:
        return Path(flag).expanduser()
    if env.get("DOCKER_CONFIG"):
        return Path(env["DOCKER_CONFIG"]).expanduser()
    return Path(env.get("HOME") or Path.home()) / ".docker"


@dataclass
class ConfigFile:
    """The parts of config.json that dshell reads; unknown keys are kept for writing back."""

    path: Path
    data: dict = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> ConfigFile:
        path = directory / "config.json"
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"loading config file: {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"loading config file: {path}: not a JSON object")
        return cls(path, data)

    def get(self, key: str, default: object = None) -> object:
        return self.data.get(key, default)

    @property
    def current_context(self) -> str:
        return str(self.data.get("currentContext") or "")

    @property
    def ps_format(self) -> str:
        return str(self.data.get("psFormat") or "")

    @property
    def images_format(self) -> str:
        return str(self.data.get("imagesFormat") or "")

    @property
    def index_username(self) -> str:
        """The Docker Hub user of the stored credentials (``info`` shows it)."""
        entry = (self.data.get("auths") or {}).get(INDEX_SERVER) or {}
        if entry.get("username"):
            return str(entry["username"])
        try:
            decoded = base64.b64decode(entry.get("auth") or "").decode()
        except (ValueError, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[0]

    @property
    def detach_keys(self) -> str:
        return str(self.data.get("detachKeys") or "")


class ConfigError(Exception):
    """config.json exists but cannot be read."""


@dataclass(frozen=True)
class ContextEndpoint:
    """The docker endpoint of a named context in the store."""

    name: str
    host: str
    skip_tls_verify: bool
    tls_dir: Path | None
    description: str = ""


def context_id(name: str) -> str:
    """Directory name of a context in the store: the hex SHA-256 of its name."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()


def load_context(directory: Path, name: str) -> ContextEndpoint:
    """Read a context's docker endpoint; raise LookupError in docker's words when absent."""
    meta_path = directory / "contexts" / "meta" / context_id(name) / "meta.json"
    try:
        with open(meta_path, encoding="utf-8") as handle:
            meta = json.load(handle)
    except FileNotFoundError as exc:
        raise LookupError(
            f'context "{name}": context not found: open {meta_path}: no such file or directory'
        ) from exc
    except (OSError, ValueError) as exc:
        raise LookupError(f'context "{name}": {exc}') from exc
    endpoint = (meta.get("Endpoints") or {}).get("docker") or {}
    tls_dir = directory / "contexts" / "tls" / context_id(name) / "docker"
    return ContextEndpoint(
        name=name,
        host=endpoint.get("Host") or "",
        skip_tls_verify=bool(endpoint.get("SkipTLSVerify")),
        tls_dir=tls_dir if tls_dir.is_dir() else None,
        description=(meta.get("Metadata") or {}).get("Description", ""),
    )
