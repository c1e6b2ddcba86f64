"""``build`` with BuildKit, through the Engine's session API (no buildx binary needed).

``build_with_buildkit`` is what ``cmd_build`` runs when BuildKit is chosen: it serves the
context and the Dockerfile on a ``/session`` connection, starts ``POST /build?version=2``,
and shows the build's progress as ``docker buildx build`` does (``--progress=plain`` lines on
standard error), its failure as ``ERROR: failed to solve: …``, and, with ``-q``, only the
image ID. The Engine reads ``.dockerignore`` itself and names the files it wants.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
from pathlib import Path

from dshell.commands.base import key_values
from dshell.commands.declare import Flag

TICK = 0.15
_DONE = object()
PROGRESS_MODES = ("auto", "quiet", "plain", "tty", "rawjson")

#: buildx's flags that dshell's BuildKit client takes (hidden in ``build --help``, which is the
#: classic builder's as docker 28 shows it without buildx)
BUILDKIT_FLAGS = [
    Flag("output", 'Output destination (format: "type=local,dest=path")', short="o",
         type="list", hidden=True),
    Flag("progress", 'Set type of progress output ("auto", "quiet", "plain", "tty", '
         '"rawjson"). Use plain to show container output', type="string", default="auto",
         hidden=True),
    Flag("secret", 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")',
         type="list", hidden=True),
    Flag("ssh", 'SSH agent socket or keys to expose to the build (format: '
         '"default|<id>[=<socket>|<key>[,<key>]]")', type="list", hidden=True),
]  # fmt: skip


class BuildkitUsage(Exception):
    """A BuildKit flag's value refused before anything is sent (``ERROR: …``)."""


def parse_secrets(specs: list[str]) -> dict[str, bytes]:
    """buildx's ``--secret``: ``id=ID[,src=FILE|,env=VAR][,type=file|env]``, read now."""
    values: dict[str, bytes] = {}
    for spec in specs:
        fields: dict[str, str] = {}
        for part in spec.split(","):
            key, sep, value = part.partition("=")
            key = key.strip().lower()
            if not sep:
                raise BuildkitUsage(f"invalid field '{part}' must be a key=value pair")
            if key == "source":
                key = "src"
            if key not in ("type", "id", "src", "env"):
                raise BuildkitUsage(f"unexpected key '{key}' in '{part}'")
            fields[key] = value
        kind = fields.get("type", "")
        if kind not in ("", "file", "env"):
            raise BuildkitUsage(f"unsupported secret type {kind!r}")
        secret_id = fields.get("id", "")
        src, env = fields.get("src", ""), fields.get("env", "")
        if not secret_id:
            secret_id = src or env
        if not secret_id:
            raise BuildkitUsage("secret ID missing")
        if kind == "env" and not env:
            env = src or secret_id
        if env or (kind != "file" and not src and secret_id in os.environ):
            name = env or secret_id
            if name not in os.environ:
                raise BuildkitUsage(f"secret env {name} not found")
            values[secret_id] = os.environ[name].encode()
            continue
        path = src or secret_id
        try:
            values[secret_id] = Path(path).read_bytes()
        except OSError as exc:
            raise BuildkitUsage(f"failed to read secret {secret_id}: {exc.strerror}: "
                                f"{path}") from None  # fmt: skip
    return values


def parse_ssh(specs: list[str]) -> dict:
    """buildx's ``--ssh``: ``default`` (SSH_AUTH_SOCK) or ``ID=SOCKET|KEY[,KEY…]``: an agent's
    socket is relayed as it is, key files are loaded into an agent of dshell's own."""
    from dshell.buildkit.sshagent import agent_for

    agents: dict = {}
    for spec in specs:
        agent_id, _, paths = spec.partition("=")
        agent_id = agent_id or "default"
        if not paths:
            paths = os.environ.get("SSH_AUTH_SOCK", "")
            if not paths:
                raise BuildkitUsage("invalid empty ssh agent socket: make sure SSH_AUTH_SOCK "
                                    "is set")  # fmt: skip
        if agent_id in agents:
            raise BuildkitUsage(f'duplicate agent ID "{agent_id}"')
        try:
            agents[agent_id] = agent_for(agent_id, paths.split(","))
        except ValueError as exc:
            raise BuildkitUsage(f'failed to convert agent config for ID: "{agent_id}": '
                                f"{exc}") from None  # fmt: skip
    return agents


def parse_outputs(specs: list[str]) -> tuple[list[dict], str | None, str | None]:
    """buildx's ``--output``: the exporters sent to the Engine, and where the local folder or
    the tar goes (``-`` for standard output). A bare path means ``type=local,dest=PATH``."""
    outputs: list[dict] = []
    local_dir = tar_dest = None
    for spec in specs:
        if "=" not in spec and "," not in spec:
            spec = "type=tar,dest=-" if spec == "-" else f"type=local,dest={spec}"
        attrs = {}
        for part in spec.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                raise BuildkitUsage(f"invalid value {part}")
            attrs[key.strip().lower()] = value
        kind = attrs.pop("type", "")
        if not kind:
            raise BuildkitUsage("type is required for output")
        if kind == "local":
            if "dest" not in attrs:
                raise BuildkitUsage("dest is required for local output")
            local_dir = attrs.pop("dest")
        elif kind == "tar":
            tar_dest = attrs.pop("dest", "-")
        elif kind not in ("image", "moby", "cacheonly"):
            raise BuildkitUsage(f"output type {kind!r} is not supported by this builder")
        outputs.append({"Type": kind, "Attrs": attrs})
    if len(outputs) > 1:
        raise BuildkitUsage("multiple outputs not supported")
    return outputs, local_dir, tar_dest


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _is_remote(source: str) -> bool:
    """docker's urlutil: git and http(s) contexts the Engine fetches itself."""
    lowered = source.lower()
    return (lowered.startswith(("http://", "https://", "git://", "github.com/", "git@"))
            or (lowered.endswith(".git") and "://" in lowered))  # fmt: skip


def build_with_buildkit(cmd, opts) -> int:  # noqa: ANN001 - a DockerSession and its options
    """Run one build with BuildKit; returns the exit status."""
    from dshell.buildkit.filesync import SyncedDir
    from dshell.buildkit.session import Session, shared_key

    source = opts.args[0]
    dockerfile_option = opts.file or ""
    temp_dir = None
    dirs: list[SyncedDir] = []
    remote = "client-session"
    upload: bytes | None = None
    dockerfile_name = ""
    if opts.iidfile:
        from dshell.commands.output_files import OutputFileError, remove_stale_file

        try:
            remove_stale_file(opts.iidfile)  # as the classic path: Go's os.Remove, its words
        except OutputFileError as exc:
            cmd.err(f"Removing image ID file: {exc}")
            return 1
    try:
        secret_values = parse_secrets(opts.secret) if opts.secret else None
        ssh_agents = parse_ssh(opts.ssh) if opts.ssh else None
        outputs, local_dir, tar_dest = parse_outputs(opts.output)
        mode = _progress_mode(opts)
    except BuildkitUsage as exc:
        cmd.err(f"ERROR: {exc}")
        return 1
    sink = None
    if tar_dest == "-":
        if cmd.stdout.is_terminal:
            cmd.err("ERROR: refusing to write output to console")
            return 1
        cmd.stdout.flush()
        sink = cmd.stdout.buffer
    elif tar_dest is not None:
        try:
            sink = open(tar_dest, "wb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            cmd.err(f"ERROR: failed to open {tar_dest}: {exc.strerror}")
            return 1
    try:
        if source == "-":
            if dockerfile_option == "-":
                cmd.err("ERROR: invalid argument: can't use stdin for both build context "
                        "and dockerfile")  # fmt: skip
                return 1
            content = cmd._stdin_binary().read()
            from dshell.engine.build_context import is_archive

            if is_archive(content[:512]):
                # sent as its own upload request that the build waits for
                upload, remote, context_dir = content, "upload-request", ""
                dockerfile_name = dockerfile_option
            else:
                temp_dir = tempfile.mkdtemp(prefix="dshell-build-")
                context_dir = os.path.join(temp_dir, "context")
                dockerfile_dir = os.path.join(temp_dir, "dockerfile")
                os.mkdir(context_dir)
                os.mkdir(dockerfile_dir)
                Path(dockerfile_dir, "Dockerfile").write_bytes(content)
                dockerfile_name = "Dockerfile"
        elif _is_remote(source):
            remote, context_dir, dockerfile_dir = source, "", ""
            dockerfile_name = dockerfile_option
        else:
            if not os.path.isdir(source):
                message = (f'unable to prepare context: path "{source}" not found'
                           if not os.path.exists(source)
                           else f"unable to prepare context: context must be a directory: "
                                f"{os.path.abspath(source)}")  # fmt: skip
                cmd.err(f"ERROR: {message}")
                return 1
            context_dir = source
            if dockerfile_option == "-":
                temp_dir = tempfile.mkdtemp(prefix="dshell-build-")
                dockerfile_dir = temp_dir
                Path(temp_dir, "Dockerfile").write_bytes(cmd._stdin_binary().read())
                dockerfile_name = "Dockerfile"
            elif dockerfile_option:
                dockerfile_dir = os.path.dirname(dockerfile_option) or "."
                dockerfile_name = os.path.basename(dockerfile_option)
            else:
                dockerfile_dir = context_dir
        if context_dir:
            dirs = [SyncedDir("context", context_dir, reset_owner=True),
                    SyncedDir("dockerfile", dockerfile_dir)]  # fmt: skip
        name = os.path.basename(os.path.abspath(context_dir)) if context_dir else source
        key = shared_key(Path(cmd.config_directory),
                         os.path.abspath(context_dir) if context_dir else source)  # fmt: skip
        session = Session(name, key, dirs, credentials=_credentials_lookup(cmd),
                          secret_values=secret_values, output_dir=local_dir,
                          output_sink=sink, ssh_agents=ssh_agents)  # fmt: skip
        return _run(cmd, opts, session, remote, dockerfile_name, mode, outputs, upload)
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
        if sink is not None and tar_dest != "-":
            sink.close()


def _credentials_lookup(cmd):  # noqa: ANN001, ANN202
    """BuildKit's docker auth provider: config.json (or its helper) for a registry host."""

    def lookup(host: str) -> tuple[str, str]:
        from dshell.engine.auth import CredentialsError, CredentialStore

        server = "https://index.docker.io/v1/" if host == "registry-1.docker.io" else host
        try:
            auth = CredentialStore(cmd.config).get(server)
        except CredentialsError:
            return "", ""
        if auth.identity_token:
            return "", auth.identity_token
        return auth.username, auth.password

    return lookup


def _options(opts, dockerfile_name: str) -> dict:  # noqa: ANN001
    from dshell.commands.build import _build_args, _split

    network = opts.network or ""
    return {
        "tags": list(opts.tag),
        "dockerfile": dockerfile_name,
        "target": opts.target or "",
        "no_cache": opts.no_cache,
        "pull": opts.pull,
        "network": "" if network == "default" else network,
        "platform": (opts.platform or "").lower(),
        "extra_hosts": list(opts.add_host),
        "build_args": _build_args(opts.build_arg) if opts.build_arg else None,
        "labels": key_values(opts.label) if opts.label else None,
        "cache_from": _split(opts.cache_from) if opts.cache_from else None,
    }


def _progress_mode(opts) -> str:  # noqa: ANN001
    """--progress, BUILDKIT_PROGRESS when it is auto, quiet with -q."""
    mode = opts.progress or "auto"
    if mode == "auto":
        mode = os.environ.get("BUILDKIT_PROGRESS") or "auto"
    if mode not in PROGRESS_MODES:
        raise BuildkitUsage(f'invalid progress mode "{mode}"')
    if opts.quiet:
        return "quiet"
    return mode


def _terminal_size(fd: int | None):  # noqa: ANN202
    """The terminal's (columns, lines), progressui's 80x10 when it cannot say."""

    def size() -> tuple[int, int]:
        try:
            found = os.get_terminal_size(fd) if fd is not None else None
        except OSError:
            found = None
        if not found or not found.columns or not found.lines:
            return 80, 10
        return found.columns, found.lines

    return size


def _run(cmd, opts, session, remote: str, dockerfile_name: str, mode: str,  # noqa: ANN001
         outputs: list[dict], upload: bytes | None = None) -> int:  # fmt: skip
    from dshell.buildkit import solve
    from dshell.engine.errors import EngineError
    from dshell.render.buildkit_progress import PlainDisplay, RawJsonDisplay, TtyDisplay

    buildid = solve.build_id()
    query = solve.build_query(session.id, buildid,
                              {**_options(opts, dockerfile_name), "outputs": outputs})  # fmt: skip
    if remote != "client-session":
        query = [(k, remote if k == "remote" else v) for k, v in query]
    try:
        solve.open_session(cmd.client, session)
    except EngineError as exc:
        cmd.err(f"ERROR: {exc}")
        return 1
    kept: list = []
    display = None
    if mode == "rawjson":
        display = RawJsonDisplay(cmd.stderr, flush=cmd.stderr.flush)
    elif mode in ("auto", "tty") and cmd.stderr.is_terminal:
        display = TtyDisplay(cmd.stderr, _terminal_size(cmd.stderr.fd), flush=cmd.stderr.flush)
    elif mode != "quiet":
        display = PlainDisplay(cmd.stderr, flush=cmd.stderr.flush)
    events: queue.SimpleQueue = queue.SimpleQueue()

    def produce() -> None:
        try:
            # no X-Registry-Config: the Engine asks the session for credentials it needs
            for event in solve.run_build(cmd.client, query):
                events.put(event)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            events.put(_Failure(exc))
        events.put(_DONE)

    image_id = ""
    failure: BaseException | None = None
    if upload is not None:
        threading.Thread(target=solve.upload_context, args=(cmd.client, buildid, upload),
                         name="buildkit-upload", daemon=True).start()  # fmt: skip
    worker = threading.Thread(target=produce, name="buildkit-build", daemon=True)
    worker.start()
    cancelled = False
    try:
        while True:
            try:
                try:
                    event = events.get(timeout=TICK)
                except queue.Empty:
                    if display is not None:
                        display.refresh()
                    continue
                if event is _DONE:
                    break
                if isinstance(event, _Failure):
                    failure = event.exc
                elif isinstance(event, solve.ImageBuilt):
                    image_id = event.id
                elif isinstance(event, solve.StatusResponse):
                    if display is not None:
                        display.update(event)
                    else:
                        kept.append(event)
            except KeyboardInterrupt:
                # Ctrl-C: the Engine cancels the build; its stream then ends with the error
                if not cancelled:
                    cancelled = True
                    solve.cancel_build(cmd.client, buildid)
    finally:
        session.close()
    if display is None and failure is not None:
        display = PlainDisplay(cmd.stderr, flush=cmd.stderr.flush)
        for status in kept:
            display.trace.update(status)
    if display is not None:
        display.done()
    if failure is not None:
        if isinstance(failure, solve.BuildFailed):
            cmd.err(f"ERROR: failed to solve: {failure.message}")
        elif isinstance(failure, EngineError):
            cmd.err(f"ERROR: {failure}")
        else:
            cmd.err(f"ERROR: {type(failure).__name__}: {failure}")
        return 1
    if opts.quiet and image_id:
        cmd.out(image_id)
    if opts.iidfile:
        from dshell.commands.output_files import write_image_id

        problem = write_image_id(opts.iidfile, image_id)
        if problem is not None:
            cmd.err(problem)
            return 1
    return 0
