"""docker/cli's cli/compose/convert: the merged config as swarm objects of one stack — names
prefixed ``<stack>_``, every object labelled ``com.docker.stack.namespace``."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from dshell.compose import ComposeError

LABEL_NAMESPACE = "com.docker.stack.namespace"
LABEL_IMAGE = "com.docker.stack.image"
DEFAULT_NETWORK = "default"


def scoped(stack: str, name: str) -> str:
    return f"{stack}_{name}"


def stack_labels(stack: str, labels: Mapping[str, Any] | None) -> dict[str, str]:
    result = {k: "" if v is None else str(v) for k, v in (labels or {}).items()}
    result[LABEL_NAMESPACE] = stack
    return result


def service_networks(config: Mapping[str, Any]) -> set[str]:
    """getServicesDeclaredNetworks: ``default`` for a service that names none."""
    names: set[str] = set()
    for service in config["services"].values():
        networks = service.get("networks") or {}
        names.update(networks or [DEFAULT_NETWORK])
    return names


def networks(stack: str, config: Mapping[str, Any]) -> tuple[dict[str, dict], list[str]]:
    """convert.Networks: create bodies by name, and the external networks' names."""
    declared = config.get("networks") or {}
    created: dict[str, dict] = {}
    external: list[str] = []
    for internal in sorted(service_networks(config)):
        network = declared.get(internal) or {}
        if _external(network):
            external.append(network.get("name") or internal)
            continue
        body: dict[str, Any] = {
            "Labels": stack_labels(stack, network.get("labels")),
            "Driver": network.get("driver") or "overlay",
            "Options": network.get("driver_opts") or {},
            "Internal": bool(network.get("internal")),
            "Attachable": bool(network.get("attachable")),
            "CheckDuplicate": True,
        }
        ipam = network.get("ipam") or {}
        if ipam.get("driver") or ipam.get("config"):
            body["IPAM"] = {
                "Driver": ipam.get("driver") or "",
                "Config": [{"Subnet": c.get("subnet", "")} for c in ipam.get("config") or []],
            }
        created[network.get("name") or scoped(stack, internal)] = body
    return created, external


def _external(entry: Mapping[str, Any]) -> bool:
    value = entry.get("external")
    return bool(value.get("name", True)) if isinstance(value, dict) else bool(value)


def file_objects(stack: str, config: Mapping[str, Any], section: str) -> list[dict]:
    """convert.Secrets/Configs: specs with the file's bytes (a driver secret has none)."""
    specs = []
    for name, entry in sorted((config.get(section) or {}).items()):
        if _external(entry):
            continue
        spec: dict[str, Any] = {
            "Name": entry.get("name") or scoped(stack, name),
            "Labels": stack_labels(stack, entry.get("labels")),
        }
        if section == "secrets" and entry.get("driver"):
            spec["Data"] = ""
            spec["Driver"] = {"Name": entry["driver"], "Options": entry.get("driver_opts")}
        else:
            path = entry.get("file") or ""
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                raise ComposeError(f"open {path}: {reason}") from None
            spec["Data"] = base64.b64encode(data).decode()
        if entry.get("template_driver"):
            spec["Templating"] = {"Name": entry["template_driver"]}
        specs.append(spec)
    return specs


def _file_references(stack: str, service: Mapping[str, Any], config: Mapping[str, Any],
                     section: str) -> list[dict]:  # fmt: skip
    declared = config.get(section) or {}
    noun = section[:-1]
    refs = []
    for ref in service.get(section) or []:
        source = ref.get("source", "")
        if source not in declared:
            raise ComposeError(f"undefined {noun} {_quote(source)}")
        entry = declared[source] or {}
        external = entry.get("external")
        name = entry.get("name") or (
            external.get("name") if isinstance(external, dict) and external.get("name") else ""
        )
        mode = ref.get("mode")
        refs.append({
            "File": {
                "Name": ref.get("target") or source,
                "UID": str(ref.get("uid") or "0"),
                "GID": str(ref.get("gid") or "0"),
                "Mode": 0o444 if mode is None else int(mode),
            },
            f"{noun.capitalize()}Name": name or scoped(stack, source),
        })  # fmt: skip
    return refs


def _quote(text: str) -> str:
    from dshell.render.formatter import go_quote

    return go_quote(text)


def _duration(value: Any) -> int | None:
    if value is None:
        return None
    from dshell.commands.run_options import parse_duration

    return parse_duration(str(value))


def _mode(deploy: Mapping[str, Any]) -> dict:
    mode = deploy.get("mode") or "replicated"
    replicas = deploy.get("replicas")
    if mode in ("global", "global-job") and replicas is not None:
        raise ComposeError("replicas can only be used with replicated or replicated-job mode")
    if mode == "global":
        return {"Global": {}}
    if mode == "global-job":
        return {"GlobalJob": {}}
    if mode == "replicated-job":
        return {"ReplicatedJob": {"MaxConcurrent": replicas, "TotalCompletions": replicas}}
    if mode == "replicated":
        return {"Replicated": {} if replicas is None else {"Replicas": int(replicas)}}
    raise ComposeError(f"Unknown mode: {mode}")


def _update_config(source: Mapping[str, Any] | None) -> dict | None:
    if source is None:
        return None
    return {
        "Parallelism": int(source.get("parallelism", 1)),
        "Delay": _duration(source.get("delay")) or 0,
        "FailureAction": source.get("failure_action") or "",
        "Monitor": _duration(source.get("monitor")) or 0,
        "MaxFailureRatio": float(source.get("max_failure_ratio") or 0),
        "Order": source.get("order") or "",
    }


def _restart_policy(service: Mapping[str, Any], deploy: Mapping[str, Any]) -> dict | None:
    policy = deploy.get("restart_policy")
    if policy is not None:
        result: dict[str, Any] = {"Condition": policy.get("condition") or ""}
        for key, field in (("delay", "Delay"), ("window", "Window")):
            if policy.get(key) is not None:
                result[field] = _duration(policy[key])
        if policy.get("max_attempts") is not None:
            result["MaxAttempts"] = int(policy["max_attempts"])
        return result
    restart = str(service.get("restart") or "")
    name, _, count = restart.partition(":")
    attempts = int(count) if count.isdigit() and int(count) > 0 else None
    if name in ("", "no"):
        return None
    if name in ("always", "unless-stopped"):
        condition = "any"
    elif name == "on-failure":
        condition = "on-failure"
    else:
        raise ComposeError(
            f"invalid restart policy: unknown policy '{name}' (must be one of 'no', "
            "'always', 'on-failure', or 'unless-stopped')"
        )
    result = {"Condition": condition}
    if attempts is not None:
        result["MaxAttempts"] = attempts
    return result


def _mounts(stack: str, service: Mapping[str, Any], config: Mapping[str, Any]) -> list[dict]:
    declared = config.get("volumes") or {}
    mounts = []
    for volume in service.get("volumes") or []:
        mount: dict[str, Any] = {
            "Type": volume.get("type") or "volume",
            "Target": volume.get("target", ""),
            "ReadOnly": bool(volume.get("read_only")),
        }
        source = volume.get("source") or ""
        if mount["Type"] == "volume" and source:
            if source not in declared:
                raise ComposeError(f"undefined volume {_quote(source)}")
            entry = declared[source] or {}
            if _external(entry):
                source = entry.get("name") or source
            else:
                source = entry.get("name") or scoped(stack, source)
                options: dict[str, Any] = {"Labels": stack_labels(stack, entry.get("labels"))}
                if (volume.get("volume") or {}).get("nocopy"):
                    options["NoCopy"] = True
                if entry.get("driver") or entry.get("driver_opts"):
                    options["DriverConfig"] = {
                        "Name": entry.get("driver") or "",
                        "Options": entry.get("driver_opts") or {},
                    }
                mount["VolumeOptions"] = options
        if source:
            mount["Source"] = source
        mounts.append(mount)
    return mounts


def _ports(service: Mapping[str, Any]) -> list[dict]:
    ports = [
        {
            "Protocol": port.get("protocol") or "",
            "TargetPort": int(port.get("target") or 0),
            "PublishedPort": int(port.get("published") or 0),
            "PublishMode": port.get("mode") or "",
        }
        for port in service.get("ports") or []
    ]
    ports.sort(key=lambda p: (p["PublishedPort"], p["TargetPort"], p["Protocol"]))
    return ports


def _service_networks(stack: str, service: Mapping[str, Any], config: Mapping[str, Any],
                      name: str) -> list[dict]:  # fmt: skip
    declared = config.get("networks") or {}
    attached = service.get("networks") or {DEFAULT_NETWORK: None}
    result = []
    for network, options in attached.items():
        if network not in declared and network != DEFAULT_NETWORK:
            raise ComposeError(f"undefined network {_quote(network)}")
        entry = declared.get(network) or {}
        options = options or {}
        target = entry.get("name") or scoped(stack, network)
        aliases = list(options.get("aliases") or [])
        if target not in ("host", "bridge", "none", "default") and not target.startswith(
            "container:"
        ):
            aliases.append(name)
        attachment: dict[str, Any] = {"Target": target, "Aliases": aliases}
        if options.get("driver_opts"):
            attachment["DriverOpts"] = options["driver_opts"]
        result.append(attachment)
    result.sort(key=lambda a: a["Target"])
    return result


def _healthcheck(check: Mapping[str, Any] | None) -> dict | None:
    if check is None:
        return None
    if check.get("disable"):
        if check.get("test"):
            raise ComposeError("test and disable can't be set at the same time")
        return {"Test": ["NONE"]}
    test = check.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    result: dict[str, Any] = {"Test": test}
    for key, field in (
        ("timeout", "Timeout"),
        ("interval", "Interval"),
        ("start_period", "StartPeriod"),
        ("start_interval", "StartInterval"),
    ):
        result[field] = _duration(check.get(key)) or 0  # fmt: skip
    result["Retries"] = int(check.get("retries") or 0)
    return result


def _environment(env: Mapping[str, str | None] | None) -> list[str]:
    return sorted(k if v is None else f"{k}={v}" for k, v in (env or {}).items())


def service_spec(stack: str, name: str, service: Mapping[str, Any],
                 config: Mapping[str, Any]) -> dict:  # fmt: skip
    """convert.Service: one ServiceSpec (secret and config IDs still to be looked up); a
    refusal names the service as docker's does."""
    try:
        return _service_spec(stack, name, service, config)
    except ComposeError as exc:
        raise ComposeError(f"service {name}: {exc}") from None


def _service_spec(stack: str, name: str, service: Mapping[str, Any],
                  config: Mapping[str, Any]) -> dict:  # fmt: skip
    deploy = service.get("deploy") or {}
    image = service.get("image") or ""
    # Docker's order, so that the first problem is the one it reports.
    secrets = _file_references(stack, service, config, "secrets")
    configs = _file_references(stack, service, config, "configs")
    mode = _mode(deploy)
    mounts = _mounts(stack, service, config)
    resources = _resources(deploy.get("resources") or {})
    policy = _restart_policy(service, deploy)
    healthcheck = _healthcheck(service.get("healthcheck"))
    networks = _service_networks(stack, service, config, name)
    container: dict[str, Any] = {
        "Image": image,
        "Labels": stack_labels(stack, service.get("labels")),
        "Privileges": {"CredentialSpec": None, "SELinuxContext": None},
    }
    optional = {
        "Command": service.get("entrypoint"),
        "Args": service.get("command"),
        "Hostname": service.get("hostname"),
        "Env": _environment(service.get("environment")) or None,
        "Dir": service.get("working_dir"),
        "User": service.get("user"),
        "Mounts": mounts or None,
        "StopGracePeriod": _duration(service.get("stop_grace_period")),
        "StopSignal": service.get("stop_signal"),
        "TTY": bool(service.get("tty")) or None,
        "OpenStdin": bool(service.get("stdin_open")) or None,
        "ReadOnly": bool(service.get("read_only")) or None,
        "Init": service.get("init"),
        "Isolation": service.get("isolation"),
        "Sysctls": {k: _text(v) for k, v in (service.get("sysctls") or {}).items()} or None,
        "Ulimits": _ulimits(service.get("ulimits")) or None,
        "Healthcheck": healthcheck,
        "Secrets": sorted(secrets, key=lambda r: r["SecretName"]) or None,  # fmt: skip
        "Configs": sorted(configs, key=lambda r: r["ConfigName"]) or None,  # fmt: skip
    }
    hosts = [f"{ip} {host}" for host, _, ip in
             (h.partition(":") for h in service.get("extra_hosts") or []) if ip]  # fmt: skip
    optional["Hosts"] = hosts or None
    if service.get("dns") or service.get("dns_search"):
        optional["DNSConfig"] = {
            "Nameservers": _list(service.get("dns")),
            "Search": _list(service.get("dns_search")),
        }
    add, drop = _capabilities(service.get("cap_add") or [], service.get("cap_drop") or [])
    optional["CapabilityAdd"] = add or None
    optional["CapabilityDrop"] = drop or None
    container.update({k: v for k, v in optional.items() if v not in (None, "", [])})
    placement = deploy.get("placement") or {}
    task: dict[str, Any] = {
        "ContainerSpec": container,
        "Resources": resources,
        "Placement": {
            k: v
            for k, v in {
                "Constraints": placement.get("constraints"),
                "Preferences": [
                    {"Spread": {"SpreadDescriptor": p.get("spread", "")}}
                    for p in placement.get("preferences") or []
                ]
                or None,
                "MaxReplicas": placement.get("max_replicas_per_node"),
            }.items()
            if v
        },  # fmt: skip
        "Networks": networks,
    }
    if policy is not None:
        task["RestartPolicy"] = policy
    logging = service.get("logging")
    if logging is not None:
        task["LogDriver"] = {"Name": logging.get("driver", ""), "Options": logging.get("options")}
    labels = stack_labels(stack, deploy.get("labels"))
    labels[LABEL_IMAGE] = image
    spec: dict[str, Any] = {
        "Name": scoped(stack, name),
        "Labels": labels,
        "TaskTemplate": task,
        "Mode": mode,
        "EndpointSpec": {
            "Mode": str(deploy.get("endpoint_mode") or "").lower(),
            "Ports": _ports(service),
        },
    }
    for key, field in (("update_config", "UpdateConfig"), ("rollback_config", "RollbackConfig")):
        converted = _update_config(deploy.get(key))
        if converted is not None:
            spec[field] = converted
    return spec


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _capabilities(add: list[str], drop: list[str]) -> tuple[list[str], list[str]]:
    """opts.EffectiveCapAddCapDrop: normalised names; ALL trumps the rest; adding wins."""

    def normal(names: list[str]) -> set[str]:
        result = set()
        for name in names:
            upper = name.strip().upper()
            if upper in ("ALL", "RESET"):
                result.add(upper)
            elif upper:
                result.add(upper if upper.startswith("CAP_") else "CAP_" + upper)
        return result

    adds, drops = normal(add), normal(drop)
    if "ALL" in adds:
        adds = {"ALL"}
    if "ALL" in drops:
        drops = {"ALL"}
    return (
        sorted(c for c in adds if c != "RESET"),
        sorted(c for c in drops if c not in adds and c != "RESET"),
    )


def _ulimits(limits: Mapping[str, Any] | None) -> list[dict]:
    result = []
    for name, limit in sorted((limits or {}).items()):
        if isinstance(limit, dict):
            soft, hard = int(limit.get("soft") or 0), int(limit.get("hard") or 0)
        else:
            soft = hard = int(limit)
        result.append({"Name": name, "Soft": soft, "Hard": hard})
    return result


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _cpus(parse: Any, value: Any) -> int:
    if value in (None, ""):
        return 0
    try:
        return parse(str(value))
    except ValueError as exc:
        raise ComposeError(str(exc)) from None


def _resources(source: Mapping[str, Any]) -> dict:
    from dshell.commands.run_options import parse_bytes, parse_cpus

    result: dict[str, Any] = {}
    for key, field in (("limits", "Limits"), ("reservations", "Reservations")):
        entry = source.get(key)
        if entry is None:
            continue
        cpus = entry.get("cpus")
        converted: dict[str, Any] = {
            "NanoCPUs": _cpus(parse_cpus, cpus),
            "MemoryBytes": parse_bytes(str(entry["memory"])) if entry.get("memory") else 0,
        }
        if key == "limits" and entry.get("pids"):
            converted["Pids"] = int(entry["pids"])
        result[field] = converted
    return result
