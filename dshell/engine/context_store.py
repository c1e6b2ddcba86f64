"""docker's context store under the config directory, read and written the docker CLI's way.

Layout: ``contexts/meta/<sha256(name)>/meta.json`` holds ``{"Name", "Metadata",
"Endpoints"}``; ``contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem`` holds TLS material.
A context made here works in docker and the other way round; ``export``/``import`` use the
same tar layout as ``docker context export`` (``meta.json`` plus ``tls/docker/*.pem``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from dshell.engine.config import ConfigFile, context_id

DOCKER_ENDPOINT = "docker"
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$")
DEFAULT_CONTEXT = "default"


class ContextStoreError(Exception):
    """A context operation failed; ``str()`` is docker's message."""


@dataclass
class StoredContext:
    """One context: its metadata (``Description`` and extra fields), endpoints and TLS files."""

    name: str
    metadata: dict = field(default_factory=dict)
    endpoints: dict = field(default_factory=dict)
    tls: dict[str, dict[str, bytes]] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return str(self.metadata.get("Description") or "")

    @property
    def docker_endpoint(self) -> dict:
        return self.endpoints.get(DOCKER_ENDPOINT) or {}

    def meta_json(self) -> dict:
        return {"Name": self.name, "Metadata": self.metadata, "Endpoints": self.endpoints}


class ContextStore:
    """The store in one config directory."""

    def __init__(self, config_directory: Path) -> None:
        self.root = Path(config_directory) / "contexts"

    def meta_dir(self, name: str) -> Path:
        return self.root / "meta" / context_id(name)

    def tls_dir(self, name: str) -> Path:
        return self.root / "tls" / context_id(name)

    # -- reading -------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Names of every stored context (not ``default``), in no particular order."""
        found = []
        for meta in sorted((self.root / "meta").glob("*/meta.json")):
            try:
                found.append(str(json.loads(meta.read_text(encoding="utf-8"))["Name"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found

    def load(self, name: str) -> StoredContext:
        """The context ``name``; docker's "context not found" error when it is absent."""
        path = self.meta_dir(name) / "meta.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ContextStoreError(
                f'context "{name}": context not found: open {path}: no such file or directory'
            ) from None
        except (OSError, ValueError) as exc:
            raise ContextStoreError(f'context "{name}": {exc}') from None
        context = StoredContext(
            name=raw.get("Name") or name,
            metadata=dict(raw.get("Metadata") or {}),
            endpoints=dict(raw.get("Endpoints") or {}),
        )
        for endpoint_dir in sorted(self.tls_dir(name).glob("*")):
            files = {p.name: p.read_bytes() for p in sorted(endpoint_dir.glob("*")) if p.is_file()}
            if files:
                context.tls[endpoint_dir.name] = files
        return context

    def exists(self, name: str) -> bool:
        return (self.meta_dir(name) / "meta.json").is_file()

    # -- writing -------------------------------------------------------------------------
    def save(self, context: StoredContext, replace_tls: bool = True) -> None:
        """Write meta.json (and, with ``replace_tls``, exactly the context's TLS files)."""
        meta_dir = self.meta_dir(context.name)
        meta_dir.mkdir(parents=True, exist_ok=True, mode=0o755)
        _atomic_write(meta_dir / "meta.json",
                      json.dumps(context.meta_json(), separators=(",", ":")).encode(), 0o644)
        if not replace_tls:
            return
        tls_dir = self.tls_dir(context.name)
        shutil.rmtree(tls_dir, ignore_errors=True)
        for endpoint, files in context.tls.items():
            if not files:
                continue
            target = tls_dir / endpoint
            target.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(tls_dir, 0o700)
            for filename, data in files.items():
                _atomic_write(target / filename, data, 0o600)

    def remove(self, name: str) -> None:
        if not self.exists(name):
            raise ContextStoreError(f'context "{name}" does not exist')
        shutil.rmtree(self.meta_dir(name), ignore_errors=True)
        shutil.rmtree(self.tls_dir(name), ignore_errors=True)

    # -- export / import -----------------------------------------------------------------
    def export_tar(self, name: str) -> bytes:
        """The context as ``docker context export`` writes it: meta.json, tls/<ep>/*.pem."""
        context = self.load(name)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            _add(tar, "meta.json", json.dumps(context.meta_json(),
                                              separators=(",", ":")).encode(), 0o644)
            _add_dir(tar, "tls")
            for endpoint, files in sorted(context.tls.items()):
                _add_dir(tar, f"tls/{endpoint}")
                for filename, data in sorted(files.items()):
                    _add(tar, f"tls/{endpoint}/{filename}", data, 0o600)
        return buffer.getvalue()

    def import_archive(self, name: str, data: bytes) -> None:
        """Store an exported context (tar, or zip as docker also accepts) under ``name``."""
        validate_name(name)
        if self.exists(name):
            raise ContextStoreError(f'context "{name}" already exists')
        members = _zip_members(data) if data[:4] == b"PK\x03\x04" else _tar_members(data)
        if "meta.json" not in members:
            raise ContextStoreError("invalid context: no metadata found")
        try:
            raw = json.loads(members.pop("meta.json"))
        except ValueError as exc:
            raise ContextStoreError(f"invalid context: {exc}") from None
        context = StoredContext(name, dict(raw.get("Metadata") or {}),
                                dict(raw.get("Endpoints") or {}))
        for path, content in members.items():
            parts = path.split("/")
            if len(parts) == 3 and parts[0] == "tls" and parts[2]:
                context.tls.setdefault(parts[1], {})[parts[2]] = content
        self.save(context)


def validate_name(name: str) -> None:
    """docker's context name rules, in docker's words."""
    if not name:
        raise ContextStoreError("context name cannot be empty")
    if name == DEFAULT_CONTEXT:
        raise ContextStoreError(f'"{name}" is a reserved context name')
    if not NAME_PATTERN.match(name):
        raise ContextStoreError(
            f'context name "{name}" is invalid, names are validated against regexp '
            f'"{NAME_PATTERN.pattern}"'
        )


def set_current_context(config: ConfigFile, name: str) -> None:
    """Write ``currentContext`` to config.json ("" for ``default``), keeping every other key;
    the file is written with tabs as docker writes it."""
    data = config.data
    if name == DEFAULT_CONTEXT:
        data.pop("currentContext", None)
    else:
        data["currentContext"] = name
    data.setdefault("auths", {})
    config.path.parent.mkdir(parents=True, exist_ok=True)
    ordered = {"auths": data["auths"], **{k: v for k, v in data.items() if k != "auths"}}
    _atomic_write(config.path, json.dumps(ordered, indent="\t").encode(), 0o600)


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with _suppress():
            os.unlink(temp)
        raise


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, 0o700
    tar.addfile(info)


def _tar_members(data: bytes) -> dict[str, bytes]:
    """Regular files of a tar; docker's own exports end without the closing blocks."""
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:", ignore_zeros=True) as tar:
            for info in tar:
                if info.isfile():
                    extracted = tar.extractfile(info)
                    if extracted is not None:
                        members[info.name.lstrip("./")] = extracted.read()
    except (tarfile.TarError, EOFError, OSError):
        if not members:
            raise ContextStoreError("invalid context: not a context archive") from None
    return members


def _zip_members(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}
    except zipfile.BadZipFile as exc:
        raise ContextStoreError(f"invalid context: {exc}") from None
