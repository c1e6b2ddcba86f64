"""``context …``: docker's context store, and switching the session's engine live."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

from dshell.commands.base import CommandBase, management
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.engine.context_store import (
    DEFAULT_CONTEXT,
    ContextPanic,
    ContextStore,
    ContextStoreError,
    StoredContext,
    set_current_context,
    validate_name,
)
from dshell.engine.errors import EngineError

DEFAULT_DESCRIPTION = "Current DOCKER_HOST based configuration"
IN_MEMORY = "<IN MEMORY>"
DOCKER_HOST_WARNING = (
    "Warning: DOCKER_HOST environment variable overrides the active context. To use a "
    "context, either set the global --context flag, or unset DOCKER_HOST environment variable."
)
DOCKER_KEYS = ("from", "host", "ca", "cert", "key", "skip-tls-verify")
ENDPOINT_FLAGS = (
    Flag("description", "Description of the context", type="string"),
    Flag("docker", "set the docker endpoint", type="stringToString", kind="context-endpoint",
         shown_default="[]"),
)


def _endpoint_help(verb: str) -> str:
    """docker's long description of ``context create``/``update``."""
    rows = (("NAME", "DESCRIPTION"),
            ("from", "Copy named context's Docker endpoint configuration"),
            ("host", "Docker endpoint on which to connect"),
            ("ca", "Trust certs signed only by this CA"),
            ("cert", "Path to TLS certificate file"),
            ("key", "Path to TLS key file"),
            ("skip-tls-verify", "Skip TLS certificate validation"))  # fmt: skip
    table = "".join(f"{name.ljust(20)}{text}\n" for name, text in rows)
    return (f"{verb.capitalize()} a context\n\nDocker endpoint config:\n\n{table}\nExample:\n\n"
            f'$ docker context {verb} my-context --description "some description" --docker '
            '"host=tcp://myserver:2376,ca=~/ca-file,cert=~/cert-file,key=~/key-file"\n')


class ContextCommands(CommandBase):
    cmd_context = management("context", "Manage contexts")

    # -- helpers -------------------------------------------------------------------------
    @property
    def context_store(self) -> ContextStore:
        return ContextStore(self.config_directory)

    def current_context_name(self) -> str:
        """docker's ``CurrentContext``: --context, then -H/DOCKER_HOST (default), then
        DOCKER_CONTEXT, then config.json, then ``default``."""
        connection = self.connection
        if connection.context:
            return connection.context
        if connection.hosts or os.environ.get("DOCKER_HOST"):
            return DEFAULT_CONTEXT
        return os.environ.get("DOCKER_CONTEXT") or self.config.current_context or DEFAULT_CONTEXT

    def default_context(self) -> StoredContext:
        """The in-memory ``default`` context: -H or DOCKER_HOST and the TLS flags."""
        from dshell.engine.endpoint import _tls_from_flags, parse_host

        tls = _tls_from_flags(self.connection, self.config_directory, os.environ)
        value = self.connection.hosts[-1] if self.connection.hosts else os.environ.get(
            "DOCKER_HOST", "")
        host, _, _ = parse_host(value, tls is not None)
        files = {}
        if tls is not None:
            for name, path in (("ca.pem", tls.ca_file), ("cert.pem", tls.cert_file),
                               ("key.pem", tls.key_file)):
                if path:
                    files[name] = Path(path).read_bytes()
        endpoint = {"Host": host, "SkipTLSVerify": bool(tls is not None and not tls.verify)}
        return StoredContext(DEFAULT_CONTEXT, {}, {"docker": endpoint},
                             {"docker": files} if files else {})

    def load_any_context(self, name: str) -> StoredContext:
        if name == DEFAULT_CONTEXT:
            return self.default_context()
        return self.context_store.load(name)

    # -- commands ------------------------------------------------------------------------
    @command(
        "List contexts",
        aliases=["context list"],
        flags=[
            Flag("format", FORMAT_HELP, type="string", kind="format:context"),
            Flag("quiet", "Only show context names", short="q"),
        ],
    )  # fmt: skip
    def cmd_context_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.contexts import ClientContext, context_format, render_contexts

        current = self.current_context_name()
        store = self.context_store
        try:
            stored_contexts = store.list()  # one meta.json that does not read fails it all
        except ContextPanic as exc:
            return self.context_panic(exc)
        except ContextStoreError as exc:
            self.err(str(exc))
            return 1
        default = self.default_context()
        rows = [ClientContext(DEFAULT_CONTEXT, DEFAULT_DESCRIPTION,
                              default.docker_endpoint.get("Host", ""),
                              current == DEFAULT_CONTEXT)]
        for stored in stored_contexts:
            error = stored.docker_endpoint_error
            rows.append(ClientContext(stored.name, stored.description,
                                      "" if error else stored.docker_endpoint["Host"],
                                      stored.name == current, error))
        if not any(row.current for row in rows):
            error = ""
            try:
                store.load(current)
            except ContextStoreError as exc:
                error = str(exc)
            rows.append(ClientContext(current, current=True, error=error))
        self.stdout.write(render_contexts(rows, context_format(opts.format, opts.quiet)))
        if os.environ.get("DOCKER_HOST"):
            self.err(DOCKER_HOST_WARNING)
        return 0

    @command("Print the name of the current context")
    def cmd_context_show(self, opts) -> int:  # noqa: ANN001
        self.out(self.current_context_name())
        return 0

    @command(
        "Display detailed information on one or more contexts",
        flags=[INSPECT_FORMAT_FLAG],
        args=[Arg("CONTEXT", kind="context", many=True, optional=True)],
        usage="[OPTIONS] [CONTEXT] [CONTEXT...]",
    )
    def cmd_context_inspect(self, opts) -> int:  # noqa: ANN001
        from dshell.render import gojson

        names = opts.args or [self.current_context_name()]
        if opts.format and opts.format != "json":
            return self._inspect_with_template(names, opts.format)

        def get(name: str) -> bytes:
            try:
                context = self.load_any_context(name)
            except ContextPanic:
                raise
            except ContextStoreError as exc:
                raise EngineError(str(exc)) from None
            return gojson.dumps(self._inspect_data(name, context), escape_html=True).encode()

        try:
            return self.print_inspect(names, opts.format, get)
        except ContextPanic as exc:
            return self.context_panic(exc)

    def context_panic(self, exc: ContextPanic) -> int:
        """Where docker's CLI panics on a context's metadata: its first line, status 2, and
        nothing else printed (docker dies there with a goroutine dump)."""
        self.err(str(exc))
        return 2

    def _inspect_with_template(self, names: list[str], fmt: str) -> int:
        """docker runs the template on its typed context (no raw-JSON fallback, so missingkey
        stays default); errors are collected per name as print_inspect does."""
        from dshell.render import gotemplate
        from dshell.render.contexts import inspected_context

        try:
            template = gotemplate.parse(fmt)
        except gotemplate.TemplateError as exc:
            self.err(f"template parsing error: {exc}")
            return 64
        chunks, errors = [], []
        store = self.context_store
        for name in names:
            try:
                context = self.load_any_context(name)
                storage = (IN_MEMORY, IN_MEMORY) if name == DEFAULT_CONTEXT else (
                    str(store.meta_dir(name)), str(store.tls_dir(name)))
                chunks.append(template.execute(inspected_context(
                    context.name, None if context.metadata_nil else context.metadata,
                    context.endpoints, context.tls, storage)) + "\n")
            except ContextPanic as exc:
                return self.context_panic(exc)
            except ContextStoreError as exc:
                errors.append(str(exc))
            except gotemplate.TemplateError as exc:
                errors.append(f"template parsing error: {exc}")
        self.stdout.write("".join(chunks) or "\n")
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    def _inspect_data(self, ref: str, context: StoredContext) -> dict:
        """docker's contextWithTLSListing for ``ref`` as JSON: store.Metadata's fields are
        omitempty (a nil Metadata, no Endpoints, an empty Name are left out), a null
        endpoint stays null, Storage is where ``ref`` lives."""
        metadata = {}
        if context.description:
            metadata["Description"] = context.description
        metadata.update(sorted((k, v) for k, v in context.metadata.items()
                               if k != "Description"))
        endpoints = {}
        for key, value in sorted(context.endpoints.items()):
            if key == "docker" and value is not None:
                value = dict(value)
                shaped = {"Host": value["Host"]} if value.get("Host") else {}
                shaped["SkipTLSVerify"] = bool(value.get("SkipTLSVerify"))
                value = shaped
            endpoints[key] = value
        in_memory = ref == DEFAULT_CONTEXT
        store = self.context_store
        data: dict = {"Name": context.name} if context.name else {}
        if not context.metadata_nil:
            data["Metadata"] = metadata
        if endpoints:
            data["Endpoints"] = endpoints
        data["TLSMaterial"] = {ep: sorted(files) for ep, files in sorted(context.tls.items())}
        data["Storage"] = {
            "MetadataPath": IN_MEMORY if in_memory else str(store.meta_dir(ref)),
            "TLSPath": IN_MEMORY if in_memory else str(store.tls_dir(ref)),
        }
        return data

    @command(
        "Create a context",
        description=_endpoint_help("create"),
        flags=[
            *ENDPOINT_FLAGS,
            Flag("from", "create context from a named context", type="string",
                 kind="context"),
        ],
        args=[Arg("CONTEXT")],
    )  # fmt: skip
    def cmd_context_create(self, opts) -> int:  # noqa: ANN001
        name = opts.args[0]
        docker = self._docker_flag(opts)
        if docker is None:
            return 125
        store = self.context_store
        try:
            validate_name(name)
            if store.exists(name):
                raise ContextStoreError(f'context "{name}" already exists')
            from_context = getattr(opts, "from")
            if from_context or not docker:
                if docker:
                    raise ContextStoreError("cannot use --docker flag when --from is set")
                source = self.load_any_context(from_context or self.current_context_name())
                context = StoredContext(name, dict(source.metadata), dict(source.endpoints),
                                        dict(source.tls))
                if source.name == DEFAULT_CONTEXT:
                    context.metadata = {"Description": DEFAULT_DESCRIPTION}
            else:
                context = StoredContext(name)
                self._apply_docker_endpoint(context, docker)
            if "description" in opts.given:
                context.metadata["Description"] = opts.description
            if not context.metadata.get("Description"):
                context.metadata.pop("Description", None)
            store.save(context)
        except ContextPanic as exc:
            return self.context_panic(exc)
        except (ContextStoreError, OSError) as exc:
            self.err(str(exc))
            return 1
        self.out(name)
        self.err(f'Successfully created context "{name}"')
        return 0

    def _docker_flag(self, opts) -> dict[str, str] | None:  # noqa: ANN001
        """``--docker`` as a map, or None (the usage error printed) when it is malformed."""
        try:
            return _string_to_string(opts.docker)
        except ValueError as exc:
            self.err(f'invalid argument "{exc}" for "--docker" flag: {exc} must be formatted '
                     "as key=value")
            return None

    def _apply_docker_endpoint(self, context: StoredContext, docker: dict[str, str]) -> None:
        """docker's ``getDockerEndpointMetadataAndTLS``: host, skip-tls-verify, TLS files."""
        for key in docker:
            if key not in DOCKER_KEYS:
                raise ContextStoreError(
                    f"unable to create docker endpoint config: unrecognized config key: {key}")
        endpoint: dict = {}
        files: dict[str, bytes] = {}
        if docker.get("from"):
            try:
                source = self.load_any_context(docker["from"])
            except ContextPanic:
                raise
            except ContextStoreError as exc:
                raise ContextStoreError(f"unable to create docker endpoint config: {exc}") from None
            if source.docker_endpoint_error:
                raise ContextStoreError("unable to create docker endpoint config: unable to get "
                                        f'endpoint from context "{docker["from"]}"')
            endpoint = dict(source.docker_endpoint)
            files = dict(source.tls.get("docker") or {})
        if "host" in docker:
            endpoint["Host"] = docker["host"]
        if "skip-tls-verify" in docker:
            endpoint["SkipTLSVerify"] = _parse_bool(docker["skip-tls-verify"])
        endpoint.setdefault("Host", "")
        endpoint["SkipTLSVerify"] = bool(endpoint.get("SkipTLSVerify"))
        for key in ("ca", "cert", "key"):
            if docker.get(key):
                path = Path(docker[key]).expanduser()
                try:
                    files[f"{key}.pem"] = path.read_bytes()
                except FileNotFoundError:
                    raise ContextStoreError(f"unable to create docker endpoint config: open "
                                            f"{docker[key]}: no such file or directory") from None
        context.endpoints["docker"] = {"Host": endpoint["Host"],
                                       "SkipTLSVerify": endpoint["SkipTLSVerify"]}
        context.tls = {"docker": files} if files else {}

    @command(
        "Update a context",
        description=_endpoint_help("update"),
        flags=list(ENDPOINT_FLAGS),
        args=[Arg("CONTEXT", kind="context")],
    )  # fmt: skip
    def cmd_context_update(self, opts) -> int:  # noqa: ANN001
        name = opts.args[0]
        docker = self._docker_flag(opts)
        if docker is None:
            return 125
        try:
            if name == DEFAULT_CONTEXT:
                raise ContextStoreError(f'context "{name}" cannot be updated')
            context = self.context_store.load(name)
            context.metadata_nil = False  # docker writes its DockerContext back, even empty
            if opts.description:
                context.metadata["Description"] = opts.description
            if docker:
                self._apply_docker_endpoint(context, docker)
            self.context_store.save(context, replace_tls=bool(docker))
        except ContextPanic as exc:
            return self.context_panic(exc)
        except (ContextStoreError, OSError) as exc:
            self.err(str(exc))
            return 1
        self.out(name)
        self.err(f'Successfully updated context "{name}"')
        if docker and name == self.current_context_name():
            self.reconnect_current_context()
        return 0

    @command(
        "Set the current docker context",
        args=[Arg("CONTEXT", kind="context")],
        args_rule="cobra.ExactArgs(1)",
    )
    def cmd_context_use(self, opts) -> int:  # noqa: ANN001
        name = opts.args[0]
        try:
            if name != DEFAULT_CONTEXT:
                validate_name(name)
                self.context_store.load(name)
            set_current_context(self.config, name)
        except ContextPanic as exc:
            return self.context_panic(exc)
        except (ContextStoreError, OSError) as exc:
            self.err(str(exc))
            return 1
        self.out(name)
        self.err(f'Current context is now "{name}"')
        if name != DEFAULT_CONTEXT and os.environ.get("DOCKER_HOST"):
            self.err("Warning: DOCKER_HOST environment variable overrides the active context. "
                     f'To use "{name}", either set the global --context flag, or unset '
                     "DOCKER_HOST environment variable.")
        self.connection.context = None
        self.reconnect_current_context(quiet=True)
        return 0

    def reconnect_current_context(self, quiet: bool = False) -> int:
        """Re-resolve the endpoint after the current context changed; switch the session to
        it when it differs (protocol, address, TLS, transport are all rebuilt).

        ``quiet``: the context change itself succeeded (docker's ``context use`` does not
        connect); a failure to resolve is kept for the next command that needs the Engine.
        """
        from dshell.engine.endpoint import Endpoint, resolve_endpoint

        try:
            endpoint = resolve_endpoint(self.connection, self.config_directory, self.config)
        except EngineError as exc:
            if not quiet:
                self.err(str(exc))
            # No engine until the context is fixed: Engine commands fail with docker's error
            # instead of going on with the old engine; the prompt names the failed context.
            self.endpoint_error = exc
            old, self._client = self._client, None
            self._endpoint = Endpoint("", "", "", None, self.current_context_name())
            if old is not None:
                old.close()
            return 1
        self.switch_endpoint(endpoint)
        return 0

    @command(
        "Remove one or more contexts",
        aliases=["context remove"],
        usage="CONTEXT [CONTEXT...]",
        flags=[Flag("force", "Force the removal of a context in use", short="f")],
        args=[Arg("CONTEXT", kind="context", many=True)],
    )
    def cmd_context_rm(self, opts) -> int:  # noqa: ANN001
        current = self.current_context_name()
        store = self.context_store

        def remove(name: str) -> None:
            if name == DEFAULT_CONTEXT:
                raise ContextStoreError(f'context "{name}" cannot be removed')
            if not store.exists(name):
                if opts.force:
                    return
                raise ContextStoreError(f'context "{name}" does not exist')
            if name == current and not opts.force:
                raise ContextStoreError(f'context "{name}" is in use, set -f flag to force remove')
            if name == self.config.current_context:
                set_current_context(self.config, DEFAULT_CONTEXT)
            store.remove(name)

        return self.for_each(opts.args, remove, failures=(ContextStoreError, OSError))

    @command(
        "Export a context to a tar archive FILE or a tar stream on STDOUT.",
        args=[Arg("CONTEXT", kind="context"), Arg("FILE", kind="path", optional=True)],
        usage="[OPTIONS] CONTEXT [FILE|-]",
    )
    def cmd_context_export(self, opts) -> int:  # noqa: ANN001
        name = opts.args[0]
        target = opts.args[1] if len(opts.args) > 1 else f"{name}.dockercontext"
        if target == "-":
            if self.stdout.is_terminal:
                self.err("cowardly refusing to export to a terminal, specify a file path")
                return 1
            data = self._export_data(name)
            if data is None:
                return 1
            self.stdout.flush()
            binary = self.stdout.buffer or sys.stdout.buffer
            binary.write(data)
            binary.flush()
            return 0
        # docker creates the file before it reads the context, so "file exists" comes first;
        # unlike docker, an empty file is not left behind when the export then fails.
        try:
            handle = open(target, "xb")  # noqa: SIM115 - closed below
        except FileExistsError:
            self.err(f"open {target}: file exists")
            return 1
        except OSError as exc:
            self.err(f"open {target}: {(exc.strerror or str(exc)).lower()}")
            return 1
        with handle:
            data = self._export_data(name)
            if data is not None:
                handle.write(data)
        if data is None:
            os.unlink(target)
            return 1
        self.err(f'Written file "{target}"')
        return 0

    def _export_data(self, name: str) -> bytes | None:
        try:
            if name == DEFAULT_CONTEXT:
                raise ContextStoreError(f'context "{name}" cannot be exported')
            return self.context_store.export_tar(name)
        except ContextStoreError as exc:
            self.err(str(exc))
            return None

    @command(
        "Import a context from a tar or zip file",
        args=[Arg("CONTEXT"), Arg("FILE", kind="path")],
        usage="CONTEXT FILE|-",
    )
    def cmd_context_import(self, opts) -> int:  # noqa: ANN001
        name, source = opts.args
        try:
            validate_name(name)
            if self.context_store.exists(name):
                raise ContextStoreError(f'context "{name}" already exists')
            if source == "-":
                data = (getattr(self.stdin.handle, "buffer", None) or sys.stdin.buffer).read()
            else:
                data = Path(source).read_bytes()
            self.context_store.import_archive(name, data)
        except FileNotFoundError:
            self.err(f"open {source}: no such file or directory")
            return 1
        except (ContextStoreError, OSError) as exc:
            self.err(str(exc))
            return 1
        self.out(name)
        self.err(f'Successfully imported context "{name}"')
        return 0


def _string_to_string(values: list[str] | dict | None) -> dict[str, str]:
    """pflag's stringToString: each value is CSV of ``k=v``; a field without ``=`` is an
    error naming the field."""
    if isinstance(values, dict):
        return values
    result: dict[str, str] = {}
    for value in values or []:
        for row in csv.reader([value]):
            for item in row:
                key, sep, val = item.partition("=")
                if not sep:
                    raise ValueError(item)
                result[key] = val
    return result


def _parse_bool(text: str) -> bool:
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ContextStoreError(
        f'unable to create docker endpoint config: skip-tls-verify: parsing "{text}": '
        "invalid syntax")
