"""Image build with the classic builder (``POST /build``), printed as docker's legacy builder.

The context is a directory (tarred while it is sent, ``.dockerignore`` applied), a tar on stdin
(``build -``), or a lone Dockerfile on stdin (``build -`` with a Dockerfile, ``-f -``).
docker's processBuilder (the buildx plugin when installed, else the legacy builder's notice)
runs before the command is looked up: ``dshell.cliplugins.forward_builder``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator

from dshell.commands.base import CommandBase, key_values
from dshell.commands.buildkit_build import BUILDKIT_FLAGS
from dshell.commands.declare import Arg, Flag, command
from dshell.commands.output_files import (
    OutputFileError,
    remove_stale_file,
    write_image_id,
)
from dshell.commands.parse import UsageError
from dshell.commands.pruning import BuilderCommands
from dshell.engine.errors import StreamError

SENDING = "Sending build context to Docker daemon"
PROGRESS_INTERVAL = 0.1
PROGRESS_BYTES = 512 * 1024


class BuildCommands(BuilderCommands, CommandBase):
    @command(
        "Build an image from a Dockerfile",
        aliases=["image build", "builder build"],
        group="Common Commands",
        usage="[OPTIONS] PATH | URL | -",
        args=[Arg("PATH | URL | -", kind="path:dir")],
        flags=[
            Flag("add-host", 'Add a custom host-to-IP mapping ("host:ip")', type="list",
                 kind="host"),
            Flag("build-arg", "Set build-time variables", type="list"),
            Flag("cache-from", "Images to consider as cache sources", type="stringSlice",
                 kind="image"),
            Flag("cgroup-parent", 'Set the parent cgroup for the "RUN" instructions during '
                 "build", type="string"),
            Flag("compress", "Compress the build context using gzip"),
            Flag("cpu-period", "Limit the CPU CFS (Completely Fair Scheduler) period",
                 type="int"),
            Flag("cpu-quota", "Limit the CPU CFS (Completely Fair Scheduler) quota", type="int"),
            Flag("cpu-shares", "CPU shares (relative weight)", short="c", type="int"),
            Flag("cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)", type="string"),
            Flag("cpuset-mems", "MEMs in which to allow execution (0-3, 0,1)", type="string"),
            Flag("disable-content-trust", "Skip image verification", default=True),
            Flag("file", "Name of the Dockerfile (Default is \"PATH/Dockerfile\")", short="f",
                 type="string", kind="path"),
            Flag("force-rm", "Always remove intermediate containers"),
            Flag("iidfile", "Write the image ID to the file", type="string", kind="path"),
            Flag("isolation", "Container isolation technology", type="string"),
            Flag("label", "Set metadata for an image", type="list"),
            Flag("memory", "Memory limit", short="m", type="bytes"),
            Flag("memory-swap", "Swap limit equal to memory plus swap: -1 to enable unlimited "
                 "swap", type="bytes", check="swap_bytes"),
            Flag("network", "Set the networking mode for the RUN instructions during build",
                 type="string", kind="choice:default|host|none", default="default"),
            Flag("no-cache", "Do not use cache when building the image"),
            Flag("platform", "Set platform if server is multi-platform capable", type="string",
                 min_api="1.38"),
            Flag("pull", "Always attempt to pull a newer version of the image"),
            Flag("quiet", "Suppress the build output and print image ID on success",
                 short="q"),
            Flag("rm", "Remove intermediate containers after a successful build",
                 default=True),
            Flag("security-opt", "Security options", type="stringSlice"),
            Flag("shm-size", 'Size of "/dev/shm"', type="bytes"),
            Flag("squash", "Squash newly built layers into a single new layer",
                 experimental=True, min_api="1.25"),
            Flag("tag", "Name and optionally a tag in the \"name:tag\" format", short="t",
                 type="list"),
            Flag("target", "Set the target build stage to build.", type="string"),
            Flag("ulimit", "Ulimit options", type="ulimit", shown_default="[]"),
            *BUILDKIT_FLAGS,  # hidden: docker 28's build has them only through buildx
        ],
    )  # fmt: skip
    def cmd_build(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.build_context import BuildContextError

        try:
            opts.resources = _resources(opts)
        except UsageError as problem:
            self.err(str(problem))
            return problem.status
        if getattr(self, "own_buildkit", False):  # processBuilder: no buildx, BuildKit wanted
            from dshell.commands.buildkit_build import build_with_buildkit

            return build_with_buildkit(self, opts)
        if opts.iidfile:
            try:
                remove_stale_file(opts.iidfile)
            except OutputFileError as exc:
                self.err(f"Removing image ID file: {exc}")
                return 1
        try:
            body, dockerfile = self._context(opts)
        except BuildContextError as exc:
            self.err(str(exc))
            return 1
        trusted: list = []  # DOCKER_CONTENT_TRUST (trust.py): FROM pinned to signed digests
        if self.content_trust_wanted(opts):
            body = self.trusted_build_context(body, dockerfile, trusted)
        status = self._send_build(opts, body, dockerfile)
        for pinned, tagged in trusted if status == 0 else ():
            self.tag_trusted(pinned, tagged)
        return status

    def _declaration_for_builder(self, declared):  # noqa: ANN001, ANN202
        """docker 28's legacy ``build`` has no BuildKit flags: with the classic builder
        (DOCKER_BUILDKIT=0, or no buildx and BuildKit not dshell's own) they are unknown flags,
        refused by the parser where they stand, in pflag's words."""
        if getattr(self, "own_buildkit", False):
            return declared
        from dshell.records import replace

        buildkit = {flag.long for flag in BUILDKIT_FLAGS}
        return replace(declared, flags=tuple(f for f in declared.flags if f.long not in buildkit))

    cmd_build.__declaration_for__ = _declaration_for_builder

    # -- the context ------------------------------------------------------------------------
    def _context(self, opts) -> tuple[Iterable[bytes], str]:  # noqa: ANN001
        """The tar to send and the Dockerfile's name inside it."""
        from dshell.engine.build_context import (
            BuildContextError,
            dockerfile_tar,
            is_archive,
            random_dockerfile_name,
            read_dockerignore,
            stream_context,
            trim_build_files_from_excludes,
        )

        source = opts.args[0]
        dockerfile_option = opts.file or ""
        from_stdin = dockerfile_option == "-"
        if from_stdin and source == "-":
            raise BuildContextError(
                "invalid argument: can't use stdin for both build context and dockerfile"
            )
        if source == "-":
            stream = self._stdin_binary()
            head = stream.read(512)
            if is_archive(head):
                return _prepend(head, stream), dockerfile_option or "Dockerfile"
            content = head + stream.read()
            return dockerfile_tar(content), "Dockerfile"
        if not os.path.exists(source):
            raise BuildContextError(f'unable to prepare context: path "{source}" not found')
        context_dir = os.path.realpath(os.path.abspath(source))
        if not os.path.isdir(context_dir):
            raise BuildContextError(
                f"unable to prepare context: context must be a directory: {context_dir}"
            )
        extra = None
        if from_stdin:
            name = random_dockerfile_name()
            extra = (name, self._stdin_binary().read())
            relative = name
        else:
            relative, outside = _dockerfile_path(context_dir, dockerfile_option)
            if outside is not None:
                name = random_dockerfile_name()
                with open(outside, "rb") as handle:
                    extra = (name, handle.read())
                relative = name
        excludes = read_dockerignore(context_dir)
        excludes = trim_build_files_from_excludes(excludes, relative, extra is not None)
        return stream_context(context_dir, excludes, extra_dockerfile=extra), relative

    def _stdin_binary(self):  # noqa: ANN202
        import sys

        return getattr(self.stdin.handle, "buffer", None) or sys.stdin.buffer

    # -- sending and showing ----------------------------------------------------------------
    def _send_build(self, opts, body: Iterable[bytes], dockerfile: str) -> int:  # noqa: ANN001
        from dshell.engine.urls import urlencode
        from dshell.render.progress import display_json_messages, terminal_width

        pairs: list[tuple[str, str]] = [("t", tag) for tag in opts.tag]
        settings = {
            "dockerfile": dockerfile,
            "q": "1" if opts.quiet else "",
            "nocache": "1" if opts.no_cache else "",
            "pull": "1" if opts.pull else "",
            "rm": "1" if opts.rm else "0",
            "forcerm": "1" if opts.force_rm else "",
            "squash": "1" if opts.squash else "",
            "target": opts.target or "",
            "networkmode": "" if opts.network == "default" else opts.network or "",
            **opts.resources,
        }
        pairs += [(key, value) for key, value in settings.items() if value]
        pairs += [("extrahosts", host) for host in opts.add_host]
        pairs += [("securityopt", option) for option in _split(opts.security_opt)]
        if opts.ulimit:
            from dshell.commands.run_options import parse_ulimit

            pairs.append(("ulimits", json.dumps([parse_ulimit(v) for v in opts.ulimit])))
        if opts.cache_from:
            pairs.append(("cachefrom", json.dumps(_split(opts.cache_from))))
        if opts.build_arg:
            pairs.append(("buildargs", json.dumps(_build_args(opts.build_arg))))
        if opts.label:
            pairs.append(("labels", json.dumps(key_values(opts.label))))
        quiet = opts.quiet
        terminal = self.stdout.is_terminal and not quiet
        captured: list[str] = []
        progress_out = _Capture(captured) if quiet else self.stdout
        if opts.compress:
            body = _gzipped(body)
        counted = _SendProgress(body, progress_out, terminal)
        headers = {"Content-Type": "application/x-tar",
                   "X-Registry-Config": self._registry_config()}  # fmt: skip
        response = self.client.request(
            "POST", f"/build?{urlencode(pairs)}", data=iter(counted), headers=headers,
            stream=True,
        )  # fmt: skip
        counted.finish()
        image_id: list[str] = []

        def aux(value: object) -> None:
            if isinstance(value, dict) and value.get("ID"):
                image_id.append(str(value["ID"]))

        from dshell.engine.streams import iter_json_objects

        build_out = _Capture(captured) if quiet else self.stdout
        fd = self.stdout.fd
        try:
            display_json_messages(
                iter_json_objects(response.iter_content(chunk_size=None)), build_out,
                is_terminal=terminal, width=lambda: terminal_width(fd), aux=aux,
                flush=None if quiet else self.stdout.flush,
            )  # fmt: skip
        except StreamError as exc:
            if quiet:
                self.stderr.write("".join(captured))
            self.stdout.flush()
            self.err(str(exc))
            code = exc.status if isinstance(exc.status, int) and exc.status else 1
            return code
        finally:
            response.close()
        result = image_id[-1] if image_id else ""
        if quiet:
            result = "".join(captured[counted.captured_upto :])
            self.stdout.write(result)
        if opts.iidfile:
            problem = write_image_id(opts.iidfile, result)
            if problem is not None:
                self.err(problem)
                return 1
        return 0

    def _registry_config(self) -> str:
        """``X-Registry-Config``: every stored credential, for ``FROM`` images that need one."""
        import base64

        from dshell.engine.auth import CredentialsError, CredentialStore

        store = CredentialStore(self.config)
        servers = set((self.config.data.get("auths") or {}).keys())
        servers |= set((self.config.data.get("credHelpers") or {}).keys())
        configs = {}
        for server in sorted(servers):
            try:
                auth = store.get(server)
            except CredentialsError:
                continue
            if auth.has_secret:
                configs[server] = auth.api_json()
        return base64.urlsafe_b64encode(json.dumps(configs).encode()).decode()


class _Capture:
    """Collects text (``-q`` keeps the output to show it only when the build fails)."""

    def __init__(self, sink: list[str]) -> None:
        self.sink = sink

    def write(self, text: str) -> None:
        self.sink.append(text)


class _SendProgress:
    """Counts the context bytes as requests sends them and shows docker's
    ``Sending build context`` line: redrawn on a terminal, once at the end elsewhere."""

    def __init__(self, chunks: Iterable[bytes], out, terminal: bool) -> None:  # noqa: ANN001
        self.chunks = chunks
        self.out = out
        self.terminal = terminal
        self.sent = 0
        self.last_shown = 0
        self.last_time = 0.0
        self.done = False
        self.captured_upto = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.sent += len(chunk)
            if self.terminal:
                self._maybe_show()
            yield chunk
        self.finish()

    def _line(self) -> str:
        from dshell.render.units import human_size

        return f"{SENDING} {human_size(self.sent):>8}"

    def _maybe_show(self) -> None:
        now = time.monotonic()
        if self.sent - self.last_shown > PROGRESS_BYTES and now - self.last_time >= 0.1:
            self.out.write(self._line() + "\r")
            self.out.flush()
            self.last_shown, self.last_time = self.sent, now

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        self.out.write(self._line() + "\r\r\n")
        if isinstance(self.out, _Capture):
            self.captured_upto = len(self.out.sink)
        elif hasattr(self.out, "flush"):
            self.out.flush()


def _prepend(head: bytes, stream) -> Iterator[bytes]:  # noqa: ANN001
    yield head
    while True:
        chunk = stream.read(256 * 1024)
        if not chunk:
            return
        yield chunk


def _dockerfile_path(context_dir: str, given: str) -> tuple[str, str | None]:
    """docker's ``getDockerfileRelPath``: the Dockerfile's path inside the context, or its
    absolute path when it lies outside (it is then sent under a generated name)."""
    from dshell.engine.build_context import BuildContextError

    if given:
        path = os.path.abspath(given)
    else:
        path = os.path.join(context_dir, "Dockerfile")
        lower = os.path.join(context_dir, "dockerfile")
        if not os.path.lexists(path) and os.path.lexists(lower):
            path = lower
    if not os.path.lexists(path):
        raise BuildContextError(
            "unable to prepare context: unable to evaluate symlinks in Dockerfile path: "
            f"lstat {path}: no such file or directory"
        )
    real = os.path.realpath(path)
    relative = os.path.relpath(real, context_dir)
    if relative == ".." or relative.startswith("../"):
        return "", real
    return relative.replace(os.sep, "/"), None


def _build_args(values: list[str]) -> dict[str, str | None]:
    """``KEY=VALUE``; a bare ``KEY`` takes the environment's value, or null when unset."""
    result: dict[str, str | None] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if sep:
            result[key] = val
        else:
            result[key] = os.environ.get(key)
    return result


def _split(values: list[str]) -> list[str]:
    """pflag's stringSlice: every value may hold several, comma-separated."""
    return [part for value in values for part in value.split(",") if part != ""]


def _resources(opts) -> dict[str, str]:  # noqa: ANN001
    """The build's query settings from its typed flags, each checked as pflag does when it
    reads the flag (a bad value: ``invalid argument … for "-m, --memory" flag: …``)."""
    from dshell.commands.run_options import parse_bytes, parse_ulimit, validate_extra_host
    from dshell.engine.references import InvalidReference, parse_reference

    def check(dest: str, values: list[str], parse) -> list:  # noqa: ANN001
        flag = next(f for f in opts.command.flags if f.dest == dest)
        label = f"-{flag.short}, --{flag.long}" if flag.short else f"--{flag.long}"
        checked = []
        for value in values:
            try:
                checked.append(parse(value))
            except (ValueError, InvalidReference) as exc:
                raise UsageError(f'invalid argument "{value}" for "{label}" flag: {exc}',
                                 opts.command) from None
        return checked

    check("tag", opts.tag, parse_reference)
    opts.add_host = check("add_host", opts.add_host, validate_extra_host)
    check("ulimit", opts.ulimit, parse_ulimit)
    sizes = {}
    for dest, key, swap in (("memory", "memory", False), ("memory_swap", "memswap", True),
                            ("shm_size", "shmsize", False)):  # fmt: skip
        value = getattr(opts, dest)
        if value is not None:
            [size] = check(dest, [value], lambda v, swap=swap: -1 if swap and v == "-1"
                           else parse_bytes(v))
            sizes[key] = str(size) if size else ""
    isolation = opts.isolation or ""
    return {
        "isolation": "" if isolation.lower() == "default" else isolation,
        "cpusetcpus": opts.cpuset_cpus or "",
        "cpusetmems": opts.cpuset_mems or "",
        "cpushares": str(opts.cpu_shares or "") if opts.cpu_shares else "",
        "cpuquota": str(opts.cpu_quota) if opts.cpu_quota else "",
        "cpuperiod": str(opts.cpu_period) if opts.cpu_period else "",
        **sizes,
        "cgroupparent": opts.cgroup_parent or "",
        "platform": (opts.platform or "").lower(),
    }


def _gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``--compress``: the context as a gzip stream, as docker's build.Compress sends it."""
    import zlib

    packer = zlib.compressobj(wbits=31)
    for chunk in chunks:
        packed = packer.compress(chunk)
        if packed:
            yield packed
    yield packer.flush()
