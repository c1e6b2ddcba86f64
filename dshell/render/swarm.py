"""Swarm listings and ``--pretty`` views: docker/cli's node, task, secret and config
formatters over ``GET /nodes``, ``/tasks``, ``/secrets`` and ``/configs``."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dshell.render import gojson
from dshell.render.formatter import (
    DEFAULT_QUIET_FORMAT,
    RAW_FORMAT_KEY,
    TABLE_FORMAT_KEY,
    ellipsis,
    render_list,
    truncate_id,
)
from dshell.render.listing import go_time_text, joined_labels, natural_less_key
from dshell.render.units import bytes_size, human_duration

__all__ = [
    "NODE_HEADER",
    "PRETTY_FORMAT_KEY",
    "TASK_HEADER",
    "ConfigContext",
    "NodeContext",
    "SecretContext",
    "TaskContext",
    "node_format",
    "pretty_config",
    "pretty_node",
    "pretty_secret",
    "render_nodes",
    "render_secrets",
    "render_tasks",
    "secret_format",
    "task_format",
]

PRETTY_FORMAT_KEY = "pretty"

DEFAULT_NODE_TABLE_FORMAT = (
    "table {{.ID}} {{if .Self}}*{{else}} {{ end }}\t{{.Hostname}}\t{{.Status}}\t"
    "{{.Availability}}\t{{.ManagerStatus}}\t{{.EngineVersion}}"
)
RAW_NODE_FORMAT = (
    "node_id: {{.ID}}\\nhostname: {{.Hostname}}\\nstatus: {{.Status}}\\n"
    "availability: {{.Availability}}\\nmanager_status: {{.ManagerStatus}}\\n"
)
NODE_HEADER = {
    "ID": "ID",
    "Self": "",
    "Hostname": "HOSTNAME",
    "Status": "STATUS",
    "Availability": "AVAILABILITY",
    "ManagerStatus": "MANAGER STATUS",
    "EngineVersion": "ENGINE VERSION",
    "TLSStatus": "TLS STATUS",
}

DEFAULT_TASK_TABLE_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t"
    "{{.Error}}\t{{.Ports}}"
)
RAW_TASK_FORMAT = (
    "id: {{.ID}}\\nname: {{.Name}}\\nimage: {{.Image}}\\nnode: {{.Node}}\\n"
    "desired_state: {{.DesiredState}}\\ncurrent_state: {{.CurrentState}}\\n"
    "error: {{.Error}}\\nports: {{.Ports}}\\n"
)
TASK_HEADER = {
    "ID": "ID",
    "Name": "NAME",
    "Image": "IMAGE",
    "Node": "NODE",
    "DesiredState": "DESIRED STATE",
    "CurrentState": "CURRENT STATE",
    "Error": "ERROR",
    "Ports": "PORTS",
}
MAX_TASK_ERROR = 30

SECRET_HEADER = {
    "ID": "ID",
    "Name": "NAME",
    "Driver": "DRIVER",
    "CreatedAt": "CREATED",
    "UpdatedAt": "UPDATED",
    "Labels": "LABELS",
}
DEFAULT_SECRET_TABLE_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
)
DEFAULT_CONFIG_TABLE_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"


def capitalize_first(text: str) -> str:
    """docker's capitalizeFirst (PrettyPrint): the first byte upper-cased, the rest lower
    (a one-character text lower-cased)."""
    if len(text) <= 1:
        return text.lower()
    return text[:1].upper() + text[1:].lower()


def _timestamp(value: str) -> float:
    """An RFC 3339 time from the daemon as seconds since the epoch (0 when absent)."""
    if not value or value.startswith("0001-"):
        return 0.0
    head, _, rest = value.partition(".")
    zone = ""
    fraction = ""
    if rest:
        for index, ch in enumerate(rest):
            if not ch.isdigit():
                fraction, zone = rest[:index], rest[index:]
                break
        else:
            fraction = rest
    else:
        for sign in ("Z", "+", "-"):
            at = head.find(sign, 11)
            if at != -1:
                head, zone = head[:at], head[at:]
                break
    zone = "+00:00" if zone in ("Z", "") else zone
    try:
        moment = datetime.fromisoformat(head + zone)
    except ValueError:
        return 0.0
    return moment.timestamp() + (float("0." + fraction) if fraction else 0.0)


def ago(value: str, now: float | None = None) -> str:
    """``units.HumanDuration(time.Now().UTC().Sub(t)) + " ago"``."""
    current = time.time() if now is None else now
    return human_duration(current - _timestamp(value)) + " ago"


# --- nodes -------------------------------------------------------------------------------


def node_format(fmt: str | None, config_format: str, quiet: bool) -> str:
    """``--format``, else config.json's ``nodesFormat`` (not with ``-q``), else table."""
    source = fmt or (config_format if config_format and not quiet else TABLE_FORMAT_KEY)
    if source == TABLE_FORMAT_KEY:
        return DEFAULT_QUIET_FORMAT if quiet else DEFAULT_NODE_TABLE_FORMAT
    if source == RAW_FORMAT_KEY:
        return "node_id: {{.ID}}" if quiet else RAW_NODE_FORMAT
    return source


def node_name(node: Mapping[str, Any]) -> str:
    """docker's idresolver for a node: its spec name, else its hostname, else its ID."""
    return (
        (node.get("Spec") or {}).get("Name")
        or (node.get("Description") or {}).get("Hostname")
        or node.get("ID")
        or ""
    )


def render_nodes(nodes: list[dict], fmt: str, info: Mapping[str, Any]) -> str:
    """The nodes sorted naturally by hostname and rendered with ``fmt``."""
    ordered = sorted(
        nodes, key=lambda n: natural_less_key((n.get("Description") or {}).get("Hostname") or "")
    )
    return render_list(fmt, [NodeContext(n, info) for n in ordered], NODE_HEADER)


class NodeContext:
    """One node as ``docker node ls --format`` sees it."""

    go_type_name = "*node.nodeContext"

    def __init__(self, node: Mapping[str, Any], info: Mapping[str, Any]) -> None:
        self._n = node
        self._info = info

    def ID(self) -> str:
        return self._n.get("ID") or ""

    @property
    def Self(self) -> bool:  # noqa: N802 - a bool: Go's ``if`` must see false as false
        return bool(self._n.get("ID")) and self._n.get("ID") == (self._info.get("Swarm") or {}).get(
            "NodeID"
        )

    def Hostname(self) -> str:
        return (self._n.get("Description") or {}).get("Hostname") or ""

    def Status(self) -> str:
        return capitalize_first((self._n.get("Status") or {}).get("State") or "")

    def Availability(self) -> str:
        return capitalize_first((self._n.get("Spec") or {}).get("Availability") or "")

    def ManagerStatus(self) -> str:
        status = self._n.get("ManagerStatus")
        if not status:
            return ""
        return (
            "Leader" if status.get("Leader") else capitalize_first(status.get("Reachability") or "")
        )

    def TLSStatus(self) -> str:
        cluster = ((self._info.get("Swarm") or {}).get("Cluster") or {}).get("TLSInfo") or {}
        mine = (self._n.get("Description") or {}).get("TLSInfo") or {}
        if not any(cluster.values()) or not any(mine.values()):
            return "Unknown"
        return "Ready" if mine == cluster else "Needs Rotation"

    def EngineVersion(self) -> str:
        return ((self._n.get("Description") or {}).get("Engine") or {}).get("EngineVersion") or ""

    def marshal_json(self):  # noqa: ANN201
        fields = {name: getattr(self, name)() for name in NODE_HEADER if name != "Self"}
        fields["Self"] = self.Self
        return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))


def _label_lines(labels: Mapping[str, str] | None) -> str:
    return "".join(
        f"\n - {key}" + (f"={value}" if value else "")
        for key, value in sorted((labels or {}).items())
    )


def pretty_node(node: Mapping[str, Any], now: float | None = None) -> str:
    """docker's nodeInspectPrettyTemplate for one node (no final newline)."""
    spec = node.get("Spec") or {}
    description = node.get("Description") or {}
    status = node.get("Status") or {}
    text = f"ID:\t\t\t{node.get('ID', '')}"
    if spec.get("Name"):
        text += f"\nName:\t\t\t{spec['Name']}"
    if spec.get("Labels"):
        text += "\nLabels:" + _label_lines(spec["Labels"])
    text += f"\nHostname:              \t{description.get('Hostname', '')}"
    text += f"\nJoined at:             \t{_pretty_time(node)}"
    text += "\nStatus:"
    text += f"\n State:\t\t\t{capitalize_first(status.get('State') or '')}"
    if status.get("Message"):
        text += f"\n Message:              \t{capitalize_first(status['Message'])}"
    text += f"\n Availability:         \t{capitalize_first(spec.get('Availability') or '')}"
    if status.get("Addr"):
        text += f"\n Address:\t\t{status['Addr']}"
    manager = node.get("ManagerStatus")
    if manager:
        text += "\nManager Status:"
        text += f"\n Address:\t\t{manager.get('Addr', '')}"
        text += f"\n Raft Status:\t\t{capitalize_first(manager.get('Reachability') or '')}"
        text += "\n Leader:\t\tYes" if manager.get("Leader") else "\n Leader:\t\tNo"
    platform = description.get("Platform") or {}
    text += "\nPlatform:"
    text += f"\n Operating System:\t{platform.get('OS', '')}"
    text += f"\n Architecture:\t\t{platform.get('Architecture', '')}"
    resources = description.get("Resources") or {}
    cpus = int(resources.get("NanoCPUs") or 0) // 10**9
    memory = int(resources.get("MemoryBytes") or 0)
    text += "\nResources:"
    text += f"\n CPUs:\t\t\t{cpus}"
    text += f"\n Memory:\t\t{bytes_size(memory) if memory else ''}"
    engine = description.get("Engine") or {}
    plugins: dict[str, list[str]] = {}
    for plugin in engine.get("Plugins") or []:
        plugins.setdefault(plugin.get("Type", ""), []).append(plugin.get("Name", ""))
    if plugins:
        text += "\nPlugins:"
        for kind, names in sorted(plugins.items()):
            joined = ", ".join(names)
            text += f"\n {kind}:" + (f"\t\t{joined}" if joined else "")
    text += f"\nEngine Version:\t\t{engine.get('EngineVersion', '')}"
    if engine.get("Labels"):
        text += "\nEngine Labels:" + _label_lines(engine["Labels"])
    tls = description.get("TLSInfo") or {}
    if any(tls.values()):
        text += "\nTLS Info:\n TrustRoot:\n" + (tls.get("TrustRoot") or "")
        text += f"\n Issuer Subject:\t{_base64(tls.get('CertIssuerSubject'))}"
        text += f"\n Issuer Public Key:\t{_base64(tls.get('CertIssuerPublicKey'))}"
    return text


def _pretty_time(obj: Mapping[str, Any], key: str = "CreatedAt") -> str:
    """docker's PrettyPrint of a time: Go's ``time.Time.String()``."""
    return capitalize_first(go_time_text(obj.get(key) or ""))


def _base64(value: str | None) -> str:
    """The daemon sends []byte as base64 already; Go re-encodes the decoded bytes."""
    if not value:
        return ""
    return base64.b64encode(base64.b64decode(value)).decode()


# --- tasks -------------------------------------------------------------------------------


def task_format(fmt: str | None, config_format: str, quiet: bool) -> str:
    """``--format``, else config.json's ``tasksFormat`` (not with ``-q``), else table."""
    source = fmt or (config_format if config_format and not quiet else TABLE_FORMAT_KEY)
    if source == TABLE_FORMAT_KEY:
        return DEFAULT_QUIET_FORMAT if quiet else DEFAULT_TASK_TABLE_FORMAT
    if source == RAW_FORMAT_KEY:
        return "id: {{.ID}}" if quiet else RAW_TASK_FORMAT
    return source


def task_name(task: Mapping[str, Any], service_name: str) -> str:
    """docker's generateTaskNames: ``service.slot``, or ``service.nodeID`` for global ones."""
    slot = task.get("Slot") or 0
    return f"{service_name}.{slot}" if slot else f"{service_name}.{task.get('NodeID', '')}"


def render_tasks(
    tasks: list[dict],
    fmt: str,
    service_names: Mapping[str, str],
    node_names: Mapping[str, str],
    trunc: bool = True,
) -> str:
    """docker's task.Print: named, sorted by name (newest first within one), a task that
    repeats the name above it indented with `` \\_ `` in tables."""
    named = [(task_name(t, service_names.get(t.get("ServiceID", ""), t.get("ServiceID", ""))),
              t) for t in tasks]  # fmt: skip
    named.sort(key=lambda pair: -_timestamp(pair[1].get("CreatedAt", "")))
    named.sort(key=lambda pair: natural_less_key(pair[0]))
    indent = " \\_ " if fmt.startswith(TABLE_FORMAT_KEY) else ""
    # Keyed by task ID, the last listing wins, as in docker: a task listed twice (node ps of
    # several nodes) is shown indented both times.
    shown: dict[str, str] = {}
    previous = None
    for name, task in named:
        shown[task.get("ID", "")] = indent + name if name == previous else name
        previous = name
    contexts = [
        TaskContext(task, shown[task.get("ID", "")],
                    node_names.get(task.get("NodeID", ""), task.get("NodeID", "")), trunc)
        for _name, task in named
    ]  # fmt: skip
    return render_list(fmt, contexts, TASK_HEADER)


class TaskContext:
    """One task as ``docker node ps``/``service ps --format`` sees it."""

    go_type_name = "*task.taskContext"

    def __init__(self, task: Mapping[str, Any], name: str, node: str, trunc: bool) -> None:
        self._t = task
        self._name = name
        self._node = node
        self._trunc = trunc

    def ID(self) -> str:
        ident = self._t.get("ID") or ""
        return truncate_id(ident) if self._trunc else ident

    def Name(self) -> str:
        return self._name

    def Image(self) -> str:
        image = (((self._t.get("Spec") or {}).get("ContainerSpec") or {}).get("Image")) or ""
        if self._trunc:
            image = familiar_tagged(image)
        return image

    def Node(self) -> str:
        return self._node

    def DesiredState(self) -> str:
        return capitalize_first(self._t.get("DesiredState") or "")

    def CurrentState(self) -> str:
        status = self._t.get("Status") or {}
        return (f"{capitalize_first(status.get('State') or '')} "
                f"{ago(status.get('Timestamp', '')).lower()}")  # fmt: skip

    def Error(self) -> str:
        error = (self._t.get("Status") or {}).get("Err") or ""
        if self._trunc:
            error = ellipsis(error, MAX_TASK_ERROR)
        return f'"{error}"' if error else ""

    def Ports(self) -> str:
        ports = ((self._t.get("Status") or {}).get("PortStatus") or {}).get("Ports") or []
        return ",".join(f"*:{p.get('PublishedPort', 0)}->{p.get('TargetPort', 0)}/"
                        f"{p.get('Protocol', '')}" for p in ports)  # fmt: skip

    def marshal_json(self):  # noqa: ANN201
        fields = {name: getattr(self, name)() for name in TASK_HEADER}
        return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))


def familiar_tagged(image: str) -> str:
    """A reference with a tag as ``name:tag`` in its familiar form (digest dropped), as
    docker's task formatter shows it; anything else unchanged."""
    name, at, _digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon <= slash:
        return image
    repository, tag = name[:colon], name[colon + 1 :]
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if repository.startswith(prefix) and (
            prefix.endswith("library/") or "/" in repository[len(prefix) :]
        ):
            repository = repository[len(prefix) :]
            break
    return f"{repository}:{tag}"


# --- secrets and configs -----------------------------------------------------------------


def secret_format(fmt: str | None, config_format: str, quiet: bool, table: str) -> str:
    """``--format``, else config.json's ``secretFormat``/``configFormat`` (not with ``-q``),
    else ``table`` (the command's default table)."""
    source = fmt or (config_format if config_format and not quiet else TABLE_FORMAT_KEY)
    if source == TABLE_FORMAT_KEY:
        return DEFAULT_QUIET_FORMAT if quiet else table
    return source


def render_secrets(objects: list[dict], fmt: str, secrets: bool) -> str:
    """Secrets (``secrets``) or configs sorted naturally by name, rendered with ``fmt``."""
    ordered = sorted(
        objects, key=lambda o: natural_less_key((o.get("Spec") or {}).get("Name") or "")
    )
    header = dict(SECRET_HEADER)
    if not secrets:
        del header["Driver"]
    kind = SecretContext if secrets else ConfigContext
    return render_list(fmt, [kind(o) for o in ordered], header)


class ConfigContext:
    """One config as ``docker config ls --format`` sees it."""

    go_type_name = "*config.configContext"
    FIELDS = ("ID", "Name", "CreatedAt", "UpdatedAt", "Labels")

    def __init__(self, obj: Mapping[str, Any]) -> None:
        self._o = obj
        self._spec = obj.get("Spec") or {}

    def ID(self) -> str:
        return self._o.get("ID") or ""

    def Name(self) -> str:
        return self._spec.get("Name") or ""

    def CreatedAt(self) -> str:
        return ago(self._o.get("CreatedAt", ""))

    def UpdatedAt(self) -> str:
        return ago(self._o.get("UpdatedAt", ""))

    def Labels(self) -> str:
        return joined_labels(self._spec.get("Labels"))

    def Label(self, name: str) -> str:
        return (self._spec.get("Labels") or {}).get(name, "")

    def marshal_json(self):  # noqa: ANN201
        fields = {name: getattr(self, name)() for name in self.FIELDS}
        return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))


class SecretContext(ConfigContext):
    """One secret as ``docker secret ls --format`` sees it: a config's fields and Driver."""

    go_type_name = "*secret.secretContext"
    FIELDS = (*ConfigContext.FIELDS, "Driver")

    def Driver(self) -> str:
        return (self._spec.get("Driver") or {}).get("Name") or ""


def pretty_secret(secret: Mapping[str, Any]) -> str:
    """docker's secretInspectPrettyTemplate (no final newline)."""
    spec = secret.get("Spec") or {}
    text = f"ID:              {secret.get('ID', '')}\nName:              {spec.get('Name', '')}"
    if spec.get("Labels"):
        text += "\nLabels:" + _label_lines(spec["Labels"])
    text += f"\nDriver:            {(spec.get('Driver') or {}).get('Name', '')}"
    text += f"\nCreated at:        {_pretty_time(secret)}"
    text += f"\nUpdated at:        {_pretty_time(secret, 'UpdatedAt')}"
    return text


def pretty_config(config: Mapping[str, Any]) -> str:
    """docker's configInspectPrettyTemplate (no final newline): the data shown as text."""
    spec = config.get("Spec") or {}
    text = f"ID:\t\t\t{config.get('ID', '')}\nName:\t\t\t{spec.get('Name', '')}"
    if spec.get("Labels"):
        text += "\nLabels:" + _label_lines(spec["Labels"])
    text += f"\nCreated at:            \t{_pretty_time(config)}"
    text += f"\nUpdated at:            \t{_pretty_time(config, 'UpdatedAt')}"
    data = base64.b64decode(spec.get("Data") or "")
    text += "\nData:\n" + data.decode("utf-8", errors="surrogateescape")
    return text


# --- inspect templates over the typed objects docker decodes -----------------------------


class GoTime:
    """A ``time.Time`` field as docker's templates see it (they run on typed structs before
    the raw JSON): printed as Go's ``Time.String()``, encoded by ``json`` as RFC 3339."""

    go_type_name = "time.Time"

    def __init__(self, text: str) -> None:
        self._text = text

    def String(self) -> str:  # noqa: N802 - Go's Stringer
        return go_time_text(self._text)

    def marshal_json(self):  # noqa: ANN201
        return gojson.RawJSON(gojson.dumps(self._text))


class SwarmVersion:
    """swarm.Version as a template prints it: its Stringer gives the index alone."""

    go_type_name = "swarm.Version"

    def __init__(self, value: dict) -> None:
        self._value = value
        self.Index = value.get("Index", 0)  # noqa: N815 - the Go field

    def String(self) -> str:  # noqa: N802 - Go's Stringer
        return str(self.Index)

    def marshal_json(self):  # noqa: ANN201
        return gojson.RawJSON(gojson.dumps(self._value))


#: The pointer fields of the swarm structs, by field name: absent from the JSON, they are nil.
NIL_POINTERS = {
    "ManagerStatus": "*swarm.ManagerStatus",
    "PreviousSpec": "*swarm.ServiceSpec",
    "UpdateStatus": "*swarm.UpdateStatus",
    "ServiceStatus": "*swarm.ServiceStatus",
    "JobStatus": "*swarm.JobStatus",
    "JobIteration": "*swarm.Version",
}


class TypedObject:
    """A swarm object as the Go struct docker decodes it into: its top-level fields are
    struct fields (an unknown one is an error naming the type, a field the JSON left out is
    its zero value), times are Go times; nested values stay maps."""

    def __init__(self, obj: dict, type_name: str, fields: tuple[str, ...]) -> None:
        from dshell.render.gotemplate.values import GoNilPointer

        self.go_type_name = type_name
        self._fields = dict.fromkeys(fields)
        for name in fields:
            if name in NIL_POINTERS:
                self._fields[name] = GoNilPointer(NIL_POINTERS[name])
        self._fields.update(obj)
        #: Pointer fields the JSON left out: nil for templates, omitted (omitempty) in JSON.
        self._nil = frozenset(name for name in fields if name in NIL_POINTERS and name not in obj)
        for key in ("CreatedAt", "UpdatedAt"):
            if isinstance(self._fields.get(key), str):
                self._fields[key] = GoTime(self._fields[key])
        if isinstance(self._fields.get("Version"), dict):
            self._fields["Version"] = SwarmVersion(self._fields["Version"])
        for key, value in self._fields.items():
            setattr(self, key, value)

    def marshal_json(self):  # noqa: ANN201
        present = {k: v for k, v in self._fields.items() if v is not None and k not in self._nil}
        return gojson.RawJSON(gojson.dumps(present))


#: The Go types docker decodes each kind into, and their top-level fields.
TYPED_FIELDS = {
    "node": (
        "swarm.Node",
        (
            "ID",
            "Version",
            "CreatedAt",
            "UpdatedAt",
            "Spec",
            "Description",
            "Status",
            "ManagerStatus",
        ),
    ),
    "secret": ("swarm.Secret", ("ID", "Version", "CreatedAt", "UpdatedAt", "Spec")),
    "config": ("swarm.Config", ("ID", "Version", "CreatedAt", "UpdatedAt", "Spec")),
}


def typed(obj: dict, kind: str) -> TypedObject:
    """``obj`` (a node, secret or config from the daemon) as docker's typed value."""
    type_name, fields = TYPED_FIELDS[kind]
    return TypedObject(obj, type_name, fields)
