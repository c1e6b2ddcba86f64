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

TICK = 0.15
_DONE = object()


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
    dockerfile_name = ""
    if opts.iidfile:
        from dshell.commands.output_files import OutputFileError, remove_stale_file

        try:
            remove_stale_file(opts.iidfile)  # as the classic path: Go's os.Remove, its words
        except OutputFileError as exc:
            cmd.err(f"Removing image ID file: {exc}")
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
                cmd.err("ERROR: a tar context on standard input is not supported with "
                        "BuildKit yet; use DOCKER_BUILDKIT=0")  # fmt: skip
                return 1
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
        session = Session(name, key, dirs, credentials=_credentials_lookup(cmd))
        return _run(cmd, opts, session, remote, dockerfile_name)
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)


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


def _progress_mode(cmd, opts) -> str:  # noqa: ANN001
    mode = getattr(opts, "progress", None) or "auto"
    if mode == "auto":
        mode = os.environ.get("BUILDKIT_PROGRESS") or "auto"
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


def _run(cmd, opts, session, remote: str, dockerfile_name: str) -> int:  # noqa: ANN001
    from dshell.buildkit import solve
    from dshell.engine.errors import EngineError
    from dshell.render.buildkit_progress import PlainDisplay, TtyDisplay

    mode = _progress_mode(cmd, opts)
    buildid = solve.build_id()
    query = solve.build_query(session.id, buildid, _options(opts, dockerfile_name))
    if remote != "client-session":
        query = [(k, remote if k == "remote" else v) for k, v in query]
    try:
        solve.open_session(cmd.client, session)
    except EngineError as exc:
        cmd.err(f"ERROR: {exc}")
        return 1
    kept: list = []
    display = None
    if mode in ("auto", "tty") and cmd.stderr.is_terminal:
        display = TtyDisplay(cmd.stderr, _terminal_size(cmd.stderr.fd), flush=cmd.stderr.flush)
    elif mode != "quiet":
        display = PlainDisplay(cmd.stderr, flush=cmd.stderr.flush)
    events: queue.SimpleQueue = queue.SimpleQueue()

    def produce() -> None:
        try:
            for event in solve.run_build(cmd.client, query, cmd._registry_config()):
                events.put(event)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            events.put(_Failure(exc))
        events.put(_DONE)

    image_id = ""
    failure: BaseException | None = None
    worker = threading.Thread(target=produce, name="buildkit-build", daemon=True)
    worker.start()
    cancelled = False
    try:
        while True:
            try:
                event = events.get(timeout=TICK)
            except queue.Empty:
                if display is not None:
                    display.refresh()
                continue
            except KeyboardInterrupt:
                if not cancelled:
                    cancelled = True
                    solve.cancel_build(cmd.client, buildid)
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
        if not image_id:
            cmd.err(f"Server did not provide an image ID. Cannot write {opts.iidfile}")
            return 1
        from dshell.commands.output_files import OutputFileError, write_file

        try:
            write_file(opts.iidfile, image_id.encode())
        except OutputFileError as exc:
            cmd.err(str(exc))
            return 1
    return 0
