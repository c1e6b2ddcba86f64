"""``network …``: list, create, inspect, remove, connect, disconnect, prune."""

from __future__ import annotations

import ipaddress

from dshell.commands.base import CommandBase, filters_param, key_values, management
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.commands.pruning import confirm, deleted_list, prune_filters
from dshell.engine.errors import EngineError, NotFound
from dshell.engine.urls import quote

PRUNE_WARNING = (
    "WARNING! This will remove all custom networks not used by at least one container.\n"
    "Are you sure you want to continue?"
)


class CreateError(EngineError):
    """A network definition docker refuses before asking the daemon."""


class NetworkCommands(CommandBase):
    cmd_network = management("network", "Manage networks")

    @command(
        "List networks",
        aliases=["network list"],
        flags=[
            Flag("filter", 'Provide filter values (e.g. "driver=bridge")', short="f",
                 type="filter", kind="filter:network"),
            Flag("format", FORMAT_HELP, type="string", kind="format:network"),
            Flag("no-trunc", "Do not truncate the output"),
            Flag("quiet", "Only display network IDs", short="q"),
        ],
    )  # fmt: skip
    def cmd_network_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.networks import network_format, render_networks

        networks = self.client.get_json("/networks", {"filters": filters_param(opts.filter)})
        fmt = network_format(opts.format, str(self.config.get("networksFormat") or ""),
                             opts.quiet)
        self.stdout.write(render_networks(networks, fmt, trunc=not opts.no_trunc))
        return 0

    @command(
        "Create a network",
        flags=[
            Flag("attachable", "Enable manual container attachment"),
            Flag("aux-address", "Auxiliary IPv4 or IPv6 addresses used by Network driver",
                 type="map", shown_default="map[]"),
            Flag("config-from", "The network from which to copy the configuration",
                 type="string", kind="network"),
            Flag("config-only", "Create a configuration only network"),
            Flag("driver", "Driver to manage the Network", short="d", type="string",
                 default="bridge", kind="choice:bridge|host|ipvlan|macvlan|null|overlay"),
            Flag("gateway", "IPv4 or IPv6 Gateway for the master subnet", type="stringSlice"),
            Flag("ingress", "Create swarm routing-mesh network"),
            Flag("internal", "Restrict external access to the network"),
            Flag("ip-range", "Allocate container ip from a sub-range", type="stringSlice"),
            Flag("ipam-driver", "IP Address Management Driver", type="string",
                 default="default"),
            Flag("ipam-opt", "Set IPAM driver specific options", type="map",
                 shown_default="map[]"),
            Flag("ipv4", "Enable or disable IPv4 address assignment", default=True),
            Flag("ipv6", "Enable or disable IPv6 address assignment"),
            Flag("label", "Set metadata on a network", type="list"),
            Flag("opt", "Set driver specific options", short="o", type="map",
                 shown_default="map[]"),
            Flag("scope", "Control the network's scope", type="string",
                 kind="choice:local|swarm|global"),
            Flag("subnet", "Subnet in CIDR format that represents a network segment",
                 type="stringSlice"),
        ],
        args=[Arg("NETWORK")],
    )  # fmt: skip
    def cmd_network_create(self, opts) -> int:  # noqa: ANN001
        try:
            ipam = ipam_config(
                _split(opts.subnet), _split(opts.ip_range), _split(opts.gateway),
                key_values(opts.aux_address),
            )
        except CreateError as exc:
            self.err(str(exc))
            return 1
        for label in opts.label:
            if not label.partition("=")[0].strip():
                self.err(f'invalid argument "{label}" for "--label" flag: '
                         f"invalid label '{label}': empty name")
                return 125
        body = {
            "Name": opts.args[0],
            "CheckDuplicate": True,
            "Driver": opts.driver,
            "Scope": opts.scope or "",
            "EnableIPv6": opts.ipv6,
            "IPAM": {"Driver": opts.ipam_driver, "Config": ipam,
                     "Options": key_values(opts.ipam_opt)},
            "Internal": opts.internal,
            "Attachable": opts.attachable,
            "Ingress": opts.ingress,
            "ConfigOnly": opts.config_only,
            "Options": key_values(opts.opt),
            "Labels": key_values(opts.label),
        }
        if "ipv4" in opts.given:
            body["EnableIPv4"] = opts.ipv4
        if opts.config_from:
            body["ConfigFrom"] = {"Network": opts.config_from}
        created = self.client.post_json("/networks/create", body=body) or {}
        self.out(created.get("Id", ""))
        return 0

    @command(
        "Display detailed information on one or more networks",
        flags=[
            INSPECT_FORMAT_FLAG,
            Flag("verbose", "Verbose output for diagnostics", short="v"),
        ],
        args=[Arg("NETWORK", kind="network", many=True)],
    )  # fmt: skip
    def cmd_network_inspect(self, opts) -> int:  # noqa: ANN001
        params = {"verbose": opts.verbose}

        def get(reference: str) -> bytes:
            return self.client.get_raw(f"/networks/{quote(reference, safe='')}", params)

        return self.print_inspect(opts.args, opts.format, get, "network")

    @command(
        "Remove one or more networks",
        aliases=["network remove"],
        usage="NETWORK [NETWORK...]",
        flags=[Flag("force", "Do not error if the network does not exist", short="f")],
        args=[Arg("NETWORK", kind="network", many=True)],
    )
    def cmd_network_rm(self, opts) -> int:  # noqa: ANN001
        status = 0
        for name in opts.args:
            try:
                self.client.request("DELETE", f"/networks/{quote(name, safe='')}")
            except NotFound as exc:
                if opts.force:
                    continue
                self.err(str(exc))
                status = 1
                continue
            except EngineError as exc:
                self.err(str(exc))
                status = 1
                continue
            self.out(name)
        if status:
            self.err(f"exit status {status}")
        return status

    @command(
        "Connect a container to a network",
        flags=[
            Flag("alias", "Add network-scoped alias for the container", type="stringSlice"),
            Flag("driver-opt", "driver options for the network", type="stringSlice"),
            Flag("gw-priority", "Highest gw-priority provides the default gateway. Accepts "
                 "positive and negative values.", type="int", default=0),
            Flag("ip", "IPv4 address (e.g., \"172.30.100.104\")", type="string"),
            Flag("ip6", "IPv6 address (e.g., \"2001:db8::33\")", type="string"),
            Flag("link", "Add link to another container", type="list"),
            Flag("link-local-ip", "Add a link-local address for the container",
                 type="stringSlice"),
        ],
        args=[Arg("NETWORK", kind="network"), Arg("CONTAINER", kind="container:all")],
    )  # fmt: skip
    def cmd_network_connect(self, opts) -> int:  # noqa: ANN001
        network, container = opts.args
        endpoint = {
            "IPAMConfig": endpoint_addresses(opts) or None,
            "Links": opts.link or None,
            "Aliases": _split(opts.alias) or None,
            "DriverOpts": key_values(_split(opts.driver_opt)) or None,
        }
        if opts.gw_priority:
            endpoint["GwPriority"] = opts.gw_priority
        body = {"Container": container,
                "EndpointConfig": {k: v for k, v in endpoint.items() if v is not None}}
        self.client.post_json(f"/networks/{quote(network, safe='')}/connect", body=body)
        return 0

    @command(
        "Disconnect a container from a network",
        flags=[Flag("force", "Force the container to disconnect from a network", short="f")],
        args=[Arg("NETWORK", kind="network"), Arg("CONTAINER", kind="container:all")],
    )
    def cmd_network_disconnect(self, opts) -> int:  # noqa: ANN001
        network, container = opts.args
        body = {"Container": container, "Force": opts.force}
        self.client.post_json(f"/networks/{quote(network, safe='')}/disconnect", body=body)
        return 0

    @command(
        "Remove all unused networks",
        flags=[
            Flag("filter", 'Provide filter values (e.g. "until=<timestamp>")', type="filter",
                 kind="filter:network"),
            Flag("force", "Do not prompt for confirmation", short="f"),
        ],
    )  # fmt: skip
    def cmd_network_prune(self, opts) -> int:  # noqa: ANN001
        if not opts.force and not confirm(self.stdin, self.stdout, PRUNE_WARNING):
            return 0
        output = self.prune_networks(opts.filter)
        if output:
            self.out(output)
        return 0

    def prune_networks(self, filters: list[str]) -> str:
        """``POST /networks/prune``; the "Deleted Networks:" report ("" if none)."""
        merged = prune_filters(filters, self.config.get("pruneFilters"))
        report = self.client.post_json("/networks/prune",
                                       params={"filters": filters_param(merged)}) or {}
        return deleted_list("Deleted Networks", report.get("NetworksDeleted"))


def _split(values: list[str]) -> list[str]:
    """pflag's stringSlice: every value may hold several, comma-separated."""
    return [part for value in values for part in value.split(",") if part != ""]


def endpoint_addresses(opts) -> dict:  # noqa: ANN001
    """An endpoint's ``IPAMConfig`` from ``--ip``, ``--ip6`` and ``--link-local-ip`` (the
    flags ``run``/``create`` and ``network connect`` share); empty when none was given."""
    ipam: dict = {}
    if opts.ip:
        ipam["IPv4Address"] = opts.ip
    if opts.ip6:
        ipam["IPv6Address"] = opts.ip6
    if opts.link_local_ip:
        declared = opts.command.find_flag("--link-local-ip")
        ipam["LinkLocalIPs"] = _split(opts.link_local_ip) if declared.type == "stringSlice" \
            else list(opts.link_local_ip)
    return ipam


def _subnet_matches(subnet: str, data: str) -> bool:
    """docker's subnetMatches: is the address of ``data`` inside ``subnet``? Only a subnet
    that is compared with something is ever parsed (a lone bad --subnet is the daemon's
    error, as in docker)."""
    try:
        network = ipaddress.ip_network(subnet, strict=False)
    except ValueError:
        raise CreateError(f"invalid subnet: invalid CIDR address: {subnet}") from None
    if "/" in data:
        try:
            ip = ipaddress.ip_interface(data).ip
        except ValueError:
            raise CreateError(f"invalid CIDR address: {data}") from None
    else:
        try:
            ip = ipaddress.ip_address(data)
        except ValueError:
            return False  # Go's net.ParseIP gives nil, which no subnet contains
    return ip.version == network.version and ip in network


def ipam_config(subnets: list[str], ranges: list[str], gateways: list[str],
                aux: dict[str, str]) -> list[dict]:
    """docker's ``createIPAMConfig``: one entry per subnet with its range, gateway and
    auxiliary addresses, refusing what docker refuses before calling the daemon."""
    if len(subnets) < len(ranges) or len(subnets) < len(gateways):
        raise CreateError("every ip-range or gateway must have a corresponding subnet")
    entries: dict[str, dict] = {}
    for subnet in subnets:
        for other in entries:
            if _subnet_matches(subnet, other) or _subnet_matches(other, subnet):
                raise CreateError("multiple overlapping subnet configuration is not supported")
        entries[subnet] = {"Subnet": subnet}

    def owner(address: str) -> list[str]:
        return [subnet for subnet in entries if _subnet_matches(subnet, address)]

    def assign(values: list[str], key: str, noun: str, preposition: str) -> None:
        """Each range (gateway) to its subnet; a subnet takes one at most."""
        for value in values:
            matches = owner(value)
            if not matches:
                raise CreateError(f"no matching subnet for {noun} {value}")
            for subnet in matches:
                if key in entries[subnet]:
                    raise CreateError(f"cannot configure multiple {noun}s ({value}, "
                                      f"{entries[subnet][key]}) {preposition} the same subnet "
                                      f"({subnet})")
                entries[subnet][key] = value

    assign(ranges, "IPRange", "range", "on")
    assign(gateways, "Gateway", "gateway", "for")
    for key, address in aux.items():
        matches = owner(address)
        if not matches:
            raise CreateError(f"no matching subnet for aux-address {address}")
        for subnet in matches:
            entries[subnet].setdefault("AuxiliaryAddresses", {})[key] = address
    return list(entries.values())
