"""``plugin …``: the Engine's managed plugins (docker/cli's cli/command/plugin), over
``/plugins``: list, inspect, create from a directory, enable/disable, set, remove, and the
registry side (push, install, upgrade) with docker's privilege prompt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dshell.commands.base import CommandBase, filters_param, management
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.engine.errors import EngineError
from dshell.engine.urls import quote
from dshell.records import replace

if TYPE_CHECKING:
    from dshell.render.images import Reference

GRANT_FLAG = Flag("grant-all-permissions", "Grant all permissions necessary to run the plugin")
VERIFY_FLAG = Flag("disable-content-trust", "Skip image verification", default=True)
PLUGIN_CONFIG_TYPE = "types.PluginConfig"
#: docker's annotation on the plugin command (API 1.25), repeated on each subcommand so that
#: the refusal names the command typed, as areSubcommandsSupported's walk up to it does.
MIN_API = "1.25"


class PluginError(EngineError):
    """A plugin command that cannot go on; ``str()`` is docker's message."""


def plugin_path(name: str, action: str = "") -> str:
    """``/plugins/NAME[/action]`` as docker's client builds it: the name trimmed (empty is
    refused before any request, as its trimID does), sent as typed (``/`` and ``:`` stay)."""
    trimmed = name.strip()
    if not trimmed:
        raise PluginError("invalid plugin name or ID: value is empty")
    return f"/plugins/{quote(trimmed, safe='/:')}" + (f"/{action}" if action else "")


def go_list(values: object) -> str:
    """Go's ``%v`` of a ``[]string``: ``[a b]`` (``[]`` for nil)."""
    items = values if isinstance(values, list) else [] if values is None else [values]
    return "[" + " ".join(str(v) for v in items) + "]"


def _parse_named(text: str) -> Reference:
    from dshell.engine.references import parse_reference

    return parse_reference(text)


def _tagged(ref: Reference) -> Reference:
    from dshell.engine.references import with_default_tag

    return with_default_tag(ref)


def _annotated_group():  # noqa: ANN202
    run = management("plugin", "Manage plugins")
    run.__command__ = replace(run.__command__, min_api=MIN_API)
    return run


class PluginCommands(CommandBase):
    cmd_plugin = _annotated_group()

    # -- ls / inspect -----------------------------------------------------------------------
    @command(
        "List plugins",
        min_api=MIN_API,
        aliases=["plugin list"],
        flags=[
            Flag("filter", 'Provide filter values (e.g. "enabled=true")', short="f",
                 type="filter", kind="filter:plugin"),
            Flag("format", FORMAT_HELP, type="string", kind="format:plugin"),
            Flag("no-trunc", "Don't truncate output"),
            Flag("quiet", "Only display plugin IDs", short="q"),
        ],
    )  # fmt: skip
    def cmd_plugin_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.plugins import plugin_format, render_plugins

        plugins = self.client.get_json("/plugins", {"filters": filters_param(opts.filter)})
        configured = str(self.config.get("pluginsFormat") or "")
        fmt = plugin_format(opts.format, configured, opts.quiet)
        self.stdout.write(render_plugins(plugins or [], fmt, trunc=not opts.no_trunc))
        return 0

    @command(
        "Display detailed information on one or more plugins",
        min_api=MIN_API,
        flags=[INSPECT_FORMAT_FLAG],
        args=[Arg("PLUGIN", kind="engine-plugin", many=True)],
    )
    def cmd_plugin_inspect(self, opts) -> int:  # noqa: ANN001
        def get(name: str) -> bytes:
            return self.client.get_raw(plugin_path(name, "json"))

        return self.print_inspect(opts.args, opts.format, get, "plugin")

    # -- create -----------------------------------------------------------------------------
    @command(
        "Create a plugin from a rootfs and configuration. Plugin data directory must contain "
        "config.json and rootfs directory.",
        min_api=MIN_API,
        usage="[OPTIONS] PLUGIN PLUGIN-DATA-DIR",
        flags=[Flag("compress", "Compress the context using gzip")],
        args=[Arg("PLUGIN"), Arg("PLUGIN-DATA-DIR", kind="path")],
        args_rule="RequiresMinArgs(2)",
    )
    def cmd_plugin_create(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.plugin_archive import stream_directory

        name, context = opts.args[0], opts.args[1]
        _parse_named(name)
        directory = _context_dir(context)
        _check_config(context)
        body: Iterator[bytes] = stream_directory(directory, self._plugin_log_error)
        if opts.compress:
            body = _gzipped(body)
        self.client.request("POST", "/plugins/create", params={"name": name}, data=body,
                            headers={"Content-Type": "application/x-tar"}).close()  # fmt: skip
        self.out(name)
        return 0

    def _plugin_log_error(self, message: str) -> None:
        """What docker's archive package logs (at error level) while it makes the tar."""
        from dshell.engine.archive import logrus_line

        self.stdout.flush()
        self.err(logrus_line("error", message))

    # -- enable / disable / set / rm --------------------------------------------------------
    @command(
        "Enable a plugin",
        min_api=MIN_API,
        flags=[Flag("timeout", "HTTP client timeout (in seconds)", type="int", default=30)],
        args=[Arg("PLUGIN", kind="engine-plugin:disabled")],
    )
    def cmd_plugin_enable(self, opts) -> int:  # noqa: ANN001
        name = opts.args[0]
        if opts.timeout < 0:
            raise PluginError(f"negative timeout {opts.timeout} is invalid")
        self._plugin_enable(name, opts.timeout)
        self.out(name)
        return 0

    def _plugin_enable(self, name: str, timeout: int) -> None:
        # The daemon waits for the plugin's socket up to about 13 s before it answers.
        self.client.request("POST", plugin_path(name, "enable"), params={"timeout": str(timeout)},
                            timeout=max(timeout, 0) + 60).close()  # fmt: skip

    @command(
        "Disable a plugin",
        min_api=MIN_API,
        flags=[Flag("force", "Force the disable of an active plugin", short="f")],
        args=[Arg("PLUGIN", kind="engine-plugin:enabled")],
    )
    def cmd_plugin_disable(self, opts) -> int:  # noqa: ANN001
        name = opts.args[0]
        self.client.request("POST", plugin_path(name, "disable"),
                            params={"force": "1" if opts.force else None}).close()  # fmt: skip
        self.out(name)
        return 0

    @command(
        "Change settings for a plugin",
        min_api=MIN_API,
        usage="PLUGIN KEY=VALUE [KEY=VALUE...]",
        args=[Arg("PLUGIN", kind="engine-plugin"), Arg("KEY=VALUE", many=True)],
    )
    def cmd_plugin_set(self, opts) -> int:  # noqa: ANN001
        self._plugin_set(opts.args[0], opts.args[1:])
        return 0

    def _plugin_set(self, name: str, settings: list[str]) -> None:
        self.client.request("POST", plugin_path(name, "set"), json_body=settings).close()

    @command(
        "Remove one or more plugins",
        min_api=MIN_API,
        aliases=["plugin remove"],
        flags=[Flag("force", "Force the removal of an active plugin", short="f")],
        args=[Arg("PLUGIN", kind="engine-plugin", many=True)],
    )
    def cmd_plugin_rm(self, opts) -> int:  # noqa: ANN001
        def remove(name: str) -> None:
            self.client.request("DELETE", plugin_path(name),
                                params={"force": "1" if opts.force else None}).close()  # fmt: skip

        return self.for_each(opts.args, remove)

    # -- push / install / upgrade -----------------------------------------------------------
    @command(
        "Push a plugin to a registry",
        min_api=MIN_API,
        usage="[OPTIONS] PLUGIN[:TAG]",
        flags=[Flag("disable-content-trust", "Skip image signing", default=True)],
        args=[Arg("PLUGIN[:TAG]", kind="engine-plugin")],
    )
    def cmd_plugin_push(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.auth import auth_header_for_domain

        typed = opts.args[0]
        named = _parse_named(typed)
        if named.digest:
            raise PluginError(f"invalid name: {typed}")
        named = _tagged(named)
        headers = {"X-Registry-Auth": auth_header_for_domain(self.config, named.domain)}
        response = self.client.request("POST", plugin_path(named.familiar_string(), "push"),
                                       headers=headers, stream=True)  # fmt: skip
        if self.content_trust_wanted(opts):
            # cli/trust.PushTrustedReference: the pushed tag's digest signed afterwards
            pushed: list[dict] = []
            self.show_progress(response, self.stdout, aux=pushed.append)
            return self.sign_pushed(named, pushed)
        self.show_progress(response, self.stdout)
        return 0

    @command(
        "Install a plugin",
        min_api=MIN_API,
        usage="[OPTIONS] PLUGIN [KEY=VALUE...]",
        flags=[
            Flag("alias", "Local name for plugin", type="string"),
            Flag("disable", "Do not enable the plugin on install"),
            VERIFY_FLAG,
            GRANT_FLAG,
        ],
        args=[Arg("PLUGIN"), Arg("KEY=VALUE", many=True, optional=True)],
    )
    def cmd_plugin_install(self, opts) -> int:  # noqa: ANN001
        typed, settings = opts.args[0], opts.args[1:]
        local = ""
        if opts.alias:
            alias = _parse_named(opts.alias)
            if alias.digest:
                raise PluginError(f"invalid name: {opts.alias}")
            local = _tagged(alias).familiar_string()
        remote, headers = self._plugin_pull_config(typed, opts)
        privileges = self._plugin_privileges(remote, typed, opts.grant_all_permissions, headers)
        if privileges is None:
            return 0
        try:
            response = self.client.request(
                "POST", "/plugins/pull", params={"remote": remote, "name": local or None},
                json_body=privileges, headers=headers, stream=True)  # fmt: skip
        except EngineError as exc:
            if "(image) when fetching" in str(exc):
                raise PluginError(f'{exc} - Use "docker image pull"') from None
            raise
        name = response.headers.get("Docker-Plugin-Name", "")
        self.show_progress(response, self.stdout)
        if settings:
            self._plugin_set(name, settings)
        if not opts.disable:
            self._plugin_enable(name, 0)
        self.out(f"Installed plugin {typed}")
        return 0

    @command(
        "Upgrade an existing plugin",
        min_api="1.26",
        usage="[OPTIONS] PLUGIN [REMOTE]",
        flags=[
            VERIFY_FLAG,
            GRANT_FLAG,
            Flag("skip-remote-check", "Do not check if specified remote plugin matches "
                 "existing plugin image"),
        ],
        args=[Arg("PLUGIN", kind="engine-plugin"), Arg("REMOTE", optional=True)],
    )  # fmt: skip
    def cmd_plugin_upgrade(self, opts) -> int:  # noqa: ANN001
        import json

        from dshell.engine.references import InvalidReference, full_string

        try:
            plugin = json.loads(self.client.get_raw(plugin_path(opts.args[0], "json")))
        except EngineError as exc:
            raise PluginError(f"error reading plugin data: {exc}") from None
        if plugin.get("Enabled"):
            raise PluginError("the plugin must be disabled before upgrading")
        local = str(plugin.get("Name") or "")
        current = str(plugin.get("PluginReference") or "")
        typed = opts.args[1] if len(opts.args) > 1 else current
        try:
            remote = _tagged(_parse_named(typed))
        except InvalidReference as exc:
            raise PluginError(f"error parsing remote upgrade image reference: {exc}") from None
        try:
            old = _tagged(_parse_named(current))
        except InvalidReference as exc:
            raise PluginError(f"error parsing current image reference: {exc}") from None
        self.out(f"Upgrading plugin {local} from {old.familiar_string()} to "
                 f"{remote.familiar_string()}")  # fmt: skip
        if not opts.skip_remote_check and full_string(remote) != full_string(old):
            if not self._plugin_confirm("Plugin images do not match, are you sure?"):
                # docker's cancelledErr: its main prints nothing and exits 0
                return 0
        pull_ref, headers = self._plugin_pull_config(typed, opts)
        privileges = self._plugin_privileges(pull_ref, typed, opts.grant_all_permissions, headers)
        if privileges is None:
            return 0
        try:
            response = self.client.request(
                "POST", plugin_path(local, "upgrade"), params={"remote": pull_ref},
                json_body=privileges, headers=headers, stream=True)  # fmt: skip
        except EngineError as exc:
            if "target is image" in str(exc):
                raise PluginError(f"{exc} - Use `docker image pull`") from None
            raise
        self.show_progress(response, self.stdout)
        self.out(f"Upgraded plugin {local} to {typed}")
        return 0

    def _plugin_pull_config(self, typed: str, opts) -> tuple[str, dict[str, str]]:  # noqa: ANN001
        """docker's buildPullConfig: the remote as the daemon gets it (the full name, no
        default tag added; under content trust, a tag pinned to the digest notary signed for
        it) and the registry's credentials."""
        from dshell.engine.auth import auth_header_for_domain
        from dshell.engine.references import full_string

        ref = _parse_named(typed)
        remote = full_string(ref)
        if not ref.digest and self.content_trust_wanted(opts):
            remote = self.trusted_reference(_tagged(ref)).familiar_string()
        return remote, {"X-Registry-Auth": auth_header_for_domain(self.config, ref.domain)}

    def _plugin_privileges(
        self, remote: str, shown: str, grant_all: bool, headers: dict[str, str]
    ) -> list | None:
        """``GET /plugins/privileges`` and docker's prompt for them, unless granted up front;
        what the daemon asked for is what the pull then accepts. None: the question was
        interrupted (docker's cancelled prompt: the command ends, status 0)."""
        from dshell.render.formatter import go_quote

        privileges = self.client.request(
            "GET", "/plugins/privileges", params={"remote": remote}, headers=headers
        ).json()
        if grant_all or not privileges:
            return privileges or []
        self.out(f"Plugin {go_quote(shown)} is requesting the following privileges:")
        for privilege in privileges:
            self.out(f" - {privilege.get('Name', '')}: {go_list(privilege.get('Value'))}")
        agreed = self._plugin_confirm("Do you grant the above permissions?")
        if agreed is None:
            return None
        if not agreed:
            raise PluginError(f"permission denied while installing plugin {remote}")
        return privileges

    def _plugin_confirm(self, question: str) -> bool | None:
        """docker's prompt.Confirm: ``question [y/N] ``, one line, only y/Y agree (end of
        input is a no). Ctrl-C cancels it: a newline, and None."""
        self.stdout.write(f"{question} [y/N] ")
        self.stdout.flush()
        try:
            answer = self.stdin.handle.readline()
        except KeyboardInterrupt:
            self.out()
            self.stdout.flush()
            return None
        except (OSError, ValueError):
            return False
        return answer.strip().lower() == "y"


def _context_dir(context: str) -> str:
    """docker's validateContextDir: the absolute directory, or its error."""
    import stat

    from dshell.engine.archive import go_clean, go_join, path_error

    absolute = go_clean(context) if context.startswith("/") else go_join(_getwd(), context)
    try:
        st = os.lstat(absolute)
    except OSError as exc:
        raise PluginError(path_error("lstat", absolute, exc)) from None
    if not stat.S_ISDIR(st.st_mode):
        raise PluginError("context must be a directory")
    return absolute


def _getwd() -> str:
    """Go's os.Getwd: $PWD when it names the current directory (a path through a symlink
    stays as the user's shell spells it), else the physical path."""
    pwd = os.environ.get("PWD", "")
    try:
        if pwd.startswith("/") and os.path.samefile(pwd, "."):
            return pwd
    except OSError:
        pass
    return os.getcwd()


def _check_config(context: str) -> None:
    """docker's validateConfig: ``config.json`` decodes (its first value) into a
    ``types.PluginConfig``; Go's error otherwise."""
    from dshell.engine.archive import go_join, path_error
    from dshell.engine.config import _EOF, GoJSONError, _scan_stream, go_decode

    path = go_join(context, "config.json")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise PluginError(path_error("open", path, exc)) from None
    try:
        value = _scan_stream(data)
    except _EOF:
        raise PluginError("EOF") from None
    except GoJSONError as exc:
        raise PluginError(str(exc)) from None
    _, error = go_decode(value, _plugin_config_type())
    if error is not None:
        raise PluginError(str(error))


def _plugin_config_type():  # noqa: ANN202 - an engine.config.GoType
    """moby's ``types.PluginConfig`` for Go's decoder: unsigned numbers and the interface
    types (which decode themselves) are taken as they come."""
    from dshell.engine.config import GO_BOOL, GO_RAW, GO_STRING, GoType, go_slice, go_struct

    strings = go_slice(GO_STRING)
    number = GoType("uint32", "any")
    settable = ("Settable", strings)
    return go_struct(
        PLUGIN_CONFIG_TYPE,
        ("Args", go_struct("types.PluginConfigArgs", ("Description", GO_STRING),
                           ("Name", GO_STRING), settable, ("Value", strings))),
        ("Description", GO_STRING),
        ("DockerVersion", GO_STRING),
        ("Documentation", GO_STRING),
        ("Entrypoint", strings),
        ("Env", go_slice(go_struct("types.PluginEnv", ("Description", GO_STRING),
                                   ("Name", GO_STRING), settable, ("Value", GO_STRING)))),
        ("Interface", go_struct("types.PluginConfigInterface", ("ProtocolScheme", GO_STRING),
                                ("Socket", GO_STRING), ("Types", go_slice(GO_RAW)))),
        ("IpcHost", GO_BOOL),
        ("Linux", go_struct("types.PluginConfigLinux", ("AllowAllDevices", GO_BOOL),
                            ("Capabilities", strings),
                            ("Devices", go_slice(go_struct(
                                "types.PluginDevice", ("Description", GO_STRING),
                                ("Name", GO_STRING), ("Path", GO_STRING), settable))))),
        ("Mounts", go_slice(go_struct("types.PluginMount", ("Description", GO_STRING),
                                      ("Destination", GO_STRING), ("Name", GO_STRING),
                                      ("Options", strings), settable, ("Source", GO_STRING),
                                      ("Type", GO_STRING)))),
        ("Network", go_struct("types.PluginConfigNetwork", ("Type", GO_STRING))),
        ("PidHost", GO_BOOL),
        ("PropagatedMount", GO_STRING),
        ("User", go_struct("types.PluginConfigUser", ("GID", number), ("UID", number))),
        ("WorkDir", GO_STRING),
        ("rootfs", go_struct("types.PluginConfigRootfs", ("diff_ids", strings),
                             ("type", GO_STRING))),
    )  # fmt: skip


def _gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``--compress``: the tar as one gzip stream."""
    import zlib

    packer = zlib.compressobj(wbits=31)
    for chunk in chunks:
        packed = packer.compress(chunk)
        if packed:
            yield packed
    yield packer.flush()
