"""``stack config``'s output: the merged config marshalled as docker's Go YAML encoder does
(struct fields in their declaration order, map keys sorted, two-space indents, sequences
indented under their key, strings that would read back as another type double-quoted)."""

from __future__ import annotations

import json
import re
from typing import Any

_SERVICE_ORDER = (
    "build cap_add cap_drop cgroupns_mode cgroup_parent command configs container_name "
    "credential_spec depends_on deploy devices dns dns_search domainname entrypoint environment "
    "env_file expose external_links extra_hosts hostname healthcheck image init ipc isolation "
    "labels links logging mac_address network_mode networks pid ports privileged read_only "
    "restart secrets security_opt shm_size stdin_open stop_grace_period stop_signal sysctls "
    "tmpfs tty ulimits user oom_score_adj userns_mode volumes working_dir"
).split()

#: Field order of docker's compose types, by the key that holds them.
_ORDERS: dict[str, list[str]] = {
    "": ["version", "services", "networks", "volumes", "secrets", "configs"],
    "service": _SERVICE_ORDER,
    "deploy": "mode replicas labels update_config rollback_config resources restart_policy "
    "placement endpoint_mode".split(),
    "reference": "source target uid gid mode".split(),
    "port": "mode target published protocol".split(),
    "network": "name driver driver_opts ipam external internal attachable labels".split(),
    "volume": "name driver driver_opts external labels x-cluster-spec".split(),
    "secret": "name file external labels driver driver_opts template_driver".split(),
    "config": "name file external labels driver driver_opts template_driver".split(),
    "healthcheck": "test timeout interval retries start_period start_interval disable".split(),
    "update_config": "parallelism delay failure_action monitor max_failure_ratio order".split(),
    "restart_policy": "condition delay max_attempts window".split(),
    "placement": "constraints preferences max_replicas_per_node".split(),
    "logging": ["driver", "options"],
    "ulimit": ["single", "soft", "hard"],
    "mount": "type source target read_only consistency bind volume tmpfs".split(),
}
#: Fields docker's types hold by pointer: present but empty, they print as ``{}``.
_POINTERS = frozenset(
    ("update_config", "rollback_config", "restart_policy", "healthcheck", "logging")
)
#: Numbers docker's types hold by pointer: a zero one is still printed.
_NUMBER_POINTERS = frozenset(("replicas", "mode", "parallelism", "max_attempts", "retries"))
_CHILD_KIND = {
    "services": "service",
    "networks": "network",
    "volumes": "volume",
    "secrets": "secret",
    "configs": "config",
}
_FIELD_KIND = {
    "deploy": "deploy",
    "healthcheck": "healthcheck",
    "update_config": "update_config",
    "rollback_config": "update_config",
    "restart_policy": "restart_policy",
    "placement": "placement",
    "logging": "logging",
}
_LIST_KIND = {"secrets": "reference", "configs": "reference", "ports": "port", "volumes": "mount"}

_INT = re.compile(r"^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)$")
_FLOAT = re.compile(
    r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$"
    r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"
)
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_WORDS = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
    "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
    "~",
}  # fmt: skip
_FIRST_INDICATORS = set("#,[]{}&*!|>'\"%@`")


def _plain_allowed(text: str) -> bool:
    """go-yaml's emitter analysis: may the string be written without quotes?"""
    if not text or text[0] in " \t" or text[-1] in " \t" or text in ("---", "..."):
        return False
    if any(c in text for c in "\n\r\t") or not text.isprintable():
        return False
    first = text[0]
    followed = len(text) == 1 or text[1] == " "
    if first in _FIRST_INDICATORS or (first in "?:-" and followed):
        return False
    if text.startswith(("---", "...")):
        return False
    return ": " not in text and not text.endswith(":") and " #" not in text


def _resolves_to_other(text: str) -> bool:
    return bool(
        text in _WORDS
        or _INT.match(text)
        or _FLOAT.match(text)
        or _BASE60.match(text)
        or _TIMESTAMP.match(text)
    )


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _plain_allowed(text) and not _resolves_to_other(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _ordered(mapping: dict, kind: str) -> list:
    order = _ORDERS.get(kind)
    if order is None:
        return sorted(mapping, key=str)
    known = [k for k in order if k in mapping]
    rest = sorted((k for k in mapping if k not in order), key=str)
    return known + rest


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == [] or value == "" or value is False


def _emit(value: Any, kind: str, indent: int, lines: list[str], struct: bool) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for key in _ordered(value, kind):
            item = value[key]
            pointer = key in _POINTERS and isinstance(item, dict)
            zero = item == 0 and not isinstance(item, bool) and key not in _NUMBER_POINTERS
            if (
                struct
                and (_empty(item) or zero)
                and not pointer
                and not (kind == "" and key == "services")
            ):
                continue
            child_kind = _child(kind, key) or ""
            label = f"{pad}{_scalar(key)}:"
            _entry(label, item, child_kind, indent, lines, child_kind in _ORDERS, struct)
        return
    for item in value:
        item_kind = _LIST_KIND.get(kind, "")
        if isinstance(item, dict) and item:
            sub: list[str] = []
            _emit(item, item_kind, indent + 1, sub, bool(item_kind))
            if not sub:
                lines.append(f"{pad}- {{}}")
                continue
            first = sub[0][len("  " * (indent + 1)) :]
            lines.append(f"{pad}- {first}")
            lines.extend(sub[1:])
        else:
            lines.append(f"{pad}- {_inline(item)}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def _entry(label: str, item: Any, kind: str, indent: int, lines: list[str], struct: bool,
           in_struct: bool = True) -> None:  # fmt: skip
    if isinstance(item, (dict, list)) and item:
        list_kind = label.strip().rstrip(":") if isinstance(item, list) else kind
        sub: list[str] = []
        _emit(item, list_kind, indent + 1, sub, struct)
        if sub:
            lines.append(label)
            lines.extend(sub)
        elif label.strip().rstrip(":") in _POINTERS or not in_struct:
            lines.append(f"{label} {{}}")
        elif not struct:
            lines.append(f"{label} {_inline(item)}")
        # a struct whose fields are all empty is omitted, as omitempty omits it
    else:
        lines.append(f"{label} {_inline(item)}")


def _child(kind: str, key: Any) -> str | None:
    if kind == "":
        return {"services": "services", "networks": "networks", "volumes": "volumes",
                "secrets": "secrets", "configs": "configs"}.get(key)  # fmt: skip
    if kind in _CHILD_KIND:
        return _CHILD_KIND[kind]
    if kind == "service":
        return _FIELD_KIND.get(key, "ulimits" if key == "ulimits" else "-")
    if kind == "ulimits":
        return "ulimit"
    if kind == "deploy":
        return _FIELD_KIND.get(key, "-")
    return "-"


def dump(config: dict) -> str:
    """The config as ``stack config`` prints it."""
    lines: list[str] = []
    _emit(config, "", 0, lines, True)
    return "\n".join(lines) + "\n"
