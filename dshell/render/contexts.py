"""``docker context ls`` output: docker/cli's client-context formatter."""

from __future__ import annotations

from dshell.records import dataclass
from dshell.render.formatter import TABLE_FORMAT_KEY, ellipsis, render_list
from dshell.render.gotemplate.values import GoMap, GoSlice
from dshell.render.listing import marshal_fields, natural_less_key

__all__ = ["CONTEXT_HEADER", "ClientContext", "context_format", "inspected_context",
           "render_contexts"]

CONTEXT_TABLE_FORMAT = (
    "table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}"
)
CONTEXT_HEADER = {
    "Name": "NAME",
    "Description": "DESCRIPTION",
    "DockerEndpoint": "DOCKER ENDPOINT",
    "Error": "ERROR",
}


@dataclass(frozen=True)
class ClientContext:
    """One row: a stored context, ``default``, or a stub for a current context that failed."""

    name: str
    description: str = ""
    docker_endpoint: str = ""
    current: bool = False
    error: str = ""


def context_format(fmt: str | None, quiet: bool) -> str:
    if quiet:
        return "{{.Name}}"
    if not fmt or fmt == TABLE_FORMAT_KEY:
        return CONTEXT_TABLE_FORMAT
    return fmt


def render_contexts(contexts: list[ClientContext], fmt: str) -> str:
    ordered = sorted(contexts, key=lambda c: natural_less_key(c.name))
    return render_list(fmt, [ClientContextContext(c) for c in ordered], CONTEXT_HEADER)


class ClientContextContext:
    go_type_name = "*formatter.clientContextContext"

    def __init__(self, context: ClientContext) -> None:
        self._c = context

    def Current(self) -> bool:
        return self._c.current

    def Name(self) -> str:
        return self._c.name

    def Description(self) -> str:
        return self._c.description

    def DockerEndpoint(self) -> str:
        return self._c.docker_endpoint

    def Error(self) -> str:
        return ellipsis(self._c.error, 45)

    def FullHeader(self) -> None:  # from the embedded HeaderContext
        return None

    def marshal_json(self):  # noqa: ANN201
        return marshal_fields(self, ["Current", "Description", "DockerEndpoint", "Error", "Name"])


# --- ``context inspect``: docker's typed context, as templates see it -------------------------
#
# docker hands `context inspect -f` templates a `contextWithTLSListing` struct: store.Metadata
# embedded (Name, Metadata of type any holding a command.DockerContext, Endpoints of type
# map[string]any holding context.EndpointMetaBase), TLSMaterial and Storage.  So `.Metadata` is
# the whole stored metadata, fields missing from a struct fail with Go's "can't evaluate field",
# and `{{json .}}` writes what plain `context inspect` writes.


class EndpointMetaBase:
    """docker's context.EndpointMetaBase (the docker endpoint of a context)."""

    go_type_name = "context.EndpointMetaBase"

    def __init__(self, host: str, skip_tls_verify: bool) -> None:
        self.Host = host
        self.SkipTLSVerify = skip_tls_verify

    def marshal_json(self) -> dict:
        shaped: dict = {"Host": self.Host} if self.Host else {}  # `json:",omitempty"`
        shaped["SkipTLSVerify"] = self.SkipTLSVerify
        return shaped


class DockerContext:
    """docker's command.DockerContext: the Description and every other metadata field."""

    go_type_name = "command.DockerContext"

    def __init__(self, description: str, additional: dict) -> None:
        self.Description = description
        self.AdditionalFields = GoMap("map[string]interface {}", sorted(additional.items()),
                                      nil=not additional)

    def marshal_json(self) -> dict:
        fields = {"Description": self.Description} if self.Description else {}
        fields.update(self.AdditionalFields)
        return {key: fields[key] for key in sorted(fields)}


class StoreMetadata:
    """docker's store.Metadata: what meta.json holds."""

    go_type_name = "store.Metadata"
    go_field_types = {"Metadata": "interface {}"}

    def __init__(self, name: str, metadata: DockerContext | None, endpoints: GoMap) -> None:
        self.Name = name
        self.Metadata = metadata
        self.Endpoints = endpoints

    def marshal_json(self) -> dict:
        fields: dict = {"Name": self.Name} if self.Name else {}  # every field is omitempty
        if self.Metadata is not None:
            fields["Metadata"] = self.Metadata
        if self.Endpoints:
            fields["Endpoints"] = self.Endpoints
        return fields


class StorageInfo:
    """docker's store.StorageInfo: where the context's metadata and TLS files live."""

    go_type_name = "store.StorageInfo"

    def __init__(self, metadata_path: str, tls_path: str) -> None:
        self.MetadataPath = metadata_path
        self.TLSPath = tls_path


class ContextWithTLSListing:
    """docker's context.contextWithTLSListing: store.Metadata (embedded, so Name and
    Endpoints are promoted), TLSMaterial and Storage."""

    go_type_name = "context.contextWithTLSListing"

    def __init__(self, metadata: StoreMetadata, tls_material: GoMap,
                 storage: StorageInfo) -> None:
        self.Metadata = metadata
        self.TLSMaterial = tls_material
        self.Storage = storage

    @property
    def Name(self) -> str:
        return self.Metadata.Name

    @property
    def Endpoints(self) -> GoMap:
        return self.Metadata.Endpoints

    def marshal_json(self) -> dict:
        return {**self.Metadata.marshal_json(), "TLSMaterial": self.TLSMaterial,
                "Storage": self.Storage}


def inspected_context(name: str, metadata: dict | None, endpoints: dict, tls_files: dict,
                      storage: tuple[str, str]) -> ContextWithTLSListing:
    """The value `context inspect -f` templates run against, from the stored context:
    `metadata` as meta.json has it (None: none, Go's nil), `endpoints` by name (a None
    endpoint is null), `tls_files` endpoint -> file names, `storage` (metadata path, TLS
    path)."""
    docker_context = None
    if metadata is not None:
        description = metadata.get("Description")
        docker_context = DockerContext(
            description if isinstance(description, str) else "",
            {k: _decoded(v) for k, v in metadata.items() if k != "Description"})
    shaped = {}
    for key, value in sorted(endpoints.items()):
        if key == "docker" and isinstance(value, dict):
            value = EndpointMetaBase(str(value.get("Host") or ""),
                                     bool(value.get("SkipTLSVerify")))
        shaped[key] = _decoded(value)
    tls = GoMap("map[string]store.EndpointFiles",
                ((endpoint, GoSlice("store.EndpointFiles", sorted(files)))
                 for endpoint, files in sorted(tls_files.items())),
                zero=lambda: GoSlice("store.EndpointFiles", nil=True))
    return ContextWithTLSListing(
        StoreMetadata(name, docker_context, GoMap("map[string]interface {}", shaped)),
        tls, StorageInfo(*storage))


def _decoded(value: object) -> object:
    """A value decoded from JSON into Go's `any`: numbers are float64, and maps keep their
    keys sorted, as Go's encoding/json writes them back."""
    if isinstance(value, dict) and not isinstance(value, GoMap):
        return {key: _decoded(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
