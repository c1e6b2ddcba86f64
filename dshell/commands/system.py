"""version, info, and the generic inspect."""

from __future__ import annotations

from dshell.commands.base import CommandBase, management
from dshell.commands.declare import FORMAT_HELP_NO_TABLE, Arg, Flag, command
from dshell.commands.inspecting import ObjectNotFound, TemplateParseError, inspect_references
from dshell.engine.client import NEWEST_API_VERSION
from dshell.engine.errors import APIError, EngineError, NotFound

INSPECT_TYPES = (
    "config", "container", "image", "network", "node", "plugin", "secret", "service", "task",
    "volume",
)  # fmt: skip


class SystemCommands(CommandBase):
    cmd_system = management("system", "Manage Docker")

    @command(
        "Show the Docker version information",
        flags=[Flag("format", FORMAT_HELP_NO_TABLE, short="f", type="string", kind="format")],
        group="Common Commands",
    )
    def cmd_version(self, opts) -> int:  # noqa: ANN001
        from dshell.render import gotemplate
        from dshell.render.version import render_version, version_data

        server, error = None, None
        try:
            server = self.client.get_json("/version")
            api_version = self.client.api_version
        except EngineError as exc:
            error = exc
            api_version = self.client.pinned_version or NEWEST_API_VERSION
        data = version_data(
            server,
            api_version=api_version,
            default_api_version=NEWEST_API_VERSION,
            context=self.endpoint.context,
        )
        try:
            self.stdout.write(render_version(data, opts.format))
        except gotemplate.TemplateError as exc:
            return self.template_error(exc)
        if error is not None:
            self.err(str(error))
            return 1
        return 0

    @command(
        "Display system-wide information",
        flags=[Flag("format", FORMAT_HELP_NO_TABLE, short="f", type="string", kind="format")],
        aliases=["system info"],
        group="Common Commands",
    )
    def cmd_info(self, opts) -> int:  # noqa: ANN001
        from dshell.render import gotemplate
        from dshell.render.info import info_client, render_info

        info, error = None, None
        try:
            info = self.client.get_json("/info")
        except EngineError as exc:
            error = exc
        client = info_client(
            context=self.endpoint.context,
            debug=bool(getattr(self, "debug", False)),
            default_api_version=NEWEST_API_VERSION,
        )
        try:
            out, err = render_info(info, client, opts.format, username=self.config.index_username)
        except gotemplate.TemplateError as exc:
            return self.template_error(exc)
        self.stdout.write(out)
        self.stderr.write(err)
        if error is not None:
            self.err(str(error))
            return 1
        return 0

    def template_error(self, exc: Exception) -> int:
        """version/info: what docker printed before the failure, the message, its status."""
        self.stdout.write(getattr(exc, "output", ""))
        self.err(str(exc))
        return getattr(exc, "exit_status", 1)

    @command(
        "Return low-level information on Docker objects",
        flags=[
            Flag("format", FORMAT_HELP_NO_TABLE, short="f", type="string", kind="format"),
            Flag("size", "Display total file sizes if the type is container", short="s"),
            Flag("type", "Only inspect objects of the given type", type="string",
                 kind="choice:" + "|".join(INSPECT_TYPES)),
        ],
        args=[Arg("NAME|ID", kind="object", many=True)],
    )  # fmt: skip
    def cmd_inspect(self, opts) -> int:  # noqa: ANN001
        if opts.type and opts.type not in INSPECT_TYPES:
            quoted = ", ".join(f'"{t}"' for t in INSPECT_TYPES)
            self.err(f'unknown type: "{opts.type}": must be one of {quoted}')
            return 1
        if opts.size and opts.type and opts.type != "container":
            self.err(f"WARNING: --size ignored for {opts.type}")
        getter = self._typed_getter(opts.type, opts.size) if opts.type else self._any_getter(
            opts.size
        )
        return self.print_inspect(opts.args, opts.format, getter)

    def print_inspect(self, references: list[str], fmt: str | None, getter) -> int:  # noqa: ANN001
        """Shared by every ``X inspect``: docker's output, errors and statuses."""
        try:
            out, errors = inspect_references(references, fmt, getter)
        except TemplateParseError as exc:
            self.err(str(exc))
            return 64
        self.stdout.write(out)
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    def raw_getter(self, kind: str, size: bool = False):  # noqa: ANN201
        """A function fetching one object of ``kind`` as the daemon's raw JSON."""
        from urllib.parse import quote

        paths = {
            "container": ("/containers/{}/json", {"size": size}),
            "image": ("/images/{}/json", None),
            "network": ("/networks/{}", None),
            "volume": ("/volumes/{}", None),
            "plugin": ("/plugins/{}/json", None),
            "config": ("/configs/{}", None),
            "secret": ("/secrets/{}", None),
            "service": ("/services/{}", None),
            "task": ("/tasks/{}", None),
            "node": ("/nodes/{}", None),
        }
        template, params = paths[kind]

        def get(reference: str) -> bytes:
            return self.client.get_raw(template.format(quote(reference, safe="")), params)

        return get

    def _typed_getter(self, kind: str, size: bool):  # noqa: ANN202
        return self.raw_getter(kind, size)

    def _any_getter(self, size: bool):  # noqa: ANN202
        """Try each type in docker's order; swarm types only on a swarm manager."""
        kinds = ["container", "image", "network", "volume", "plugin"]

        def get(reference: str) -> bytes:
            for kind in kinds:
                try:
                    return self.raw_getter(kind, size and kind == "container")(reference)
                except APIError as exc:
                    if isinstance(exc, NotFound) or exc.status == 400:
                        continue
                    raise
            raise ObjectNotFound(reference)

        return get
