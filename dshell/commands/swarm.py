"""``swarm …``: init, join, join-token, leave, update, unlock, unlock-key, ca (docker/cli's
cli/command/swarm), over ``/swarm``, ``/swarm/init``, ``/swarm/join``, ``/swarm/update``,
``/swarm/unlock``, ``/swarm/unlockkey`` and ``/swarm/leave``."""

from __future__ import annotations

import time
from collections.abc import Iterator

from dshell.commands.base import CommandBase, management
from dshell.commands.declare import Arg, Flag, command
from dshell.commands.parse import NumError, UsageError, go_parse_uint
from dshell.engine.errors import EngineError

SWARM_GROUP = "Swarm Commands"
AVAILABILITIES = ("active", "pause", "drain")
AVAILABILITY_KIND = "choice:active|pause|drain"
DEFAULT_LISTEN_ADDR = "0.0.0.0:2377"
ROTATION_POLL = 0.2

UNLOCK_TEXT = (
    "To unlock a swarm manager after it restarts, run the `docker swarm unlock`\n"
    "command and provide the following key:\n\n    {key}\n\n"
    "Remember to store this key in a password manager, since without it you\n"
    "will not be able to restart the manager.\n"
)


class SwarmError(EngineError):
    """A refusal in docker's words, printed as is (status 1)."""


def swarm_group(words: str, summary: str, usage: str | None = None):  # noqa: ANN201
    """A management command listed under docker's "Swarm Commands" (``swarm``, ``node``,
    ``secret``, ``config``, ``service``, ``stack``)."""
    return management(words, summary, usage, group=SWARM_GROUP)


# --- flag values docker parses itself --------------------------------------------------------


def invalid_flag(opts, long: str, value: str, reason: str) -> UsageError:  # noqa: ANN001
    """pflag's ``invalid argument "V" for "--flag" flag: REASON`` (status 125)."""
    from dshell.render.formatter import go_quote

    flag = opts.command.find_flag(f"--{long}")
    label = f"-{flag.short}, --{long}" if flag is not None and flag.short else f"--{long}"
    return UsageError(f"invalid argument {go_quote(value)} for {go_quote(label)} flag: {reason}",
                      opts.command)  # fmt: skip


def duration_flag(opts, long: str) -> int | None:  # noqa: ANN001
    """A ``duration`` flag in nanoseconds (None when not given)."""
    from dshell.commands.run_options import parse_duration

    if long.replace("-", "_") not in opts.given:
        return None
    value = getattr(opts, long.replace("-", "_"))
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise invalid_flag(opts, long, value, str(exc)) from None


def check_flag_values(opts) -> None:  # noqa: ANN001
    """What pflag checks while parsing, before the command runs: every given value of the
    types docker parses itself (durations, uint32, addresses, CIDRs, external CAs, PEM
    files)."""
    for flag in opts.command.flags:
        if flag.dest not in opts.given:
            continue
        if flag.type == "duration":
            duration_flag(opts, flag.long)
        elif flag.type == "uint32":
            uint_flag(opts, flag.long)
        elif flag.type == "node-addr":
            node_addr(opts, flag.long)
        elif flag.type == "ipNetSlice":
            addr_pools(opts)
        elif flag.type == "external-ca":
            external_cas(opts)
        elif flag.type == "pem-file":
            value = getattr(opts, flag.dest)
            _read_pem(opts, flag.long, value, value)


def uint_flag(opts, long: str, bits: int = 32) -> int | None:  # noqa: ANN001
    """A ``uint32`` flag (pflag's ParseUint with base 0)."""
    dest = long.replace("-", "_")
    value = getattr(opts, dest)
    if value is None or isinstance(value, int):
        return value
    try:
        return go_parse_uint(value, bits)
    except NumError as exc:
        raise invalid_flag(opts, long, value, str(exc)) from None


def node_addr(opts, long: str, default: str = DEFAULT_LISTEN_ADDR) -> str:  # noqa: ANN001
    """docker's NodeAddrOption: ``host[:port]`` or ``tcp://host:port``, the missing parts
    from the default, without ``tcp://``."""
    value = getattr(opts, long.replace("-", "_"))
    if value is None:
        return default
    text = value
    if "://" in text:
        scheme, _, text = text.partition("://")
        if scheme != "tcp":
            raise invalid_flag(opts, long, value, f"invalid proto, expected tcp: {value}")
    default_host, _, default_port = default.rpartition(":")
    host, colon, port = text.rpartition(":")
    if not colon or "]" in port:
        host, port = text, ""
    host = host or default_host
    if port and not port.isdigit():
        raise invalid_flag(
            opts, long, value, f'parse "tcp://{text}": invalid port ":{port}" after host'
        )
    return f"{host}:{port or default_port}"


def addr_pools(opts) -> list[str]:  # noqa: ANN001
    """``--default-addr-pool``: pflag's ipNetSlice (repeatable, each comma-separated)."""
    pools = []
    for value in opts.default_addr_pool:
        for part in value.split(","):
            if not part.strip():
                continue
            try:
                import ipaddress

                network = ipaddress.ip_interface(part.strip()).network
            except ValueError:
                raise invalid_flag(
                    opts,
                    "default-addr-pool",
                    value,
                    f"invalid string being converted to CIDR: {part}",
                ) from None
            pools.append(str(network))
    return pools


def external_cas(opts) -> list[dict] | None:  # noqa: ANN001
    """Each ``--external-ca protocol=cfssl,url=…[,cacert=FILE][,k=v]`` as the API's
    ExternalCA (None when not given)."""
    if "external_ca" not in opts.given:
        return None
    return [_external_ca(opts, text) for text in opts.external_ca]


def _external_ca(opts, text: str) -> dict:  # noqa: ANN001
    import csv

    try:
        fields = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        fields = []
    spec: dict = {"Protocol": "", "URL": "", "Options": {}}
    seen = set()
    for field in fields:
        key, equals, value = field.partition("=")
        if not equals:
            raise invalid_flag(
                opts, "external-ca", text, f"invalid field '{field}' must be a key=value pair"
            )
        lowered = key.lower()
        if lowered == "protocol":
            if value.lower() != "cfssl":
                raise invalid_flag(
                    opts, "external-ca", text, f"unrecognized external CA protocol {value}"
                )
            spec["Protocol"] = "cfssl"
        elif lowered == "url":
            spec["URL"] = value
        elif lowered == "cacert":
            try:
                with open(value, encoding="utf-8", errors="surrogateescape") as handle:
                    contents = handle.read()
            except OSError as exc:
                reason = f"open {value}: {(exc.strerror or '').lower()}"
                raise invalid_flag(
                    opts, "external-ca", text, f"unable to read CA cert for external CA: {reason}"
                ) from None
            if "-----BEGIN " not in contents:
                raise invalid_flag(
                    opts, "external-ca", text, "CA cert for external CA must be in PEM format"
                )
            spec["CACert"] = contents
        else:
            spec["Options"][key] = value
        seen.add(lowered)
    if "protocol" not in seen:
        raise invalid_flag(
            opts, "external-ca", text, "the external-ca option needs a protocol= parameter"
        )
    if "url" not in seen:
        raise invalid_flag(
            opts, "external-ca", text, "the external-ca option needs a url= parameter"
        )
    return spec


def _read_pem(opts, long: str, path: str, shown: str) -> str:  # noqa: ANN001
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            contents = handle.read()
    except OSError as exc:
        raise invalid_flag(opts, long, shown, f"open {path}: {exc.strerror.lower()}") from None
    if "-----BEGIN " not in contents:
        raise invalid_flag(opts, long, shown, "file contents must be in PEM format")
    return contents


# --- the flags, declared once ----------------------------------------------------------------

ADVERTISE_ADDR = Flag("advertise-addr", 'Advertised address (format: "<ip|interface>[:port]")',
                      type="string")  # fmt: skip
AVAILABILITY = Flag("availability", 'Availability of the node ("active", "pause", "drain")',
                    type="string", default="active", kind=AVAILABILITY_KIND)  # fmt: skip
DATA_PATH_ADDR = Flag("data-path-addr", "Address or interface to use for data path traffic "
                      '(format: "<ip|interface>")', type="string", min_api="1.31")  # fmt: skip
LISTEN_ADDR = Flag("listen-addr", 'Listen address (format: "<ip|interface>[:port]")',
                   type="node-addr", default=DEFAULT_LISTEN_ADDR)  # fmt: skip
CERT_EXPIRY = Flag("cert-expiry", "Validity period for node certificates (ns|us|ms|s|m|h)",
                   type="duration", default="2160h0m0s")  # fmt: skip
EXTERNAL_CA = Flag("external-ca", "Specifications of one or more certificate signing endpoints",
                   type="external-ca")  # fmt: skip
SWARM_SPEC_FLAGS = (
    Flag("task-history-limit", "Task history retention limit", type="int", default=5),
    Flag("dispatcher-heartbeat", "Dispatcher heartbeat period (ns|us|ms|s|m|h)",
         type="duration", default="5s"),
    Flag("max-snapshots", "Number of additional Raft snapshots to retain", type="uint",
         min_api="1.25"),
    Flag("snapshot-interval", "Number of log entries between Raft snapshots", type="uint",
         default=10000, min_api="1.25"),
    CERT_EXPIRY,
    EXTERNAL_CA,
)  # fmt: skip


def merge_spec(spec: dict, opts, trust_root: str | None = None) -> dict:  # noqa: ANN001
    """docker's mergeSwarmSpec: the flags given, written over ``spec``."""
    given = opts.given
    if "task_history_limit" in given:
        spec.setdefault("Orchestration", {})["TaskHistoryRetentionLimit"] = opts.task_history_limit
    heartbeat = duration_flag(opts, "dispatcher-heartbeat")
    if heartbeat is not None:
        spec.setdefault("Dispatcher", {})["HeartbeatPeriod"] = heartbeat
    if "max_snapshots" in given:
        spec.setdefault("Raft", {})["KeepOldSnapshots"] = opts.max_snapshots
    if "snapshot_interval" in given:
        spec.setdefault("Raft", {})["SnapshotInterval"] = opts.snapshot_interval
    if "autolock" in given:
        spec.setdefault("EncryptionConfig", {})["AutoLockManagers"] = opts.autolock
    merge_ca_spec(spec, opts, trust_root)
    return spec


def merge_ca_spec(spec: dict, opts, trust_root: str | None) -> None:  # noqa: ANN001
    expiry = duration_flag(opts, "cert-expiry")
    if expiry is not None:
        spec.setdefault("CAConfig", {})["NodeCertExpiry"] = expiry
    cas = external_cas(opts)
    if cas is not None:
        if trust_root is not None:
            for ca in cas:
                ca.setdefault("CACert", trust_root)
        spec.setdefault("CAConfig", {})["ExternalCAs"] = cas


def _availability(opts) -> str:  # noqa: ANN001
    if "availability" not in opts.given:
        return ""
    value = opts.availability.lower()
    if value not in AVAILABILITIES:
        raise SwarmError(
            f'invalid availability "{opts.availability}", only active, pause and '
            "drain are supported"
        )
    return value


class SwarmCommands(CommandBase):
    cmd_swarm = swarm_group("swarm", "Manage Swarm")

    def swarm_run(self, action, opts=None) -> int:  # noqa: ANN001
        """Run ``action`` after checking ``opts``' flag values as pflag would (a refusal, like
        any usage error or Engine error, is printed by ``session.cmd`` in docker's words)."""
        if opts is not None:
            check_flag_values(opts)
        return action() or 0

    def print_swarm_inspect(
        self,
        references: list[str],
        fmt: str | None,
        get_raw,  # noqa: ANN001
        kind: str,
    ) -> int:
        """``node``/``secret``/``config inspect``: JSON as every inspect prints it; a template
        runs as docker runs it, on the typed object first (times print as Go's), then, if
        that fails, on the raw JSON with missingkey=error (secrets and configs: docker keeps
        no raw JSON of a node)."""
        import json

        from dshell.render import gotemplate
        from dshell.render.swarm import typed

        if not fmt or fmt == "json":
            return self.print_inspect(references, fmt, get_raw)
        try:
            template = gotemplate.parse(fmt)
            strict = gotemplate.parse(fmt).option("missingkey=error")
        except gotemplate.TemplateError as exc:
            # These commands wrap every error in a StatusError of 1 (not inspect's 64).
            self.err(f"template parsing error: {exc}")
            return 1
        chunks, errors = [], []
        for reference in references:
            try:
                data = json.loads(get_raw(reference))
            except EngineError as exc:
                errors.append(str(exc))
                continue
            try:
                chunks.append(template.execute(typed(data, kind)) + "\n")
            except gotemplate.TemplateError as exc:
                if kind == "node":  # docker has no raw JSON of a node to fall back on
                    errors.append(f"template parsing error: {exc}")
                    continue
                try:
                    chunks.append(strict.execute(data) + "\n")
                except gotemplate.TemplateError as exc:
                    errors.append(f"template parsing error: {exc}")
        self.stdout.write("".join(chunks) or "\n")
        self.stdout.flush()
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    def swarm_inspect(self) -> dict:
        return self.client.get_json("/swarm") or {}

    def swarm_update(self, swarm: dict, spec: dict, **rotate: bool) -> None:
        params = {"version": (swarm.get("Version") or {}).get("Index", 0)}
        for name in ("rotateWorkerToken", "rotateManagerToken", "rotateManagerUnlockKey"):
            params[name] = "true" if rotate.get(name) else "false"
        self.client.request("POST", "/swarm/update", params=params, json_body=spec)

    def unlock_key(self) -> str:
        try:
            answer = self.client.get_json("/swarm/unlockkey") or {}
        except EngineError as exc:
            raise SwarmError(f"could not fetch unlock key: {exc}") from None
        return answer.get("UnlockKey") or ""

    def print_join_command(self, node_id: str, worker: bool, manager: bool) -> None:
        """docker's printJoinCommand: the ``docker swarm join`` line for each role asked."""
        from dshell.engine.urls import quote

        node = self.client.get_json(f"/nodes/{quote(node_id, safe='')}") or {}
        tokens = self.swarm_inspect().get("JoinTokens") or {}
        status = node.get("ManagerStatus")
        if not status:
            return
        for role, wanted in (("worker", worker), ("manager", manager)):
            if wanted:
                self.out(f"To add a {role} to this swarm, run the following command:\n\n"
                         f"    docker swarm join --token {tokens.get(role.title(), '')} "
                         f"{status.get('Addr', '')}\n")  # fmt: skip

    @command(
        "Initialize a swarm",
        usage="[OPTIONS]",
        flags=[
            ADVERTISE_ADDR,
            Flag("autolock", "Enable manager autolocking (requiring an unlock key to start a "
                 "stopped manager)"),
            AVAILABILITY,
            DATA_PATH_ADDR,
            Flag("data-path-port", "Port number to use for data path traffic (1024 - 49151). "
                 "If no value is set or is set to 0, the default port (4789) is used.",
                 type="uint32", min_api="1.40"),
            Flag("default-addr-pool", "default address pool in CIDR format", type="ipNetSlice",
                 shown_default="[]", min_api="1.39"),
            Flag("default-addr-pool-mask-length", "default address pool subnet mask length",
                 type="uint32", default=24, min_api="1.39"),
            Flag("force-new-cluster", "Force create a new cluster from current state"),
            LISTEN_ADDR,
            *SWARM_SPEC_FLAGS,
        ],
    )  # fmt: skip
    def cmd_swarm_init(self, opts) -> int:  # noqa: ANN001
        def run() -> int:
            body = {
                "ListenAddr": node_addr(opts, "listen-addr"),
                "AdvertiseAddr": opts.advertise_addr or "",
                "DataPathAddr": opts.data_path_addr or "",
                "DataPathPort": uint_flag(opts, "data-path-port") or 0,
                "DefaultAddrPool": addr_pools(opts),
                "ForceNewCluster": opts.force_new_cluster,
                "Spec": merge_spec({}, opts),
                "AutoLockManagers": opts.autolock,
                "Availability": _availability(opts),
                "SubnetSize": uint_flag(opts, "default-addr-pool-mask-length"),
            }
            try:
                node_id = self.client.post_json("/swarm/init", body=body)
            except EngineError as exc:
                text = str(exc)
                if (
                    "could not choose an IP address to advertise" in text
                    or "could not find the system's IP address" in text
                ):
                    raise SwarmError(f"{text} - specify one with --advertise-addr") from None
                raise
            self.out(f"Swarm initialized: current node ({node_id}) is now a manager.\n")
            self.print_join_command(str(node_id), worker=True, manager=False)
            self.out(
                "To add a manager to this swarm, run 'docker swarm join-token manager' "
                "and follow the instructions."
            )
            if opts.autolock:
                key = self.unlock_key()
                if key:
                    self.stdout.write(UNLOCK_TEXT.format(key=key))
            return 0

        return self.swarm_run(run, opts)

    @command(
        "Join a swarm as a node and/or manager",
        usage="[OPTIONS] HOST:PORT",
        flags=[
            ADVERTISE_ADDR,
            AVAILABILITY,
            DATA_PATH_ADDR,
            LISTEN_ADDR,
            Flag("token", "Token for entry into the swarm", type="string"),
        ],
        args=[Arg("HOST:PORT")],
    )  # fmt: skip
    def cmd_swarm_join(self, opts) -> int:  # noqa: ANN001
        def run() -> int:
            body = {
                "ListenAddr": node_addr(opts, "listen-addr"),
                "AdvertiseAddr": opts.advertise_addr or "",
                "DataPathAddr": opts.data_path_addr or "",
                "RemoteAddrs": [opts.args[0]],
                "JoinToken": opts.token or "",
                "Availability": _availability(opts),
            }
            self.client.post_json("/swarm/join", body=body)
            info = self.client.get_json("/info") or {}
            role = "manager" if (info.get("Swarm") or {}).get("ControlAvailable") else "worker"
            self.out(f"This node joined a swarm as a {role}.")
            return 0

        return self.swarm_run(run, opts)

    @command(
        "Manage join tokens",
        name="swarm join-token",
        usage="[OPTIONS] (worker|manager)",
        flags=[
            Flag("quiet", "Only display token", short="q"),
            Flag("rotate", "Rotate join token"),
        ],
        args=[Arg("ROLE", kind="choice:worker|manager")],
        swarm="manager",
    )  # fmt: skip
    def cmd_swarm_join_token(self, opts) -> int:  # noqa: ANN001
        def run() -> int:
            role = opts.args[0]
            worker, manager = role == "worker", role == "manager"
            if not (worker or manager):
                raise SwarmError(f"unknown role {role}")
            if opts.rotate:
                swarm = self.swarm_inspect()
                self.swarm_update(
                    swarm,
                    swarm.get("Spec") or {},
                    rotateWorkerToken=worker,
                    rotateManagerToken=manager,
                )
                if not opts.quiet:
                    self.out(f"Successfully rotated {role} join token.\n")
            tokens = self.swarm_inspect().get("JoinTokens") or {}
            if opts.quiet:
                self.out(tokens.get("Worker" if worker else "Manager", ""))
                return 0
            info = self.client.get_json("/info") or {}
            self.print_join_command((info.get("Swarm") or {}).get("NodeID", ""), worker, manager)
            return 0

        return self.swarm_run(run, opts)

    @command(
        "Leave the swarm",
        usage="[OPTIONS]",
        flags=[Flag("force", "Force this node to leave the swarm, ignoring warnings", short="f")],
        swarm="active",
    )
    def cmd_swarm_leave(self, opts) -> int:  # noqa: ANN001
        def run() -> int:
            force = "true" if opts.force else "false"
            self.client.request("POST", "/swarm/leave", params={"force": force})
            self.out("Node left the swarm.")
            return 0

        return self.swarm_run(run, opts)

    @command(
        "Update the swarm",
        usage="[OPTIONS]",
        flags=[
            Flag("autolock", "Change manager autolocking setting (true|false)"),
            *SWARM_SPEC_FLAGS,
        ],
        swarm="manager",
    )  # fmt: skip
    def cmd_swarm_update(self, opts) -> int:  # noqa: ANN001
        if not opts.given:
            self.print_help(opts.command)
            return 0

        def run() -> int:
            swarm = self.swarm_inspect()
            spec = swarm.get("Spec") or {}
            previous = bool((spec.get("EncryptionConfig") or {}).get("AutoLockManagers"))
            trust_root = ((swarm.get("ClusterInfo") or swarm).get("TLSInfo") or {}).get(
                "TrustRoot", ""
            )
            merge_spec(spec, opts, trust_root)
            current = bool((spec.get("EncryptionConfig") or {}).get("AutoLockManagers"))
            self.swarm_update(swarm, spec)
            self.out("Swarm updated.")
            if current and not previous:
                self.stdout.write(UNLOCK_TEXT.format(key=self.unlock_key()))
            return 0

        return self.swarm_run(run, opts)

    @command("Unlock swarm", usage="", swarm="manager")
    def cmd_swarm_unlock(self, opts) -> int:  # noqa: ANN001
        def run() -> int:
            info = self.client.get_json("/info") or {}
            state = (info.get("Swarm") or {}).get("LocalNodeState", "")
            if state == "inactive":
                raise SwarmError("Error: This node is not part of a swarm")
            if state != "locked":
                raise SwarmError("Error: swarm is not locked")
            key = self._read_unlock_key("Enter unlock key: ")
            self.client.post_json("/swarm/unlock", body={"UnlockKey": key})
            return 0

        return self.swarm_run(run, opts)

    def _read_unlock_key(self, prompt: str) -> str:
        """docker's readKey: a password prompt on a terminal, else the first line of stdin."""
        if self.stdin.is_terminal:
            self.stdout.flush()
            try:
                import getpass

                return getpass.getpass(prompt)
            except EOFError:
                return ""
        handle = self.stdin.handle
        return (handle.readline() or "").strip()

    @command(
        "Manage the unlock key",
        name="swarm unlock-key",
        usage="[OPTIONS]",
        flags=[
            Flag("quiet", "Only display token", short="q"),
            Flag("rotate", "Rotate unlock key"),
        ],
        swarm="manager",
    )  # fmt: skip
    def cmd_swarm_unlock_key(self, opts) -> int:  # noqa: ANN001
        def run() -> int:
            if opts.rotate:
                swarm = self.swarm_inspect()
                spec = swarm.get("Spec") or {}
                if not (spec.get("EncryptionConfig") or {}).get("AutoLockManagers"):
                    raise SwarmError("cannot rotate because autolock is not turned on")
                self.swarm_update(swarm, spec, rotateManagerUnlockKey=True)
                if not opts.quiet:
                    self.out("Successfully rotated manager unlock key.")
            key = self.unlock_key()
            if not key:
                raise SwarmError("no unlock key is set")
            if opts.quiet:
                self.out(key)
            else:
                self.stdout.write(UNLOCK_TEXT.format(key=key))
            return 0

        return self.swarm_run(run, opts)

    @command(
        "Display and rotate the root CA",
        usage="[OPTIONS]",
        flags=[
            Flag("ca-cert", "Path to the PEM-formatted root CA certificate to use for the new "
                 "cluster", type="pem-file", kind="path"),
            Flag("ca-key", "Path to the PEM-formatted root CA key to use for the new cluster",
                 type="pem-file", kind="path"),
            CERT_EXPIRY,
            Flag("detach", "Exit immediately instead of waiting for the root rotation to "
                 "converge", short="d"),
            EXTERNAL_CA,
            Flag("quiet", "Suppress progress output", short="q"),
            Flag("rotate", "Rotate the swarm CA - if no certificate or key are provided, new "
                 "ones will be generated"),
        ],
        swarm="manager",
    )  # fmt: skip
    def cmd_swarm_ca(self, opts) -> int:  # noqa: ANN001
        def run() -> int:
            ca_cert = (
                _read_pem(opts, "ca-cert", opts.ca_cert, opts.ca_cert)
                if opts.ca_cert is not None
                else ""
            )
            ca_key = (
                _read_pem(opts, "ca-key", opts.ca_key, opts.ca_key)
                if opts.ca_key is not None
                else ""
            )
            cas = external_cas(opts)
            swarm = self.swarm_inspect()
            if not opts.rotate:
                for name in ("ca-cert", "ca-key", "cert-expiry", "external-ca"):
                    if name.replace("-", "_") in opts.given:
                        raise SwarmError(
                            f"`--{name}` flag requires the `--rotate` flag to update the CA"
                        )
                return self._print_trust_root(swarm)
            if cas and "ca_cert" not in opts.given:
                raise SwarmError(
                    "rotating to an external CA requires the `--ca-cert` flag to "
                    "specify the external CA's cert - to add an external CA with "
                    "the current root CA certificate, use the `update` command "
                    "instead"
                )
            if "ca_cert" in opts.given and not cas and "ca_key" not in opts.given:
                raise SwarmError(
                    "the --ca-cert flag requires that a --ca-key flag and/or "
                    "--external-ca flag be provided as well"
                )
            spec = swarm.get("Spec") or {}
            merge_ca_spec(spec, opts, ca_cert)
            config = spec.setdefault("CAConfig", {})
            config["SigningCACert"], config["SigningCAKey"] = ca_cert, ca_key
            if not ca_cert and not ca_key:
                config["ForceRotate"] = int(config.get("ForceRotate") or 0) + 1
            self.swarm_update(swarm, spec)
            if opts.detach:
                return 0
            self._follow_root_rotation(opts.quiet)
            if opts.quiet:
                return 0
            return self._print_trust_root(self.swarm_inspect())

        return self.swarm_run(run, opts)

    def _print_trust_root(self, swarm: dict) -> int:
        root = ((swarm.get("ClusterInfo") or swarm).get("TLSInfo") or {}).get("TrustRoot", "")
        if not root:
            raise SwarmError("No CA information available")
        self.out(root.strip())
        return 0

    def _follow_root_rotation(self, quiet: bool) -> None:
        """docker's RootRotationProgress shown by its JSON-message display: the desired root's
        digest and two bars (nodes with the new certificate, nodes trusting the new root),
        polled every 200 ms until every node has both."""
        from dshell.render.progress import display_json_messages, terminal_width

        messages = self._root_rotation_messages()
        if quiet:
            for _ in messages:
                pass
            return
        terminal = self.stdout.is_terminal
        try:
            display_json_messages(messages, self.stdout, is_terminal=terminal,
                                  width=lambda: terminal_width(self.stdout.fd),
                                  flush=self.stdout.flush)  # fmt: skip
        except KeyboardInterrupt:
            self.out("Operation continuing in background.")
            self.out("Use `swarmctl cluster inspect default` to check progress.")

    def _root_rotation_messages(self) -> Iterator[dict]:
        certs, roots = "  rotated TLS certificates", "  rotated CA certificates"
        yield {"id": "desired root digest", "status": "", "progressDetail": {}}
        yield {"id": certs, "status": "", "progressDetail": {}}
        yield {"id": roots, "status": " ", "progressDetail": {}}
        done = False
        while True:
            swarm = self.swarm_inspect()
            if done:
                return
            nodes = self.client.get_json("/nodes") or []
            info = swarm.get("ClusterInfo") or swarm
            tls = info.get("TLSInfo") or {}
            in_progress = bool(info.get("RootRotationInProgress"))
            import hashlib

            digest = "sha256:" + hashlib.sha256((tls.get("TrustRoot") or "").encode()).hexdigest()
            yield {"id": "desired root digest", "status": digest, "progressDetail": {}}
            certs_right = roots_right = 0
            for node in nodes:
                node_tls = (node.get("Description") or {}).get("TLSInfo") or {}
                if node_tls.get("CertIssuerPublicKey") == tls.get(
                    "CertIssuerPublicKey"
                ) and node_tls.get("CertIssuerSubject") == tls.get("CertIssuerSubject"):
                    certs_right += 1
                if node_tls.get("TrustRoot") == tls.get("TrustRoot"):
                    roots_right += 1
            total = len(nodes)
            yield _node_progress(certs, "", certs_right, total)
            if certs_right == total and not in_progress:
                yield _node_progress(roots, " ", roots_right, total)
                done = roots_right == total
            else:
                yield _node_progress(roots, " ", 0, total)
            time.sleep(ROTATION_POLL)


def _node_progress(ident: str, action: str, current: int, total: int) -> dict:
    """streamformatter's FormatProgress for a count of nodes."""
    from dshell.render.progress import progress_string

    detail = {"current": current, "total": total, "units": "nodes"} if current or total else {}
    message = {"id": ident, "status": action, "progressDetail": detail}
    text = progress_string(detail) if detail else ""
    if text:
        message["progress"] = text
    return message
