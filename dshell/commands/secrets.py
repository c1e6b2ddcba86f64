"""``secret …`` and ``config …``: create, inspect, ls, rm (docker/cli's cli/command/secret and
cli/command/config), over ``/secrets`` and ``/configs``. A secret's data goes to the daemon
and is never printed."""

from __future__ import annotations

import base64
import json
from typing import IO

from dshell.commands.base import CommandBase, filters_param, key_values, path_segment
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.commands.swarm import SwarmError, invalid_flag, swarm_group

MAX_SECRET_SIZE = 500 * 1024
MAX_CONFIG_SIZE = 1000 * 1024


def _label_flag(noun: str) -> Flag:
    return Flag("label", f"{noun} labels", short="l", type="list")


class SecretCommands(CommandBase):
    cmd_secret = swarm_group("secret", "Manage Swarm secrets")
    cmd_config = swarm_group("config", "Manage Swarm configs")

    def read_object_data(self, source: str, limit: int) -> bytes:
        """docker's readSecretData/readConfigData: ``-`` is the session's standard input
        (what a ``<`` redirection feeds), anything else a local file; empty is refused."""
        if source == "-":
            stream = self._secret_stdin()
            try:
                data = stream.read(limit)
            except OSError as exc:
                raise SwarmError(f"error reading from STDIN: {exc.strerror}") from None
            if not data:
                raise SwarmError("error reading from STDIN: data is empty")
            return data
        try:
            with open(source, "rb") as handle:
                data = handle.read(limit)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise SwarmError(f"error reading from {source}: open {source}: {reason}") from None
        if not data:
            raise SwarmError(f"error reading from {source}: data is empty")
        return data

    def _secret_stdin(self) -> IO[bytes]:
        handle = self.stdin.handle
        buffer = getattr(handle, "buffer", None)
        if buffer is not None:
            return buffer
        text = handle.read()
        import io

        return io.BytesIO(text.encode("utf-8", errors="surrogateescape"))

    def create_object(self, kind: str, spec: dict) -> int:
        answer = self.client.post_json(f"/{kind}s/create", body=spec) or {}
        self.out(answer.get("ID", ""))
        return 0

    def list_objects(self, opts, kind: str) -> int:  # noqa: ANN001
        from dshell.render.swarm import (
            DEFAULT_CONFIG_TABLE_FORMAT,
            DEFAULT_SECRET_TABLE_FORMAT,
            render_secrets,
            secret_format,
        )

        objects = self.client.get_json(f"/{kind}s", {"filters": filters_param(opts.filter)})
        secrets = kind == "secret"
        configured = str(self.config.get("secretFormat" if secrets else "configFormat") or "")
        table = DEFAULT_SECRET_TABLE_FORMAT if secrets else DEFAULT_CONFIG_TABLE_FORMAT
        fmt = secret_format(opts.format, configured, opts.quiet, table)
        self.stdout.write(render_secrets(objects or [], fmt, secrets))
        return 0

    def inspect_objects(self, opts, kind: str) -> int:  # noqa: ANN001
        from dshell.render.swarm import PRETTY_FORMAT_KEY, pretty_config, pretty_secret

        fmt = PRETTY_FORMAT_KEY if opts.pretty else opts.format
        if fmt != PRETTY_FORMAT_KEY:
            if fmt and fmt.startswith(PRETTY_FORMAT_KEY):
                self.err("cannot supply extra formatting options to the pretty template")
                return 1

            def get(reference: str) -> bytes:
                return self.client.get_raw(f"/{kind}s/{path_segment(reference)}")

            return self.print_swarm_inspect(opts.args, fmt, get, kind)
        show = pretty_secret if kind == "secret" else pretty_config

        def get_object(reference: str) -> dict:
            return json.loads(self.client.get_raw(f"/{kind}s/{path_segment(reference)}"))

        return self.print_pretty_nodes(opts.args, get_object, show)

    def remove_objects(self, names: list[str], kind: str) -> int:
        def remove(name: str) -> None:
            self.client.request("DELETE", f"/{kind}s/{path_segment(name)}")

        return self.for_each(names, remove)

    def _labels(self, opts) -> dict[str, str] | None:  # noqa: ANN001
        """``--label`` as docker's ValidateLabel lets it through (a usage error otherwise)."""
        for label in opts.label:
            if not label.partition("=")[0].strip():
                raise invalid_flag(opts, "label", label, f"invalid label '{label}': empty name")
        return key_values(opts.label)

    # -- secret ----------------------------------------------------------------------------
    @command(
        "Create a secret from a file or STDIN as content",
        usage="[OPTIONS] SECRET [file|-]",
        flags=[
            Flag("driver", "Secret driver", short="d", type="string", min_api="1.31"),
            _label_flag("Secret"),
            Flag("template-driver", "Template driver", type="string", min_api="1.37"),
        ],
        args=[Arg("SECRET"), Arg("file|-", kind="path", optional=True)],
    )  # fmt: skip
    def cmd_secret_create(self, opts) -> int:  # noqa: ANN001
        name = opts.args[0]
        source = opts.args[1] if len(opts.args) > 1 else ""
        labels = self._labels(opts)
        try:
            data = b""
            if opts.driver:
                if source:
                    raise SwarmError("When using secret driver secret data must be empty")
            elif not source:
                raise SwarmError("secret file is required")
            else:
                data = self.read_object_data(source, 2 * MAX_SECRET_SIZE)
        except SwarmError as exc:
            self.err(str(exc))
            return 1
        spec: dict = {
            "Name": name,
            "Labels": labels,
            "Data": base64.b64encode(data).decode() if data else None,
        }
        if opts.driver:
            spec["Driver"] = {"Name": opts.driver}
        if opts.template_driver:
            spec["Templating"] = {"Name": opts.template_driver}
        return self.create_object("secret", {k: v for k, v in spec.items() if v is not None})

    @command(
        "Display detailed information on one or more secrets",
        flags=[
            INSPECT_FORMAT_FLAG,
            Flag("pretty", "Print the information in a human friendly format"),
        ],
        args=[Arg("SECRET", kind="secret", many=True)],
    )  # fmt: skip
    def cmd_secret_inspect(self, opts) -> int:  # noqa: ANN001
        return self.inspect_objects(opts, "secret")

    @command(
        "List secrets",
        aliases=["secret list"],
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:secret"),
            Flag("format", FORMAT_HELP, type="string", kind="format:secret"),
            Flag("quiet", "Only display IDs", short="q"),
        ],
    )  # fmt: skip
    def cmd_secret_ls(self, opts) -> int:  # noqa: ANN001
        return self.list_objects(opts, "secret")

    @command(
        "Remove one or more secrets",
        aliases=["secret remove"],
        args=[Arg("SECRET", kind="secret", many=True)],
    )
    def cmd_secret_rm(self, opts) -> int:  # noqa: ANN001
        return self.remove_objects(opts.args, "secret")

    # -- config ----------------------------------------------------------------------------
    @command(
        "Create a config from a file or STDIN",
        usage="[OPTIONS] CONFIG file|-",
        flags=[
            _label_flag("Config"),
            Flag("template-driver", "Template driver", type="string", min_api="1.37"),
        ],
        args=[Arg("CONFIG"), Arg("file|-", kind="path")],
    )  # fmt: skip
    def cmd_config_create(self, opts) -> int:  # noqa: ANN001
        name, source = opts.args
        labels = self._labels(opts)
        try:
            data = self.read_object_data(source, 2 * MAX_CONFIG_SIZE) if source else b""
            if not source:
                raise SwarmError("config file is required")
        except SwarmError as exc:
            self.err(f'Error reading content from "{source}": {exc}')
            return 1
        spec: dict = {"Name": name, "Labels": labels, "Data": base64.b64encode(data).decode()}
        if opts.template_driver:
            spec["Templating"] = {"Name": opts.template_driver}
        return self.create_object("config", spec)

    @command(
        "Display detailed information on one or more configs",
        flags=[
            INSPECT_FORMAT_FLAG,
            Flag("pretty", "Print the information in a human friendly format"),
        ],
        args=[Arg("CONFIG", kind="config", many=True)],
    )  # fmt: skip
    def cmd_config_inspect(self, opts) -> int:  # noqa: ANN001
        return self.inspect_objects(opts, "config")

    @command(
        "List configs",
        aliases=["config list"],
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:config"),
            Flag("format", FORMAT_HELP, type="string", kind="format:config"),
            Flag("quiet", "Only display IDs", short="q"),
        ],
    )  # fmt: skip
    def cmd_config_ls(self, opts) -> int:  # noqa: ANN001
        return self.list_objects(opts, "config")

    @command(
        "Remove one or more configs",
        aliases=["config remove"],
        args=[Arg("CONFIG", kind="config", many=True)],
    )
    def cmd_config_rm(self, opts) -> int:  # noqa: ANN001
        return self.remove_objects(opts.args, "config")
