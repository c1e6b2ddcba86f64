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
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from dshell.engine.config import (
    GO_ANY,
    GO_BOOL,
    GO_RAW,
    GO_STRING,
    ConfigFile,
    GoJSONError,
    context_id,
    go_decode,
    go_map,
    go_struct,
    go_unmarshal,
)
from dshell.records import dataclass, field

if TYPE_CHECKING:
    import tarfile

DOCKER_ENDPOINT = "docker"
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$")
DEFAULT_CONTEXT = "default"


class ContextStoreError(Exception):
    """A context operation failed; ``str()`` is docker's message."""


class ContextPanic(ContextStoreError):
    """docker's ``DockerContext.UnmarshalJSON`` asserts that ``Metadata.Description`` is a
    string and panics when it is not (docker exits 2 with a goroutine dump); ``str()`` is the
    panic's first line, which no caller prefixes."""


#: The types docker's store reads meta.json into (cli/context/store/metadatastore.go).
CONTEXT_FILE_TYPE = go_struct(
    "store.untypedContextMetadata",
    ("metadata", GO_RAW), ("endpoints", go_map(GO_RAW)), ("name", GO_STRING))
DOCKER_ENDPOINT_TYPE = go_struct(
    "context.EndpointMetaBase", ("Host", GO_STRING), ("SkipTLSVerify", GO_BOOL))
ANY_MAP_TYPE = go_map(GO_ANY)
#: store.Metadata, as ``context import`` reads an archive's meta.json.
STORE_METADATA_TYPE = go_struct(
    "store.Metadata", ("Name", GO_STRING), ("Metadata", GO_ANY), ("Endpoints", ANY_MAP_TYPE))
NO_DOCKER_ENDPOINT = "cannot find docker endpoint in context"
NOT_ENDPOINT_META = 'endpoint "docker" is not of type EndpointMeta'
_GO_TYPE_NAMES = ((bool, "bool"), (str, "string"), (float, "float64"), (list, "[]interface {}"),
                  (dict, "map[string]interface {}"))


class _MetaReadError(Exception):
    """docker's getByID failed; ``missing`` when the file is not there."""

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass
class StoredContext:
    """One context: its metadata (``Description`` and extra fields), endpoints and TLS files."""

    name: str
    metadata: dict = field(default_factory=dict)
    endpoints: dict = field(default_factory=dict)
    tls: dict[str, dict[str, bytes]] = field(default_factory=dict)
    #: meta.json had no ``Metadata`` (or null): docker's nil, which inspect leaves out.
    metadata_nil: bool = False
    #: The docker endpoint is docker's typed EndpointMetaBase (an empty Host is left out when
    #: written); False for an imported meta.json, which docker writes back as it read it.
    typed_endpoints: bool = True

    @property
    def description(self) -> str:
        return str(self.metadata.get("Description") or "")

    @property
    def docker_endpoint(self) -> dict:
        return self.endpoints.get(DOCKER_ENDPOINT) or {}

    @property
    def docker_endpoint_error(self) -> str:
        """docker's ``EndpointFromContext`` error for this context ("" when it has one)."""
        if DOCKER_ENDPOINT not in self.endpoints:
            return NO_DOCKER_ENDPOINT
        if self.endpoints[DOCKER_ENDPOINT] is None:
            return NOT_ENDPOINT_META
        return ""

    def meta_json(self) -> dict:
        """meta.json as docker writes store.Metadata: every field omitempty."""
        data: dict = {"Name": self.name} if self.name else {}
        if not self.metadata_nil:
            data["Metadata"] = self.metadata
        if self.endpoints:
            endpoints = dict(self.endpoints)
            docker = endpoints.get(DOCKER_ENDPOINT)
            if self.typed_endpoints and isinstance(docker, dict) and not docker.get("Host"):
                endpoints[DOCKER_ENDPOINT] = {k: v for k, v in docker.items() if k != "Host"}
            data["Endpoints"] = endpoints
        return data

    def meta_bytes(self) -> bytes:
        """meta.json's bytes, as Go's json.Marshal writes them."""
        return go_marshal(self.meta_json()).encode()


def go_marshal(value: object, top: bool = True) -> str:
    """Compact JSON as Go's json.Marshal writes docker's store.Metadata: the struct's fields in
    order (``top``), every map below with its keys sorted, float64s in Go's format, and
    ``<``, ``>``, ``&``, U+2028, U+2029 escaped."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return _go_json_string(value)
    if isinstance(value, dict):
        items = value.items() if top else sorted(value.items())
        return "{" + ",".join(f"{_go_json_string(str(key))}:{go_marshal(item, False)}"
                              for key, item in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_marshal(item, False) for item in value) + "]"
    return _go_json_string(str(value))


_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
               "\u2029": "\\u2029"}


def _go_json_string(text: str) -> str:
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    quoted = json.dumps(text, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _GO_ESCAPES[m.group()], quoted)


def _go_float(value: float) -> str:
    """strconv.FormatFloat as encoding/json uses it: the shortest digits, 'f' between 1e-6 and
    1e21, else 'e'."""
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    text = repr(value)
    if 1e-6 <= abs(value) < 1e21:
        from decimal import Decimal

        text = format(Decimal(text), "f")
        return text[:-2] if text.endswith(".0") else text
    return re.sub(r"e-0(\d)$", r"e-\1", text)  # Go cleans e-07 up to e-7


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
        """Names of every stored context that reads (not ``default``), in store order."""
        names = []
        for directory in self._context_dirs():
            try:
                names.append(_read_meta(directory / "meta.json").name)
            except (_MetaReadError, ContextPanic):
                continue
        return names

    def list(self) -> list[StoredContext]:
        """Every stored context (not ``default``) as docker's store lists them: a meta.json
        that cannot be read fails the whole list ("failed to read metadata: …")."""
        found = []
        for directory in self._context_dirs():
            try:
                found.append(_read_meta(directory / "meta.json"))
            except _MetaReadError as exc:
                if not exc.missing:
                    raise ContextStoreError(f"failed to read metadata: {exc}") from None
        return found

    def _context_dirs(self) -> list[Path]:
        """docker's listRecursivelyMetadataDirs: every folder under meta/ (at any depth)
        holding a meta.json that is not a folder, in name order."""
        found: list[Path] = []
        pending = [self.root / "meta"]
        while pending:
            folder = pending.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            subfolders = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
            for sub in subfolders:
                if (sub / "meta.json").exists() and not (sub / "meta.json").is_dir():
                    found.append(sub)
            pending.extend(reversed(subfolders))
        return found

    def load(self, name: str) -> StoredContext:
        """The context ``name``, read as docker's store reads it; docker's words when it is
        absent or its meta.json does not decode."""
        try:
            context = _read_meta(self.meta_dir(name) / "meta.json")
        except _MetaReadError as exc:
            raise ContextStoreError(f'context "{name}": {exc}') from None
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
        _atomic_write(meta_dir / "meta.json", context.meta_bytes(), 0o644)
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
        import tarfile

        context = self.load(name)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            _add(tar, "meta.json", context.meta_bytes(), 0o644)
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
        # docker's parseMetadata: json.Unmarshal into store.Metadata (any values kept as read)
        try:
            raw, error = go_unmarshal(members.pop("meta.json"), STORE_METADATA_TYPE)
        except GoJSONError as exc:
            raise ContextStoreError(str(exc)) from None
        if error is not None:
            raise ContextStoreError(str(error))
        metadata = raw.get("Metadata")
        context = StoredContext(name, metadata, dict(raw.get("Endpoints") or {}),
                                metadata_nil=metadata is None, typed_endpoints=False)
        for path, content in members.items():
            parts = path.split("/")
            if len(parts) == 3 and parts[0] == "tls" and parts[2]:
                context.tls.setdefault(parts[1], {})[parts[2]] = content
        self.save(context)


def _read_meta(path: Path) -> StoredContext:
    """docker's metadataStore.getByID: meta.json into untypedContextMetadata, then Metadata as
    a command.DockerContext and each endpoint as its registered type (the docker endpoint as
    context.EndpointMetaBase, any other as map[string]any)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _MetaReadError(
            f"context not found: open {path}: no such file or directory", missing=True) from None
    except IsADirectoryError:
        raise _MetaReadError(f"read {path}: is a directory") from None
    except OSError as exc:
        text = exc.strerror or str(exc)
        raise _MetaReadError(f"open {path}: {text[:1].lower()}{text[1:]}") from None
    try:
        untyped, error = go_unmarshal(data, CONTEXT_FILE_TYPE)
    except GoJSONError as exc:
        raise _MetaReadError(f"parsing {path}: {exc}") from None
    if error is not None:
        raise _MetaReadError(f"parsing {path}: {error}")
    context = StoredContext(name=untyped.get("name", ""))
    metadata = untyped.get("metadata")
    if metadata is None:
        context.metadata_nil = True
    else:
        decoded, error = go_decode(metadata, ANY_MAP_TYPE)
        if error is not None:
            raise _MetaReadError(f"parsing {path}: {error}")
        if "Description" in decoded and not isinstance(decoded["Description"], str):
            found = next((n for t, n in _GO_TYPE_NAMES if isinstance(decoded["Description"], t)),
                         "nil")
            raise ContextPanic(f"panic: interface conversion: interface {{}} is {found}, "
                               "not string")
        context.metadata = decoded
    for key, raw in (untyped.get("endpoints") or {}).items():
        if raw is None:
            context.endpoints[key] = None
            continue
        decoded, error = go_decode(raw, DOCKER_ENDPOINT_TYPE if key == DOCKER_ENDPOINT
                                   else ANY_MAP_TYPE)
        if error is not None:
            raise _MetaReadError(f"parsing {path}: {error}")
        if key == DOCKER_ENDPOINT:
            decoded = {"Host": decoded.get("Host", ""),
                       "SkipTLSVerify": decoded.get("SkipTLSVerify", False)}
        context.endpoints[key] = decoded
    return context


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
    import tarfile

    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    import tarfile

    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, 0o700
    tar.addfile(info)


def _tar_members(data: bytes) -> dict[str, bytes]:
    """Regular files of a tar; docker's own exports end without the closing blocks."""
    import tarfile

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
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}
    except zipfile.BadZipFile as exc:
        raise ContextStoreError(f"invalid context: {exc}") from None
