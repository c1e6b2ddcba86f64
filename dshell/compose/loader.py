"""docker/cli's cli/command/stack/loader.go and cli/compose/loader: read the files, check
their keys against the v3 schema's property names, interpolate from the environment (only
the process environment: ``stack deploy`` reads no ``.env``), normalise the short syntaxes
as the typed load does, and merge later files over earlier ones."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from typing import IO, Any

from dshell.compose import ComposeError

DEFAULT_VERSION = "3.13"
SECTIONS = ("services", "networks", "volumes", "secrets", "configs")

_SERVICE_KEYS = frozenset(
    "build cap_add cap_drop cgroup_parent cgroupns_mode command configs container_name "
    "credential_spec depends_on deploy devices dns dns_search domainname entrypoint env_file "
    "environment expose external_links extra_hosts healthcheck hostname image init ipc "
    "isolation labels links logging mac_address network_mode networks oom_score_adj pid ports "
    "privileged read_only restart secrets security_opt shm_size stdin_open stop_grace_period "
    "stop_signal sysctls tmpfs tty ulimits user userns_mode volumes working_dir".split()
)
_DEPLOY_KEYS = frozenset(
    "endpoint_mode labels mode placement replicas resources restart_policy rollback_config "
    "update_config".split()
)
#: Property names of each top-level section's entries (``x-`` keys are always allowed).
_ENTRY_KEYS = {
    "networks": frozenset(
        "attachable driver driver_opts external internal ipam labels name".split()
    ),
    "volumes": frozenset("driver driver_opts external labels name x-cluster-spec".split()),
    "secrets": frozenset("driver driver_opts external file labels name template_driver".split()),
    "configs": frozenset("external file labels name template_driver".split()),
}


def read_files(paths: list[str], stdin: IO[bytes] | None) -> tuple[str, list[dict]]:
    """getConfigDetails: the working directory (the first file's) and each file's mapping."""
    if not paths:
        raise ComposeError("Specify a Compose file (with --compose-file)")
    if paths[0] == "-" and len(paths) == 1:
        working_dir = os.getcwd()
    else:
        working_dir = os.path.dirname(os.path.abspath(paths[0]))
    dicts = []
    for path in paths:
        if path == "-":
            data = stdin.read() if stdin is not None else b""
        else:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                raise ComposeError(f"open {path}: {reason}") from None
        dicts.append(parse_yaml(data))
    return working_dir, dicts


def parse_yaml(data: bytes) -> dict:
    """loader.ParseYAML: one mapping with string keys, else docker's refusal."""
    import yaml

    try:
        reader = yaml.SafeLoader(data)
        try:
            root = reader.get_single_node()
            duplicates = _duplicate_keys(root, set()) if root is not None else []
            value = reader.construct_document(root) if root is not None else None
        finally:
            reader.dispose()
    except yaml.MarkedYAMLError as exc:
        if exc.context and exc.context_mark is not None:
            line = exc.context_mark.line
        else:
            line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 0
        raise ComposeError(f"yaml: line {line}: {_go_yaml_problem(exc)}") from None
    except yaml.YAMLError as exc:
        raise ComposeError(f"yaml: {exc}") from None
    if duplicates:
        raise ComposeError("yaml: unmarshal errors:\n" + "\n".join(duplicates))
    if not isinstance(value, dict):
        raise ComposeError("top-level object must be a mapping")
    return value


def _duplicate_keys(node: Any, seen: set[int]) -> list[str]:
    """go-yaml's unique-keys check: a mapping that repeats a key is reported (each repeat)
    and not descended into; its siblings still are."""
    import yaml

    if id(node) in seen:
        return []
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys = [k for k, _v in node.value]
        found = []
        for i, first in enumerate(keys):
            for later in keys[i + 1 :]:
                if (
                    type(first) is type(later)
                    and getattr(first, "value", None) == getattr(later, "value", object())
                    and isinstance(first, yaml.ScalarNode)
                ):
                    from dshell.render.formatter import go_quote

                    found.append(
                        f"  line {later.start_mark.line + 1}: mapping key "
                        f"{go_quote(later.value)} already defined at line "
                        f"{first.start_mark.line + 1}"
                    )
        if found:
            return found
        return [e for k, v in node.value for n in (k, v) for e in _duplicate_keys(n, seen)]
    if isinstance(node, yaml.SequenceNode):
        return [e for item in node.value for e in _duplicate_keys(item, seen)]
    return []


def _go_yaml_problem(exc: Any) -> str:
    """PyYAML's wording of a problem in go-yaml's, where they differ."""
    problem = str(exc.problem or "")
    context = str(exc.context or "")
    if problem.startswith("expected <block end>") and "block mapping" in context:
        return "did not find expected key"
    if problem.startswith("expected <block end>") and "block collection" in context:
        return "did not find expected '-' indicator"
    if problem.startswith("found character") and "cannot start any token" in problem:
        return "found character that cannot start any token"
    return problem


def version_of(config: Mapping[str, Any]) -> str:
    """schema.Version: the file's ``version`` as text, or the newest 3.x."""
    if "version" not in config:
        return DEFAULT_VERSION
    return _go_text(config["version"]) or DEFAULT_VERSION


def _go_text(value: Any) -> str:
    """fmt's %v of a YAML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, dict):
        items = " ".join(f"{_go_text(k)}:{_go_text(v)}" for k, v in sorted(value.items(), key=str))
        return f"map[{items}]"
    if isinstance(value, list):
        return "[" + " ".join(_go_text(v) for v in value) + "]"
    return str(value)


def _check_version(version: str) -> None:
    """schema.Validate's normalizeVersion and its refusal of a version it has no schema of."""
    normal = "3.0" if version == "3" else version
    known = {f"3.{minor}" for minor in range(14)}
    if normal not in known:
        raise ComposeError(f"unsupported Compose file version: {normal}")


def _extra(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("x-")


def _check_keys(mapping: Any, allowed: frozenset, where: str) -> None:
    if not isinstance(mapping, dict):
        return
    for key in mapping:
        if key not in allowed and not _extra(key):
            raise ComposeError(f"{where} Additional property {key} is not allowed")


_STR, _BOOL, _INT = "string", "boolean", "integer"
_STRINGS = ("array", _STR)
_LIST_OR_DICT = ("oneOf", [("dict", ["string", "number", "null"]), _STRINGS])
_STRING_OR_LIST = ("oneOf", [_STR, _STRINGS])
_REFERENCES = ("array", ("oneOf", [_STR, "object"]))
#: The v3 schema's types for a service's keys and its deploy keys (what catches a value of
#: the wrong kind before it is converted).
_SERVICE_TYPES: dict[str, Any] = {
    "build": ("oneOf", [_STR, "object"]), "cap_add": _STRINGS, "cap_drop": _STRINGS,
    "cgroup_parent": _STR, "cgroupns_mode": _STR, "command": ("oneOf", [_STR, _STRINGS]),
    "configs": _REFERENCES, "container_name": _STR, "credential_spec": "object",
    "depends_on": _STRINGS, "devices": _STRINGS, "dns": _STRING_OR_LIST,
    "dns_search": _STRING_OR_LIST, "domainname": _STR,
    "entrypoint": ("oneOf", [_STR, _STRINGS]), "env_file": _STRING_OR_LIST,
    "environment": _LIST_OR_DICT, "expose": ("array", ["string", "number"]),
    "external_links": _STRINGS, "extra_hosts": _LIST_OR_DICT, "healthcheck": "object",
    "hostname": _STR, "image": _STR, "init": _BOOL, "ipc": _STR, "isolation": _STR,
    "labels": _LIST_OR_DICT, "links": _STRINGS, "logging": "object", "mac_address": _STR,
    "network_mode": _STR, "networks": ("oneOf", [_STRINGS, "object"]),
    "oom_score_adj": _INT, "pid": ["string", "null"],
    "ports": ("array", ("oneOf", ["number", _STR, "object"])), "privileged": _BOOL,
    "read_only": _BOOL, "restart": _STR, "secrets": _REFERENCES, "security_opt": _STRINGS,
    "shm_size": ["number", "string"], "stdin_open": _BOOL, "stop_grace_period": _STR,
    "stop_signal": _STR, "sysctls": _LIST_OR_DICT, "tmpfs": _STRING_OR_LIST, "tty": _BOOL,
    "ulimits": "object", "user": _STR, "userns_mode": _STR,
    "volumes": ("array", ("oneOf", [_STR, "object"])), "working_dir": _STR,
}  # fmt: skip
_DURATION = ("duration", None)
_ORDER = ("enum", ("start-first", "stop-first"))
_UPDATE = ("struct", {
    "parallelism": _INT, "delay": _DURATION, "failure_action": _STR, "monitor": _DURATION,
    "max_failure_ratio": "number", "order": _ORDER,
})  # fmt: skip
_DEPLOY_TYPES: dict[str, Any] = {
    "endpoint_mode": _STR, "labels": _LIST_OR_DICT, "mode": _STR,
    "placement": ("struct", {
        "constraints": _STRINGS,
        "preferences": ("array", ("struct", {"spread": _STR})),
        "max_replicas_per_node": _INT,
    }),
    "replicas": _INT,
    "resources": ("struct", {
        "limits": ("struct", {"cpus": _STR, "memory": _STR, "pids": _INT}),
        "reservations": ("struct", {"cpus": _STR, "memory": _STR,
                                    "generic_resources": ("array", "object")}),
    }),
    "restart_policy": ("struct", {
        "condition": _STR, "delay": _DURATION, "max_attempts": _INT, "window": _DURATION,
    }),
    "rollback_config": _UPDATE, "update_config": _UPDATE,
}  # fmt: skip
_SERVICE_TYPES["healthcheck"] = ("struct", {
    "disable": _BOOL, "interval": _DURATION, "retries": "number",
    "test": ("oneOf", [_STR, _STRINGS]), "timeout": _DURATION, "start_period": _DURATION,
    "start_interval": _DURATION,
})  # fmt: skip
_SERVICE_TYPES["stop_grace_period"] = _DURATION
_SERVICE_TYPES["deploy"] = ["object", "null"]
_SERVICE_TYPES["ports"] = ("array", ("oneOf", ["number", ("ports", None), ("struct", {
    "mode": _STR, "target": _INT, "published": _INT, "protocol": _STR,
})]))  # fmt: skip
_SERVICE_TYPES["networks"] = ("oneOf", [_STRINGS, ("dict", ("oneOf", [("struct", {
    "aliases": _STRINGS, "driver_opts": ("dict", ["string", "number"]),
    "ipv4_address": _STR, "ipv6_address": _STR,
}), "null"]))])  # fmt: skip
_SERVICE_TYPES["ulimits"] = ("dict", ("oneOf", [_INT, ("struct", {"hard": _INT, "soft": _INT},
                                                        ("soft", "hard"))]))  # fmt: skip
_SERVICE_TYPES["logging"] = ("struct", {
    "driver": _STR, "options": ("dict", ["string", "number", "null"]),
})  # fmt: skip
_SERVICE_TYPES["volumes"] = ("array", ("oneOf", [_STR, ("struct", {
    "type": _STR, "source": _STR, "target": _STR, "read_only": _BOOL, "consistency": _STR,
    "bind": "object", "volume": "object", "tmpfs": "object", "image": "object",
    "cluster": "object",
}, ("type",))]))  # fmt: skip
# (a reference's other keys are let through: the schema leaves them open)
_SERVICE_TYPES["secrets"] = _SERVICE_TYPES["configs"] = ("array", ("oneOf", [_STR, ("struct", {
    "source": _STR, "target": _STR, "uid": _STR, "gid": _STR, "mode": "number",
}, (), True)]))  # fmt: skip
_DRIVER_OPTS = ("dict", ["string", "number"])
_EXTERNAL = ["boolean", "object"]
#: The types of the top-level sections' entries (x- keys allowed in each).
_ENTRY_TYPES: dict[str, Any] = {
    "networks": ["object", "null"],
    "volumes": ["object", "null"],
    "secrets": "object",
    "configs": "object",
}
_ENTRY_FIELDS: dict[str, dict[str, Any]] = {
    "networks": {"name": _STR, "driver": _STR, "driver_opts": _DRIVER_OPTS, "ipam": "object",
                 "external": _EXTERNAL, "internal": _BOOL, "attachable": _BOOL,
                 "labels": _LIST_OR_DICT},
    "volumes": {"name": _STR, "driver": _STR, "driver_opts": _DRIVER_OPTS,
                "external": _EXTERNAL, "labels": _LIST_OR_DICT},
    "secrets": {"name": _STR, "file": _STR, "external": _EXTERNAL, "labels": _LIST_OR_DICT,
                "driver": _STR, "driver_opts": _DRIVER_OPTS, "template_driver": _STR},
    "configs": {"name": _STR, "file": _STR, "external": _EXTERNAL, "labels": _LIST_OR_DICT,
                "template_driver": _STR},
}  # fmt: skip


def _is(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            or (isinstance(value, float) and value.is_integer())
        )
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return value is None


def _human(kind: str) -> str:
    return {"object": "mapping", "array": "list"}.get(kind, kind)


def _type_errors(value: Any, spec: Any, path: str) -> list[tuple[str, str, str]]:
    """gojsonschema's errors for ``value`` in its order: (field path, kind, what docker
    says of it); kind is "type", "oneOf" or "other"."""
    if isinstance(spec, str):
        return [] if _is(value, spec) else [(path, "type", f"must be a {_human(spec)}")]
    if isinstance(spec, list):
        if any(_is(value, kind) for kind in spec):
            return []
        words = [_human(kind) for kind in spec]
        return [(path, "type", f"must be a {', '.join(words[:-1])} or {words[-1]}")]
    shape, inner = spec[0], spec[1]
    if shape == "enum":
        if not isinstance(value, str):
            return [(path, "type", "must be a string")]
        if value in inner:
            return []
        allowed = ", ".join(f'"{choice}"' for choice in inner)
        return [(path, "other", f"{path} must be one of the following: {allowed}")]
    if shape == "ports":
        if not isinstance(value, str):
            return [(path, "type", "must be a string")]
        try:
            _short_port(value, [])
        except ComposeError:
            return [(path, "other", "Does not match format 'ports'")]
        return []
    if shape == "duration":
        if not isinstance(value, str):
            return [(path, "type", "must be a string")]
        from dshell.commands.run_options import parse_duration

        try:
            parse_duration(value)
        except ValueError:
            return [(path, "other", "Does not match format 'duration'")]
        return []
    if shape == "struct":
        if not isinstance(value, dict):
            return [(path, "type", "must be a mapping")]
        required = spec[2] if len(spec) > 2 else ()
        errors = [(path, "other", f"{key} is required") for key in required if key not in value]
        if not (len(spec) > 3 and spec[3]):
            errors += [(path, "other", f"Additional property {key} is not allowed")
                       for key in value if key not in inner and not _extra(key)]  # fmt: skip
        return errors + [e for key, item_spec in inner.items() if key in value
                         for e in _type_errors(value[key], item_spec, f"{path}.{key}")]  # fmt: skip
    if shape == "array":
        if not isinstance(value, list):
            return [(path, "type", "must be a list")]
        return [e for i, item in enumerate(value) for e in _type_errors(item, inner, f"{path}.{i}")]
    if shape == "dict":
        if not isinstance(value, dict):
            return [(path, "type", "must be a mapping")]
        return [e for k, item in value.items() for e in _type_errors(item, inner, f"{path}.{k}")]
    branches = [_type_errors(value, branch, path) for branch in inner]
    if any(not errors for errors in branches):
        return []
    # Only the best branch's errors follow the oneOf error: the first whose own type the
    # value has, else the first.
    best = next((errors for branch, errors in zip(inner, branches, strict=True)
                 if _top_type_matches(value, branch)), branches[0])  # fmt: skip
    return [(path, "oneOf", "Must validate one and only one schema (oneOf)"), *best]


def _top_type_matches(value: Any, spec: Any) -> bool:
    if isinstance(spec, str):
        return _is(value, spec)
    if isinstance(spec, list):
        return any(_is(value, kind) for kind in spec)
    shape, inner = spec[0], spec[1]
    if shape in ("struct", "dict"):
        return isinstance(value, dict)
    if shape == "array":
        return isinstance(value, list)
    if shape in ("duration", "enum", "ports"):
        return isinstance(value, str)
    return any(_top_type_matches(value, branch) for branch in inner)


def _check_types(mapping: Any, types: Mapping[str, Any], where: str) -> None:
    if not isinstance(mapping, dict):
        return
    errors = [e for key, spec in types.items() if key in mapping
              for e in _type_errors(mapping[key], spec, f"{where}.{key}")]  # fmt: skip
    if not errors:
        return
    # getMostSpecificError: the deepest field; at equal depth a type error over the rest;
    # a oneOf error speaks with the error after it.
    chosen = 0
    for index, (path, kind, _message) in enumerate(errors):
        depth, best = len(path.split(".")), len(errors[chosen][0].split("."))
        if depth > best or (depth == best and kind == "type" and errors[chosen][1] != "type"):
            chosen = index
    path, kind, message = errors[chosen]
    if kind == "oneOf" and chosen + 1 < len(errors):
        message = errors[chosen + 1][2]
    raise ComposeError(f"{path} {message}")


def validate(config: Mapping[str, Any]) -> None:
    """The schema's additionalProperties checks that catch misspelt keys, and the types of
    the values."""
    _check_keys(config, frozenset(("version", *SECTIONS)), "(root)")
    for section in SECTIONS:
        if section in config and not isinstance(config[section], dict):
            raise ComposeError(f"{section} must be a mapping")
    for section, kind in _ENTRY_TYPES.items():
        for name, entry in (config.get(section) or {}).items():
            _check_types({name: entry}, {name: kind}, section)
            _check_types(entry, _ENTRY_FIELDS[section], f"{section}.{name}")
    for name, service in (config.get("services") or {}).items():
        _check_keys(service, _SERVICE_KEYS, f"services.{name}")
        if not isinstance(service, dict):
            raise ComposeError(f"services.{name} must be a mapping")
        if isinstance(service, dict):
            _check_keys(service.get("deploy"), _DEPLOY_KEYS, f"services.{name}.deploy")
            _check_types(service, _SERVICE_TYPES, f"services.{name}")
            _check_types(service.get("deploy"), _DEPLOY_TYPES, f"services.{name}.deploy")
    for section, allowed in _ENTRY_KEYS.items():
        for name, entry in (config.get(section) or {}).items():
            _check_keys(entry, allowed, f"{section}.{name}")


UNSUPPORTED = (
    "build cgroupns_mode cgroup_parent devices domainname external_links ipc links mac_address "
    "network_mode pid privileged restart security_opt shm_size userns_mode"
).split()
DEPRECATED = {
    "container_name": "Setting the container name is not supported.",
    "expose": "Exposing ports is unnecessary - services on the same network can access each "
    "other's containers on any port.",
}
_RESOURCES = "Set resource limits using deploy.resources"
FORBIDDEN = {
    "extends": "Support for `extends` is not implemented yet.",
    "volume_driver": "Instead of setting the volume driver on the service, define a volume "
    "using the top-level `volumes` option and specify the driver there.",
    "volumes_from": "To share a volume between services, define it using the top-level "
    "`volumes` option and reference it from each service that shares it using the "
    "service-level `volumes` option.",
    "cpu_quota": _RESOURCES,
    "cpu_shares": _RESOURCES,
    "cpuset": _RESOURCES,
    "mem_limit": _RESOURCES,
    "memswap_limit": _RESOURCES,
}


class ForbiddenProperties(ComposeError):
    """Service keys ``stack deploy`` refuses outright (and their reasons)."""

    def __init__(self, properties: dict[str, str]) -> None:
        super().__init__("Configuration contains forbidden properties")
        self.properties = properties


def _services(config: Mapping[str, Any]) -> list[dict]:
    services = config.get("services")
    if not isinstance(services, dict):
        return []
    return [s for s in services.values() if isinstance(s, dict)]


def service_properties(dicts: list[dict], table: Mapping[str, str]) -> dict[str, str]:
    """The keys of ``table`` some service of the files sets, with their descriptions."""
    return {key: text for config in dicts for svc in _services(config)
            for key, text in table.items() if key in svc}  # fmt: skip


def unsupported_properties(dicts: list[dict]) -> list[str]:
    """GetUnsupportedProperties: service keys swarm ignores, sorted."""
    return sorted({key for config in dicts for svc in _services(config)
                   for key in UNSUPPORTED if key in svc})  # fmt: skip


def property_warnings(properties: Mapping[str, str]) -> str:
    return "\n\n".join(sorted(f"{name}: {text}" for name, text in properties.items()))


def load(dicts: list[dict], working_dir: str, env: Mapping[str, str],
         interpolate: bool = True, warnings: list[str] | None = None) -> dict:  # fmt: skip
    """loader.Load: each file checked, interpolated and normalised, then merged in order;
    the loader's logged warnings go to ``warnings``."""
    from dshell.compose.interpolate import interpolate as substitute

    version = version_of(dicts[0]) if dicts else DEFAULT_VERSION
    merged: dict[str, Any] = {"version": version}
    for index, raw in enumerate(dicts):
        if version_of(raw) != version:
            raise ComposeError(
                f"version mismatched between two composefiles : {version} and {version_of(raw)}"
            )
        forbidden = service_properties([raw], FORBIDDEN)
        if forbidden:
            raise ForbiddenProperties(forbidden)
        config = dict(raw)
        if interpolate:
            for section in SECTIONS:
                if section in config and config[section] is not None:
                    config[section] = substitute(config[section], section, env)
        _check_version(version)
        validate(config)
        normal = normalise(config, working_dir, env, warnings)
        merge_into(merged, normal, first=index == 0)
    merged.setdefault("services", {})
    return merged


# --- normalising the short syntaxes -----------------------------------------------------


def _key_values(value: Any, nil: bool = True) -> dict[str, str | None]:
    """A ``KEY=VALUE`` list or a mapping as a mapping of strings (``KEY`` alone → None)."""
    if isinstance(value, dict):
        return {str(k): (("" if not nil else None) if v is None else _text(v))
                for k, v in value.items()}  # fmt: skip
    result: dict[str, str | None] = {}
    for item in value or []:
        key, sep, val = str(item).partition("=")
        result[key] = val if sep else (None if nil else "")
    return result


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _command(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [_text(v) for v in value]


def _references(value: Any) -> list[dict]:
    """Short references as {source}; a long one keeps the fields docker's type has."""
    refs = []
    for item in value or []:
        if isinstance(item, str):
            refs.append({"source": item})
        else:
            refs.append({k: v for k, v in item.items()
                         if k in ("source", "target", "uid", "gid", "mode")})  # fmt: skip
    return refs


def _port_range(text: str, what: str, spec: str) -> list[int]:
    first, sep, last = text.partition("-")
    try:
        low = int(first)
        high = int(last) if sep else low
    except ValueError:
        raise ComposeError(f"Invalid {what}: {spec}") from None
    return list(range(low, high + 1))


def _short_port(spec: str, warnings: list[str]) -> list[dict]:
    """nat.ParsePortSpec for one short-syntax port, ranges expanded pairwise."""
    body, _, proto = spec.partition("/")
    proto = proto or "tcp"
    parts = body.rsplit(":", 2)
    ip = published = ""
    if len(parts) == 3:
        ip, published, target = parts
    elif len(parts) == 2:
        published, target = parts
    else:
        (target,) = parts
    if ip:
        warnings.append(f"ignoring IP-address ({body}/{proto}) service will listen on '0.0.0.0'")
    targets = _port_range(target, "containerPort", spec)
    hosts = _port_range(published, "hostPort", spec) if published else []
    if hosts and len(hosts) != len(targets) and len(hosts) > 1:
        raise ComposeError(f"Invalid ranges specified for container and host Ports: {spec}")
    entries = []
    for index, port in enumerate(targets):
        entry: dict[str, Any] = {"mode": "ingress", "target": port}
        if hosts:
            entry["published"] = hosts[index] if len(hosts) > 1 else hosts[0]
        entry["protocol"] = proto
        entries.append(entry)
    return entries


def _ports(value: Any, warnings: list[str]) -> list[dict]:
    ports: list[dict] = []
    for item in value or []:
        if isinstance(item, dict):
            ports.append(dict(item))
        elif isinstance(item, float):
            raise ComposeError(
                "decoding failed due to the following error(s):\n\n"
                "error decoding 'Ports': invalid type float64 for port"
            )
        else:
            ports.extend(_short_port(str(item), warnings))
    return ports


def _volumes(value: Any, working_dir: str) -> list[dict]:
    mounts: list[dict] = []
    for index, item in enumerate(value or []):
        if isinstance(item, dict):
            mounts.append(dict(item))
            continue
        if item == "":
            raise ComposeError(
                "decoding failed due to the following error(s):\n\n"
                f"error decoding 'Volumes[{index}]': invalid empty volume spec"
            )
        parts = str(item).split(":")
        if len(parts) == 1:
            mounts.append({"type": "volume", "target": parts[0]})
            continue
        source, target = parts[0], parts[1]
        options = parts[2].split(",") if len(parts) > 2 else []
        entry: dict[str, Any] = {}
        if source.startswith((".", "/", "~")):
            entry["type"] = "bind"
            if source.startswith("~"):
                source = os.path.expanduser(source)
            elif source.startswith("."):
                source = os.path.normpath(os.path.join(working_dir, source))
        else:
            entry["type"] = "volume"
        entry["source"] = source
        entry["target"] = target
        if "ro" in options:
            entry["read_only"] = True
        if "nocopy" in options:
            entry["volume"] = {"nocopy": True}
        mounts.append(entry)
    return mounts


def _go_duration(value: Any) -> Any:
    """A duration as the typed load keeps it (printed back as Go's Duration.String)."""
    from dshell.commands.run_options import parse_duration
    from dshell.render.services import go_duration_ns

    if value is None:
        return None
    try:
        return go_duration_ns(parse_duration(str(value)))
    except ValueError:
        raise ComposeError(f"time: invalid duration {_quote(str(value))}") from None


def _quote(text: str) -> str:
    from dshell.render.formatter import go_quote

    return go_quote(text)


def _durations(mapping: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(mapping, dict):
        return mapping
    result = dict(mapping)
    for key in keys:
        if result.get(key) is not None:
            result[key] = _go_duration(result[key])
    return result


def _deploy(deploy: dict) -> dict:
    from dshell.commands.run_options import parse_bytes

    deploy = dict(deploy)
    if "labels" in deploy:
        deploy["labels"] = _key_values(deploy["labels"], nil=False)
    for key in ("update_config", "rollback_config"):
        if key in deploy:
            deploy[key] = _durations(deploy[key], ("delay", "monitor"))
    if "restart_policy" in deploy:
        deploy["restart_policy"] = _durations(deploy["restart_policy"], ("delay", "window"))
    resources = deploy.get("resources")
    if isinstance(resources, dict):
        resources = dict(resources)
        for key in ("limits", "reservations"):
            entry = resources.get(key)
            if isinstance(entry, dict) and entry.get("memory") is not None:
                entry = dict(entry)
                try:
                    entry["memory"] = str(parse_bytes(str(entry["memory"])))
                except ValueError as exc:
                    raise ComposeError(
                        "decoding failed due to the following error(s):\n\nerror decoding "
                        f"'Deploy.Resources.{key.capitalize()}.memory': {exc}"
                    ) from None
                resources[key] = entry
        deploy["resources"] = resources
    return deploy


def _env_files(files: Any, working_dir: str, env: Mapping[str, str]) -> dict[str, str | None]:
    """resolveEnvironment's env_file part: kvfile.Parse of each file (relative to the
    working directory), a bare ``KEY`` filled from the environment or dropped."""
    from dshell.commands.run_options import RunOptionError, parse_env_file

    if isinstance(files, str):
        files = [files]
    values: dict[str, str | None] = {}
    for name in files or []:
        path = os.path.join(working_dir, os.path.expanduser(str(name)))
        try:
            values.update(_key_values(parse_env_file(path, env)))
        except RunOptionError as exc:
            raise ComposeError(str(exc)) from None
    return values


def _service(service: Any, working_dir: str, env: Mapping[str, str],
             warnings: list[str]) -> dict:  # fmt: skip
    result = dict(service or {})
    for key in ("dns", "dns_search"):
        if isinstance(result.get(key), str):
            result[key] = [result[key]]
    logging = result.get("logging")
    if isinstance(logging, dict) and isinstance(logging.get("options"), dict):
        options = {k: None if v is None else _text(v) for k, v in logging["options"].items()}
        result["logging"] = {**logging, "options": options}
    if "sysctls" in result:
        result["sysctls"] = {k: v or "" for k, v in _key_values(result["sysctls"]).items()}
    if result.get("stop_grace_period") is not None:
        result["stop_grace_period"] = _go_duration(result["stop_grace_period"])
    check = result.get("healthcheck")
    if isinstance(check, dict):
        check = _durations(check, ("timeout", "interval", "start_period", "start_interval"))
        if isinstance(check.get("test"), str):
            check["test"] = ["CMD-SHELL", check["test"]]
        result["healthcheck"] = check
    for key in ("command", "entrypoint"):
        if key in result:
            result[key] = _command(result[key])
    if "environment" in result or result.get("env_file"):
        environment = _env_files(result.get("env_file"), working_dir, env)
        environment.update(_key_values(result.get("environment")))
        result["environment"] = {
            k: (env[k] if v is None and k in env else v) for k, v in environment.items()
        }
    if "labels" in result:
        result["labels"] = _key_values(result["labels"], nil=False)
    if isinstance(result.get("deploy"), dict):
        result["deploy"] = _deploy(result["deploy"])
    for key in ("secrets", "configs"):
        if key in result:
            result[key] = _references(result[key])
    if isinstance(result.get("networks"), list):
        result["networks"] = {name: None for name in result["networks"]}
    if "ports" in result:
        result["ports"] = _ports(result["ports"], warnings)
    if "volumes" in result:
        result["volumes"] = _volumes(result["volumes"], working_dir)
    return result


def _version_at_least(version: str, floor: str) -> bool:
    def key(text: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in text.split("."))

    return key(version) >= key(floor)


def _entry(entry: Any, section: str, working_dir: str, name: str, version: str,
           warnings: list[str]) -> dict:  # fmt: skip
    result = dict(entry or {})
    external = result.get("external")
    kind = section[:-1]
    if isinstance(external, dict):
        if external.get("name"):
            if result.get("name"):
                raise ComposeError(
                    f"{kind} {name}: {kind}.external.name and {kind}.name conflict; "
                    f"only use {kind}.name"
                )
            if _version_at_least(version, "3.4" if section == "volumes" else "3.5"):
                warnings.append(
                    f"{kind} {name}: {kind}.external.name is deprecated in favor of {kind}.name"
                )
            result["name"] = external["name"]
        result["external"] = bool(external.get("external", True))
        external = result["external"]
    if external is True and not result.get("name"):
        result["name"] = name
    if external is not True:
        # loadExtras keeps an entry's x- keys only for external ones.
        result = {k: v for k, v in result.items() if not _extra(k)}
    if "labels" in result:
        result["labels"] = _key_values(result["labels"], nil=False)
    if isinstance(result.get("driver_opts"), dict):
        result["driver_opts"] = {k: _text(v) for k, v in result["driver_opts"].items()}
    if section in ("secrets", "configs") and external is not True and result.get("driver"):
        if result.get("file"):
            raise ComposeError(
                f"{kind} {name}: {kind}.driver and {kind}.file conflict; only use {kind}.driver"
            )
    if section in ("secrets", "configs") and not (external is True or result.get("driver")):
        # loadFileObjectConfig makes the path absolute, an absent one included.
        result["file"] = str(result.get("file") or "")
    if section in ("secrets", "configs") and "file" in result:
        result["file"] = os.path.join(working_dir, os.path.expanduser(str(result["file"])))
        result["file"] = os.path.normpath(result["file"])
    return result


def normalise(config: Mapping[str, Any], working_dir: str, env: Mapping[str, str],
              warnings: list[str] | None = None) -> dict:  # fmt: skip
    """One file's sections in the typed load's shapes; what docker's loader logs as warnings
    is added to ``warnings``."""
    result: dict[str, Any] = {}
    services = config.get("services") or {}
    notes = warnings if warnings is not None else []
    result["services"] = {
        name: _service(svc, working_dir, env, notes) for name, svc in services.items()
    }
    for section in SECTIONS[1:]:
        entries = config.get(section)
        if entries:
            result[section] = {
                name: _entry(entry, section, working_dir, name, version_of(config), notes)
                for name, entry in entries.items()
            }
    for key, value in config.items():
        if _extra(key):
            result[key] = value
    return result


# --- merging ------------------------------------------------------------------------------

#: Lists merged entry by entry on a key, then sorted by it (merge.go's specials); the
#: commands are replaced; every other list is appended to (mergo.WithAppendSlice).
_LIST_KEYS = {
    "secrets": lambda e: e.get("source") or "",
    "configs": lambda e: e.get("source") or "",
    "ports": lambda e: int(e.get("published") or 0),
    "volumes": lambda e: e.get("target") or "",
}
_REPLACED = ("command", "entrypoint")


def _zero(value: Any) -> bool:
    return value is None or value is False or value == "" or value == 0


def _merge_service(base: dict, override: dict) -> dict:
    result = dict(base)
    for key, value in override.items():
        old = result.get(key)
        if key in _LIST_KEYS and isinstance(old, list) and isinstance(value, list):
            keyed = {_LIST_KEYS[key](e): e for e in old}
            keyed.update({_LIST_KEYS[key](e): e for e in value})
            result[key] = [keyed[k] for k in sorted(keyed)]
        elif key in _REPLACED:
            if value:
                result[key] = value
        elif isinstance(old, list) and isinstance(value, list):
            result[key] = old + value
        elif isinstance(old, dict) and isinstance(value, dict):
            result[key] = _merge_dicts(old, value)
        elif not _zero(value) or key not in result:
            result[key] = value
    return result


def _merge_dicts(base: dict, override: dict) -> dict:
    result = dict(base)
    for key, value in override.items():
        old = result.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            result[key] = _merge_dicts(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            result[key] = old + value
        elif key == "replicas" or not _zero(value) or key not in result:
            result[key] = value
    return result


def merge_into(merged: dict, config: Mapping[str, Any], first: bool = False) -> None:
    """Services merged key by key; networks, volumes, secrets, configs entry by entry."""
    services = merged.setdefault("services", {})
    for name, service in config.get("services", {}).items():
        services[name] = _merge_service(services[name], service) if name in services else service
    for section in SECTIONS[1:]:
        if section in config:
            merged.setdefault(section, {}).update(config[section])
    if first:
        # merge keeps the first file's x- keys (the base config's Extras) and no other.
        merged.update((key, value) for key, value in config.items() if _extra(key))
