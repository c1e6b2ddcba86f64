"""`docker info`: docker 28's pretty-printed report and its `--format` structure.

The daemon's /info answer is decoded the way docker decodes it, into its `system.Info` struct:
unknown fields dropped, missing ones zero, `omitempty` applied on output, so `{{json .}}` prints
what docker prints. The pretty printer then reads that structure, as docker/cli's info.go does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dshell.render.gotemplate import TemplateError
from dshell.render.units import bytes_size, human_duration
from dshell.render.version import (
    Field,
    GoStruct,
    client_version_fields,
    run_template,
    sorted_map,
)

__all__ = ["TemplateError", "info_client", "info_data", "render_info"]

Converter = Callable[[Any], Any]

# --- decoding /info into docker's Go types ------------------------------------------------------


def _string(raw: Any) -> Any:
    return raw if isinstance(raw, str) else ""


def _int(raw: Any) -> Any:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0


def _bool(raw: Any) -> bool:
    return raw is True


def _as_is(raw: Any) -> Any:
    """Slices, pointers and values whose exact Go type dshell does not model: kept as sent."""
    return raw


def _list_of(item: Converter) -> Converter:
    def convert(raw: Any) -> Any:
        return [item(value) for value in raw] if isinstance(raw, list) else None

    return convert


def _map_of(item: Converter) -> Converter:
    def convert(raw: Any) -> Any:
        if not isinstance(raw, dict):
            return None
        return sorted_map({key: item(value) for key, value in raw.items()})

    return convert


def _sorted_deep(raw: Any) -> Any:
    """A Go `map[string]any` decoded and re-encoded: every nested object's keys sorted."""
    if isinstance(raw, dict):
        return {key: _sorted_deep(raw[key]) for key in sorted(raw)}
    if isinstance(raw, list):
        return [_sorted_deep(value) for value in raw]
    return raw


Spec = tuple  # (go_name, json_name, converter, omitempty)


def _struct(go_type: str, spec: tuple[Spec, ...], make: type[GoStruct] = GoStruct) -> Converter:
    """A converter decoding a JSON object into a (non-pointer) Go struct: None gives zeros."""

    def convert(raw: Any) -> GoStruct:
        raw = raw if isinstance(raw, dict) else {}
        return make(
            go_type,
            [
                Field(go_name, json_name, conv(raw.get(json_name)), omitempty)
                for go_name, json_name, conv, omitempty in spec
            ],
        )

    return convert


def _pointer(struct: Converter) -> Converter:
    def convert(raw: Any) -> Any:
        return struct(raw) if isinstance(raw, dict) else None

    return convert


def _fields(*names: str, conv: Converter = _string, omitempty: bool = False) -> tuple[Spec, ...]:
    return tuple((name, name, conv, omitempty) for name in names)


class _ServiceConfig(GoStruct):
    """registry.ServiceConfig: its MarshalJSON round-trips through a map, so keys come sorted."""

    def marshal_json(self) -> dict[str, Any]:
        plain = _plain(dict(self.json_items()))
        return _sorted_deep(plain)


def _plain(value: Any) -> Any:
    """Plain dicts and lists for a tree that may hold GoStructs (their JSON view)."""
    if isinstance(value, GoStruct):
        return _plain(value.marshal_json())
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


_INDEX_INFO = _struct(
    "*registry.IndexInfo",
    (
        ("Name", "Name", _string, False),
        ("Mirrors", "Mirrors", _as_is, False),
        ("Secure", "Secure", _bool, False),
        ("Official", "Official", _bool, False),
    ),
)

_REGISTRY_CONFIG = _pointer(
    _struct(
        "*registry.ServiceConfig",
        (
            ("AllowNondistributableArtifactsCIDRs", "AllowNondistributableArtifactsCIDRs",
             _as_is, True),
            ("AllowNondistributableArtifactsHostnames", "AllowNondistributableArtifactsHostnames",
             _as_is, True),
            ("InsecureRegistryCIDRs", "InsecureRegistryCIDRs", _as_is, False),
            ("IndexConfigs", "IndexConfigs", _map_of(_INDEX_INFO), False),
            ("Mirrors", "Mirrors", _as_is, False),
        ),
        make=_ServiceConfig,
    )
)

_RUNTIME = _struct(
    "system.RuntimeWithStatus",
    (
        ("Path", "path", _string, True),
        ("Args", "runtimeArgs", _as_is, True),
        ("Type", "runtimeType", _string, True),
        ("Options", "options", _sorted_deep, True),
        ("Status", "status", _sorted_deep, True),
    ),
)

_COMMIT = _struct(
    "system.Commit",
    (("ID", "ID", _string, False), ("Expected", "Expected", _string, True)),
)

_PEER = _struct("swarm.Peer", _fields("NodeID", "Addr"))

_SWARM = _struct(
    "swarm.Info",
    _fields("NodeID", "NodeAddr", "LocalNodeState")
    + (
        ("ControlAvailable", "ControlAvailable", _bool, False),
        ("Error", "Error", _string, False),
        ("RemoteManagers", "RemoteManagers", _list_of(_PEER), False),
        ("Nodes", "Nodes", _int, True),
        ("Managers", "Managers", _int, True),
        # The cluster's spec is deep and used only by swarm managers: kept as the daemon sent it.
        ("Cluster", "Cluster", _as_is, True),
        ("Warnings", "Warnings", _as_is, True),
    ),
)

_GENERIC_RESOURCE = _struct(
    "swarm.GenericResource",
    (
        ("NamedResourceSpec", "NamedResourceSpec",
         _pointer(_struct("*swarm.NamedGenericResource", _fields("Kind", "Value", omitempty=True))),
         True),
        ("DiscreteResourceSpec", "DiscreteResourceSpec",
         _pointer(_struct("*swarm.DiscreteGenericResource",
                          (("Kind", "Kind", _string, True), ("Value", "Value", _int, True)))),
         True),
    ),
)

_ADDRESS_POOL = _struct(
    "system.NetworkAddressPool", (("Base", "Base", _string, False), ("Size", "Size", _int, False))
)

_FIREWALL = _pointer(
    _struct(
        "*system.FirewallInfo",
        (("Driver", "Driver", _string, False), ("Info", "Info", _as_is, True)),
    )
)

_CONTAINERD = _pointer(
    _struct(
        "*system.ContainerdInfo",
        (
            ("Address", "Address", _string, True),
            ("Namespaces", "Namespaces",
             _struct("system.ContainerdNamespaces", _fields("Containers", "Plugins")), False),
        ),
    )
)

_INFO = _struct(
    "system.Info",
    _fields("ID")
    + _fields("Containers", "ContainersRunning", "ContainersPaused", "ContainersStopped", "Images",
              conv=_int)
    + _fields("Driver")
    + (
        ("DriverStatus", "DriverStatus", _as_is, False),
        ("SystemStatus", "SystemStatus", _as_is, True),
        ("Plugins", "Plugins",
         _struct("system.PluginsInfo", _fields("Volume", "Network", "Authorization", "Log",
                                               conv=_as_is)),
         False),
        ("MemoryLimit", "MemoryLimit", _bool, False),
        ("SwapLimit", "SwapLimit", _bool, False),
        ("KernelMemory", "KernelMemory", _bool, True),
        ("KernelMemoryTCP", "KernelMemoryTCP", _bool, True),
        ("CPUCfsPeriod", "CpuCfsPeriod", _bool, False),
        ("CPUCfsQuota", "CpuCfsQuota", _bool, False),
    )
    + _fields("CPUShares", "CPUSet", "PidsLimit", "IPv4Forwarding", "Debug", conv=_bool)
    + (
        ("NFd", "NFd", _int, False),
        ("OomKillDisable", "OomKillDisable", _bool, False),
        ("NGoroutines", "NGoroutines", _int, False),
    )
    + _fields("SystemTime", "LoggingDriver", "CgroupDriver")
    + _fields("CgroupVersion", omitempty=True)
    + _fields("NEventsListener", conv=_int)
    + _fields("KernelVersion", "OperatingSystem", "OSVersion", "OSType", "Architecture",
              "IndexServerAddress")
    + (
        ("RegistryConfig", "RegistryConfig", _REGISTRY_CONFIG, False),
        ("NCPU", "NCPU", _int, False),
        ("MemTotal", "MemTotal", _int, False),
        ("GenericResources", "GenericResources", _list_of(_GENERIC_RESOURCE), False),
        ("DockerRootDir", "DockerRootDir", _string, False),
        ("HTTPProxy", "HttpProxy", _string, False),
        ("HTTPSProxy", "HttpsProxy", _string, False),
    )
    + _fields("NoProxy", "Name")
    + (
        ("Labels", "Labels", _as_is, False),
        ("ExperimentalBuild", "ExperimentalBuild", _bool, False),
        ("ServerVersion", "ServerVersion", _string, False),
        ("Runtimes", "Runtimes", _map_of(_RUNTIME), False),
        ("DefaultRuntime", "DefaultRuntime", _string, False),
        ("Swarm", "Swarm", _SWARM, False),
        ("LiveRestoreEnabled", "LiveRestoreEnabled", _bool, False),
    )
    + _fields("Isolation", "InitBinary")
    + _fields("ContainerdCommit", "RuncCommit", "InitCommit", conv=_COMMIT)
    + (
        ("SecurityOptions", "SecurityOptions", _as_is, False),
        ("ProductLicense", "ProductLicense", _string, True),
        ("DefaultAddressPools", "DefaultAddressPools", _list_of(_ADDRESS_POOL), True),
        ("FirewallBackend", "FirewallBackend", _FIREWALL, True),
        ("CDISpecDirs", "CDISpecDirs", _as_is, False),
        ("Containerd", "Containerd", _CONTAINERD, True),
        ("Warnings", "Warnings", _as_is, False),
    ),
)


def info_client(*, context: str, debug: bool, default_api_version: str) -> GoStruct:
    """docker's clientInfo for dshell: debug flag, client version (no API version), no plugins.

    docker info leaves the negotiated API version out of the client part.
    """
    version = GoStruct(
        "system.clientVersion",
        client_version_fields(
            api_version="", default_api_version=default_api_version, context=context
        ),
    )
    return GoStruct(
        "*system.clientInfo",
        [
            Field("Debug", "Debug", debug),
            Field("clientVersion", "", version, embedded=True),
            Field("Plugins", "Plugins", []),
            Field("Warnings", "Warnings", None),
        ],
    )


def info_data(info: dict | None, client: GoStruct, *, username: str = "") -> GoStruct:
    """docker's dockerInfo: the server's Info (zero when unreachable) with ClientInfo beside it."""
    return GoStruct(
        "system.dockerInfo",
        [
            Field("Info", "", _INFO(info), embedded=True),
            Field("ServerErrors", "ServerErrors", None, omitempty=True),
            Field("UserName", None, username),
            Field("ClientInfo", "ClientInfo", client, omitempty=True),
            Field("ClientErrors", "ClientErrors", None, omitempty=True),
        ],
    )


# --- the pretty printer -------------------------------------------------------------------------


def _go(value: Any) -> str:
    """A value as Go's fmt.Println prints it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "[]"
    return str(value)


class _Report:
    """Collects stdout and stderr lines with Go's Println and docker's NonEmpty helper."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.err: list[str] = []

    def line(self, *parts: Any) -> None:
        self.out.append(" ".join(_go(part) for part in parts) + "\n")

    def non_empty(self, label: str, value: str) -> None:
        if value:
            self.line(label, value)


def _decode_security_options(options: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """docker's DecodeSecurityOptions: "name=seccomp,profile=default" → ("seccomp", [...])."""
    decoded = []
    for option in options:
        if "=" not in option:
            decoded.append((option, []))
            continue
        name, pairs = "", []
        for part in option.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f'invalid security option "{part}"')
            if not key or not value:
                raise ValueError("invalid empty security option")
            if key == "name":
                name = value
            else:
                pairs.append((key, value))
        decoded.append((name, pairs))
    return decoded


def _client_lines(report: _Report, client: GoStruct) -> None:
    report.non_empty(" Version:   ", client.Version)
    report.line(" Context:   ", client.Context)
    report.line(" Debug Mode:", client.Debug)


def _swarm_lines(report: _Report, swarm: GoStruct) -> None:
    if swarm.LocalNodeState in ("inactive", "locked"):
        return
    report.line("  NodeID:", swarm.NodeID)
    if swarm.Error:
        report.line("  Error:", swarm.Error)
    report.line("  Is Manager:", swarm.ControlAvailable)
    cluster = swarm.Cluster
    if cluster and swarm.ControlAvailable and not swarm.Error and swarm.LocalNodeState != "error":
        _cluster_lines(report, swarm, cluster)
    report.line("  Node Address:", swarm.NodeAddr)
    if swarm.RemoteManagers:
        report.line("  Manager Addresses:")
        for address in sorted(peer.Addr for peer in swarm.RemoteManagers):
            report.out.append(f"   {address}\n")


def _cluster_lines(report: _Report, swarm: GoStruct, cluster: dict) -> None:
    spec = cluster.get("Spec") or {}
    raft = spec.get("Raft") or {}
    ca = spec.get("CAConfig") or {}
    report.line("  ClusterID:", cluster.get("ID", ""))
    report.line("  Managers:", swarm.Managers)
    report.line("  Nodes:", swarm.Nodes)
    if cluster.get("DefaultAddrPool") is not None:
        pools = "".join(pool + "  " for pool in cluster["DefaultAddrPool"])
        report.line("  Default Address Pool:", pools)
        report.line("  SubnetSize:", cluster.get("SubnetSize", 0))
    if cluster.get("DataPathPort", 0) > 0:
        report.line("  Data Path Port:", cluster["DataPathPort"])
    report.line("  Orchestration:")
    retention = (spec.get("Orchestration") or {}).get("TaskHistoryRetentionLimit") or 0
    report.line("   Task History Retention Limit:", retention)
    report.line("  Raft:")
    report.line("   Snapshot Interval:", raft.get("SnapshotInterval", 0))
    if raft.get("KeepOldSnapshots") is not None:
        report.out.append(f"   Number of Old Snapshots to Retain: {raft['KeepOldSnapshots']}\n")
    report.line("   Heartbeat Tick:", raft.get("HeartbeatTick", 0))
    report.line("   Election Tick:", raft.get("ElectionTick", 0))
    report.line("  Dispatcher:")
    heartbeat = (spec.get("Dispatcher") or {}).get("HeartbeatPeriod", 0)
    report.line("   Heartbeat Period:", human_duration(heartbeat / 1e9))
    report.line("  CA Configuration:")
    report.line("   Expiry Duration:", human_duration(ca.get("NodeCertExpiry", 0) / 1e9))
    report.line("   Force Rotate:", ca.get("ForceRotate", 0))
    signing_cert = (ca.get("SigningCACert") or "").strip()
    if signing_cert:
        report.out.append(f"   Signing CA Certificate: \n{signing_cert}\n\n")
    if ca.get("ExternalCAs"):
        report.line("   External CAs:")
        for entry in ca["ExternalCAs"]:
            report.out.append(f"     {entry.get('Protocol', '')}: {entry.get('URL', '')}\n")
    auto_lock = (spec.get("EncryptionConfig") or {}).get("AutoLockManagers", False)
    report.line("  Autolock Managers:", auto_lock)
    report.line("  Root Rotation In Progress:", cluster.get("RootRotationInProgress", False))


def _registry_lines(report: _Report, registry: GoStruct | None) -> None:
    if registry is None:
        return
    if registry.InsecureRegistryCIDRs or registry.IndexConfigs:
        report.line(" Insecure Registries:")
        # docker walks a Go map here (random order); dshell sorts.
        for index in (registry.IndexConfigs or {}).values():
            if not index.Secure:
                report.line("  " + index.Name)
        for cidr in registry.InsecureRegistryCIDRs or []:
            report.out.append(f"  {cidr}\n")
    if registry.Mirrors:
        report.line(" Registry Mirrors:")
        for mirror in registry.Mirrors:
            report.line("  " + mirror)


def _server_lines(report: _Report, info: GoStruct, client_debug: bool, username: str) -> None:
    report.line(" Containers:", info.Containers)
    report.line("  Running:", info.ContainersRunning)
    report.line("  Paused:", info.ContainersPaused)
    report.line("  Stopped:", info.ContainersStopped)
    report.line(" Images:", info.Images)
    report.non_empty(" Server Version:", info.ServerVersion)
    report.non_empty(" Storage Driver:", info.Driver)
    for key, value in info.DriverStatus or []:
        report.out.append(f"  {key}: {value}\n")
    for key, value in info.SystemStatus or []:
        report.out.append(f" {key}: {value}\n")
    report.non_empty(" Logging Driver:", info.LoggingDriver)
    report.non_empty(" Cgroup Driver:", info.CgroupDriver)
    report.non_empty(" Cgroup Version:", info.CgroupVersion)

    plugins = info.Plugins
    report.line(" Plugins:")
    report.line("  Volume:", " ".join(plugins.Volume or []))
    report.line("  Network:", " ".join(plugins.Network or []))
    if plugins.Authorization:
        report.line("  Authorization:", " ".join(plugins.Authorization))
    report.line("  Log:", " ".join(plugins.Log or []))
    if info.CDISpecDirs:
        report.line(" CDI spec directories:")
        for directory in info.CDISpecDirs:
            report.out.append(f"  {directory}\n")

    report.line(" Swarm:", info.Swarm.LocalNodeState)
    _swarm_lines(report, info.Swarm)

    if info.Runtimes:
        # docker walks a Go map here (random order); dshell sorts.
        report.line(" Runtimes:", " ".join(info.Runtimes))
        report.line(" Default Runtime:", info.DefaultRuntime)

    if info.OSType == "linux":
        report.line(" Init Binary:", info.InitBinary)
        report.line(" containerd version:", info.ContainerdCommit.ID)
        report.line(" runc version:", info.RuncCommit.ID)
        report.line(" init version:", info.InitCommit.ID)
        if info.SecurityOptions:
            try:
                options = _decode_security_options(info.SecurityOptions)
            except ValueError as err:
                report.err.append(f"ERROR: {err}\n")
            else:
                report.line(" Security Options:")
                for name, pairs in options:
                    report.line("  " + name)
                    for key, value in pairs:
                        if key == "profile":
                            report.line("   Profile:", value)
    if info.OSType == "windows":
        report.line(" Default Isolation:", info.Isolation)

    report.non_empty(" Kernel Version:", info.KernelVersion)
    report.non_empty(" Operating System:", info.OperatingSystem)
    report.non_empty(" OSType:", info.OSType)
    report.non_empty(" Architecture:", info.Architecture)
    report.line(" CPUs:", info.NCPU)
    report.line(" Total Memory:", bytes_size(info.MemTotal))
    report.non_empty(" Name:", info.Name)
    report.non_empty(" ID:", info.ID)
    report.line(" Docker Root Dir:", info.DockerRootDir)
    report.line(" Debug Mode:", info.Debug)
    if info.Debug or client_debug:
        report.line("  File Descriptors:", info.NFd)
        report.line("  Goroutines:", info.NGoroutines)
        report.line("  System Time:", info.SystemTime)
        report.line("  EventsListeners:", info.NEventsListener)

    report.non_empty(" HTTP Proxy:", info.HTTPProxy)
    report.non_empty(" HTTPS Proxy:", info.HTTPSProxy)
    report.non_empty(" No Proxy:", info.NoProxy)
    report.non_empty(" Username:", username)
    if info.Labels:
        report.line(" Labels:")
        for label in info.Labels:
            report.line("  " + label)
    report.line(" Experimental:", info.ExperimentalBuild)
    _registry_lines(report, info.RegistryConfig)
    report.line(" Live Restore Enabled:", info.LiveRestoreEnabled)
    if info.ProductLicense:
        report.line(" Product License:", info.ProductLicense)
    if info.DefaultAddressPools:
        report.line(" Default Address Pools:")
        for pool in info.DefaultAddressPools:
            report.out.append(f"   Base: {pool.Base}, Size: {pool.Size}\n")
    report.line()
    for warning in info.Warnings or []:
        report.err.append(warning + "\n")


def _pretty(info: dict | None, client: GoStruct, username: str) -> tuple[str, str]:
    report = _Report()
    report.line("Client:")
    _client_lines(report, client)
    report.line()
    report.line("Server:")
    if info is not None:
        server = info_data(info, client).Info
        _server_lines(report, server, client.Debug, username)
    return "".join(report.out), "".join(report.err)


def render_info(
    info: dict | None, client: GoStruct, fmt: str | None, *, username: str = ""
) -> tuple[str, str]:
    """(stdout, stderr) of `docker info [--format fmt]` for the daemon's /info answer.

    `info` is None when the daemon could not be reached: the default report then stops after
    "Server:" (the caller prints the connection error and exits 1) and a format sees zero
    values, as docker's do. `client` comes from `info_client()`; `username` is the Docker Hub
    user from the config file. Raises TemplateError with `exit_status` and `output` (see
    `version.run_template`).
    """
    if not fmt:
        return _pretty(info, client, username)
    text = "{{json .}}" if fmt == "json" else fmt
    data = info_data(info, client, username=username)
    return run_template(text, data, lambda out: out + "\n"), ""
