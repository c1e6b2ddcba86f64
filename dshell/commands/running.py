"""Run, create, exec, attach and start: the commands that connect a terminal to a container.

The run flow is the docker CLI's: create (pull on 404, retry once), attach before start,
register the wait (``next-exit``, or ``removed`` with ``--rm``) before start, start, move bytes
until the stream ends, exit with the container's status.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dshell.commands.base import CommandBase
from dshell.commands.declare import Arg, Flag, command
from dshell.commands.output_files import ContainerIDFile, OutputFileError
from dshell.commands.parse import UsageError
from dshell.commands.run_options import (
    CONTAINER_FLAGS,
    RUN_ONLY_FLAGS,
    ContainerSpec,
    RunOptionError,
    container_spec,
    parse_env_file,
)
from dshell.engine.errors import APIError, EngineError, NotFound
from dshell.engine.streams import FrameDecoder, UnexpectedEOF, body_chunks
from dshell.engine.urls import quote
from dshell.records import replace

NOT_A_TTY = "the input device is not a TTY"
RUN_ARGS = [Arg("IMAGE", kind="image"), Arg("COMMAND", kind="command", optional=True),
            Arg("ARG", optional=True, many=True)]  # fmt: skip
DETACH_KEYS_HELP = "Override the key sequence for detaching a container"


def start_failure_status(message: str) -> int:
    """docker's ``toStatusError``: 127 command not found, 126 not executable, else 125."""
    if any(text in message for text in ("executable file not found", "no such file or directory",
                                        "system cannot find the file specified")):  # fmt: skip
        return 127
    if "permission denied" in message or "is a directory" in message:
        return 126
    return 125


def with_help(error: Exception, verb: str) -> str:
    """docker's withHelp around run's and create's option errors (a flag error carries its
    own usage block): ``docker: ERR`` and a pointer to ``docker VERB --help``."""
    if isinstance(error, UsageError):
        return str(error)
    return f"docker: {error}\n\nRun 'docker {verb} --help' for more information"


def _byte_writer(stream) -> Callable[[bytes], None]:  # noqa: ANN001 - a Stream
    """Raw bytes to a session stream (its binary side when it has one)."""
    stream.flush()
    binary = stream.buffer

    if binary is not None:

        def write(data: bytes) -> None:
            binary.write(data)
            binary.flush()

        return write

    def write_text(data: bytes) -> None:
        stream.write(data.decode(errors="replace"))
        stream.flush()

    return write_text


class _Waiter:
    """A ``POST /containers/{id}/wait`` whose answer is read in a thread.

    The request is sent (and its headers read, which is when the daemon has registered it)
    before the container starts; the loop selects on ``fd`` to learn that the answer is in.
    """

    def __init__(self, response) -> None:  # noqa: ANN001 - requests.Response
        self.response = response
        self.read_fd, self.write_fd = os.pipe()
        self.status: int | None = None
        self.error: str | None = None
        #: The answer never came whole: the daemon went away (docker's wait errC).
        self.cut = False
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            body = json.loads(b"".join(body_chunks(self.response)))
            self.status = int(body.get("StatusCode", 0))
            self.error = (body.get("Error") or {}).get("Message") or None
        except UnexpectedEOF as exc:
            self.error, self.status, self.cut = str(exc), 125, True
        except Exception as exc:  # noqa: BLE001 - any failure ends the wait the same way
            self.error = str(exc)
            self.status = 125
        finally:
            if not self.closed:
                with contextlib.suppress(OSError):
                    os.write(self.write_fd, b"x")

    @property
    def fd(self) -> int:
        return self.read_fd

    def close(self) -> None:
        """Stop waiting. A reader thread still blocked (detach, Ctrl-C) is woken by shutting
        the socket down; closing the response under it would wait for its lock forever."""
        if self.thread.is_alive():
            connection = getattr(self.response.raw, "_connection", None)
            sock = getattr(connection, "sock", None)
            with contextlib.suppress(OSError, AttributeError):
                sock.shutdown(socket.SHUT_RDWR)
            self.thread.join(timeout=1)
        if not self.thread.is_alive():
            with contextlib.suppress(Exception):
                self.response.close()
        self.closed = True
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


class RunCommands(CommandBase):
    # -- run / create -------------------------------------------------------------------------
    @command(
        "Create and run a new container from an image",
        aliases=["run"],
        group="Common Commands",
        flags=[*CONTAINER_FLAGS, *RUN_ONLY_FLAGS],
        args=RUN_ARGS,
        interspersed=False,
        usage="[OPTIONS] IMAGE [COMMAND] [ARG...]",
    )
    def cmd_container_run(self, opts) -> int:  # noqa: ANN001
        try:
            spec = container_spec(opts, detach=opts.detach)
        except (UsageError, RunOptionError) as exc:
            self.err(with_help(exc, "run"))
            return exc.status
        if opts.detach and opts.attach:
            self.err("conflicting options: cannot specify both --attach and --detach")
            return 1
        tty_input = spec.body["AttachStdin"] and spec.body["Tty"]
        if tty_input and not self.stdin.is_terminal:
            self.err(NOT_A_TTY)
            return 1
        try:
            container_id = self._create(spec, opts.cidfile, opts.quiet,
                                            self.content_trust_wanted(opts))
        except RunOptionError as exc:
            self.err(with_help(exc, "run"))
            return exc.status
        except (EngineError, OutputFileError) as exc:
            self.err(with_help(exc, "run"))
            return start_failure_status(str(exc))
        if opts.detach:
            try:
                self.client.request("POST", f"/containers/{container_id}/start")
            except EngineError as exc:
                self.err(with_help(exc, "run"))
                return start_failure_status(str(exc))
            self.out(container_id)
            return 0
        return self._attach_and_start(
            container_id,
            tty=spec.body["Tty"],
            streams=(spec.body["AttachStdin"], spec.body["AttachStdout"],
                     spec.body["AttachStderr"]),
            detach_keys=opts.detach_keys or self.config.detach_keys,
            sig_proxy=opts.sig_proxy,
            condition="removed" if opts.rm else "next-exit",
            start_errors=start_failure_status,
            start_error_text=lambda exc: with_help(exc, "run"),
        )  # fmt: skip

    @command(
        "Create a new container",
        aliases=["create"],
        # docker's create says "|missing" in --pull's help (sic).
        flags=[replace(f, help='Pull image before creating ("always", "|missing", "never")')
               if f.long == "pull" else f for f in CONTAINER_FLAGS],
        args=RUN_ARGS,
        interspersed=False,
        usage="[OPTIONS] IMAGE [COMMAND] [ARG...]",
    )
    def cmd_container_create(self, opts) -> int:  # noqa: ANN001
        try:
            spec = container_spec(opts)
        except (UsageError, RunOptionError) as exc:
            self.err(with_help(exc, "create"))
            return exc.status
        try:
            container_id = self._create(spec, opts.cidfile, opts.quiet,
                                            self.content_trust_wanted(opts))
        except RunOptionError as exc:
            self.err(str(exc))
            return exc.status
        except (EngineError, OutputFileError) as exc:
            self.err(str(exc))
            return 1
        self.out(container_id)
        return 0

    def _create(self, spec: ContainerSpec, cidfile: str | None, quiet: bool,
                trusted: bool = False) -> str:  # fmt: skip
        """Create the container (pulling per ``--pull``); show warnings. The cidfile is made
        first and removed again if no container came of it (docker's cidFile). ``trusted``
        (DOCKER_CONTENT_TRUST): a tag is created as the digest notary has signed for it,
        tagged after a pull (trust.py)."""
        from dshell.engine.references import check_any_reference

        with ContainerIDFile(cidfile) as id_file:
            check_any_reference(spec.image)
            named, tagged, pinned = spec.image, None, None
            if trusted:
                tagged, pinned = self.trusted_image(spec.image)
                if pinned is not None:
                    spec.image = spec.body["Image"] = pinned.familiar_string()
            if spec.pull == "always":
                self._pull(spec, quiet)
                if pinned is not None:
                    self.tag_trusted(pinned, tagged)
            params = {"name": spec.name, "platform": spec.platform}
            try:
                created = self.client.post_json("/containers/create", params, spec.body)
            except NotFound:
                if spec.pull == "never":
                    raise
                self.err(f"Unable to find image '{_familiar(named)}' locally")
                self._pull(spec, quiet)
                if pinned is not None:
                    self.tag_trusted(pinned, tagged)
                created = self.client.post_json("/containers/create", params, spec.body)
            for warning in created.get("Warnings") or []:
                self.err(f"WARNING: {warning}")
            container_id = created["Id"]
            id_file.write(container_id)
        return container_id

    def _pull(self, spec: ContainerSpec, quiet: bool) -> None:
        self.pull_image(spec.image, platform=spec.platform, quiet=quiet, out=self.stderr)

    # -- start ----------------------------------------------------------------------------
    @command(
        "Start one or more stopped containers",
        aliases=["start"],
        flags=[
            Flag("attach", "Attach STDOUT/STDERR and forward signals", short="a"),
            Flag("checkpoint", "Restore from this checkpoint", type="string",
                 experimental=True),
            Flag("checkpoint-dir", "Use a custom checkpoint storage directory",
                 type="string", kind="path:dir", experimental=True),
            Flag("detach-keys", DETACH_KEYS_HELP, type="string"),
            Flag("interactive", "Attach container's STDIN", short="i"),
        ],
        args=[Arg("CONTAINER", kind="container:stopped", many=True)],
    )  # fmt: skip
    def cmd_container_start(self, opts) -> int:  # noqa: ANN001
        params = {"checkpoint": opts.checkpoint, "checkpoint-dir": opts.checkpoint_dir}
        if opts.attach or opts.interactive:
            if len(opts.args) > 1:
                self.err("you cannot start and attach multiple containers at once")
                return 1
            return self._start_attached(opts, params)
        if opts.checkpoint:
            # docker restores one container, printing nothing (its RunStart checkpoint case).
            if len(opts.args) > 1:
                self.err("you cannot restore multiple containers at once")
                return 1
            self.client.request("POST", f"/containers/{quote(opts.args[0], safe='')}/start",
                                params=params)  # fmt: skip
            return 0
        failed = []
        for name in opts.args:  # docker's startContainersWithoutAttachments: no checkpoint
            try:
                self.client.request("POST", f"/containers/{quote(name, safe='')}/start")
            except EngineError as exc:
                self.err(str(exc))
                failed.append(name)
                continue
            self.out(name)
        if failed:
            self.err(f"Error: failed to start containers: {', '.join(failed)}")
            return 1
        return 0

    def _start_attached(self, opts, params: dict[str, Any]) -> int:  # noqa: ANN001
        info = self.client.get_json(f"/containers/{quote(opts.args[0], safe='')}/json")
        config = info.get("Config") or {}
        stdin = bool(opts.interactive and config.get("OpenStdin"))
        if stdin and config.get("Tty") and not self.stdin.is_terminal:
            self.err(NOT_A_TTY)
            return 1
        auto_remove = bool((info.get("HostConfig") or {}).get("AutoRemove"))
        status = self._attach_and_start(
            info["Id"],
            tty=bool(config.get("Tty")),
            streams=(stdin, True, True),
            detach_keys=opts.detach_keys or self.config.detach_keys,
            sig_proxy=True,
            condition="removed" if auto_remove else "next-exit",
            start_errors=lambda message: 1,
            start_params=params,
        )
        return status

    # -- attach ---------------------------------------------------------------------------
    @command(
        "Attach local standard input, output, and error streams to a running container",
        aliases=["attach"],
        flags=[
            Flag("detach-keys", DETACH_KEYS_HELP, type="string"),
            Flag("no-stdin", "Do not attach STDIN"),
            Flag("sig-proxy", "Proxy all received signals to the process", default=True),
        ],
        args=[Arg("CONTAINER", kind="container:running")],
    )
    def cmd_container_attach(self, opts) -> int:  # noqa: ANN001
        info = self.client.get_json(f"/containers/{quote(opts.args[0], safe='')}/json")
        state = info.get("State") or {}
        if not state.get("Running"):
            self.err("You cannot attach to a stopped container, start it first")
            return 1
        if state.get("Paused"):
            self.err("You cannot attach to a paused container, unpause it first")
            return 1
        if state.get("Restarting"):
            self.err("You cannot attach to a restarting container, wait until it is running")
            return 1
        config = info.get("Config") or {}
        tty = bool(config.get("Tty"))
        stdin = bool(config.get("OpenStdin")) and not opts.no_stdin
        if stdin and tty and not self.stdin.is_terminal:
            self.err(NOT_A_TTY)
            return 1
        return self._attach_and_start(
            info["Id"],
            tty=tty,
            streams=(stdin, True, True),
            detach_keys=opts.detach_keys or self.config.detach_keys,
            sig_proxy=opts.sig_proxy,
            condition="",
            start_errors=None,
        )

    # -- exec -----------------------------------------------------------------------------
    @command(
        "Execute a command in a running container",
        aliases=["exec"],
        group="Common Commands",
        flags=[
            Flag("detach", "Detached mode: run command in the background", short="d"),
            Flag("detach-keys", DETACH_KEYS_HELP, type="string"),
            Flag("env", "Set environment variables", short="e", type="list"),
            Flag("env-file", "Read in a file of environment variables", type="list",
                 kind="path"),
            Flag("interactive", "Keep STDIN open even if not attached", short="i"),
            Flag("privileged", "Give extended privileges to the command"),
            Flag("tty", "Allocate a pseudo-TTY", short="t"),
            Flag("user", "Username or UID (format: \"<name|uid>[:<group|gid>]\")", short="u",
                 type="string"),
            Flag("workdir", "Working directory inside the container", short="w",
                 type="string", kind="path"),
        ],
        args=[Arg("CONTAINER", kind="container:running"), Arg("COMMAND", kind="command"),
              Arg("ARG", optional=True, many=True)],
        interspersed=False,
    )  # fmt: skip
    def cmd_container_exec(self, opts) -> int:  # noqa: ANN001
        try:
            env = []
            for path in opts.env_file:
                env.extend(parse_env_file(path, os.environ))
        except RunOptionError as exc:
            self.err(str(exc))
            return exc.status
        for value in opts.env:
            key, has_value, _ = value.partition("=")
            if not key:
                self.err(str(UsageError(f'invalid argument "{value}" for "-e, --env" flag: '
                                        f"invalid environment variable: {value}", opts.command)))
                return 125
            env.append(value if has_value or key not in os.environ
                       else f"{key}={os.environ[key]}")  # fmt: skip
        if opts.tty and opts.interactive and not opts.detach and not self.stdin.is_terminal:
            self.err(NOT_A_TTY)
            return 1
        detach_keys = opts.detach_keys or self.config.detach_keys
        body = {
            "User": opts.user or "",
            "Privileged": opts.privileged,
            "Tty": opts.tty,
            "AttachStdin": opts.interactive and not opts.detach,
            "AttachStdout": not opts.detach,
            "AttachStderr": not opts.detach,
            "DetachKeys": detach_keys or "",
            "Env": env or None,
            "WorkingDir": opts.workdir or "",
            "Cmd": opts.args[1:],
        }
        container = quote(opts.args[0], safe="")
        created = self.client.post_json(f"/containers/{container}/exec", body=body)
        exec_id = created["Id"]
        if opts.detach:
            self.client.post_json(f"/exec/{exec_id}/start", body={"Detach": True,
                                                                  "Tty": opts.tty})
            return 0
        result = self._stream_session(
            path=f"/exec/{exec_id}/start",
            params=None,
            body={"Detach": False, "Tty": opts.tty},
            tty=opts.tty,
            stdin=opts.interactive,
            detach_keys=detach_keys,
            resize_path=f"/exec/{exec_id}/resize" if opts.tty else None,
            kill_path=None,
            waiter=None,
        )
        if result.detached:
            return 0
        if result.interrupted:
            return 130
        inspected = self.client.get_json(f"/exec/{exec_id}/json")
        return int(inspected.get("ExitCode") or 0)

    # -- the attached session ---------------------------------------------------------------
    def _attach_and_start(
        self,
        container_id: str,
        *,
        tty: bool,
        streams: tuple[bool, bool, bool],
        detach_keys: str,
        sig_proxy: bool,
        condition: str,
        start_errors: Callable[[str], int] | None,
        start_error_text: Callable[[Exception], str] = str,
        start_params: dict[str, Any] | None = None,
    ) -> int:
        """Attach, register the wait, start (unless ``start_errors`` is None: already
        running), move bytes, and return the container's exit status."""
        stdin, stdout, stderr = streams
        params = {"stream": True, "stdin": stdin, "stdout": stdout, "stderr": stderr,
                  "detachKeys": detach_keys or None}  # fmt: skip
        waiter = _Waiter(self.client.request(
            "POST", f"/containers/{container_id}/wait",
            params={"condition": condition or None}, stream=True,
        ))  # fmt: skip
        try:
            conn = None
            if stdin or stdout or stderr:
                conn = self._hijack(f"/containers/{container_id}/attach", params, None)
            if start_errors is not None:
                try:
                    self.client.request("POST", f"/containers/{container_id}/start",
                                        params=start_params)  # fmt: skip
                except EngineError as exc:
                    if conn is not None:
                        conn.close()
                    self.err(start_error_text(exc))
                    return start_errors(str(exc))
            result = self._stream_session(
                conn=conn,
                tty=tty,
                stdin=stdin,
                detach_keys=detach_keys,
                resize_path=f"/containers/{container_id}/resize" if tty else None,
                kill_path=f"/containers/{container_id}/kill" if sig_proxy and not tty else None,
                waiter=waiter,
            )
            if result.detached or result.interrupted:
                return 0 if result.detached else 130
            if waiter.cut:
                return self._wait_cut(waiter.error or "", attach_only=start_errors is None)
            if waiter.error and waiter.status == 125:
                self.err(waiter.error)
            return waiter.status or 0
        finally:
            waiter.close()

    def _wait_cut(self, error: str, attach_only: bool) -> int:
        """The wait's answer was cut off. ``attach`` returns the error itself (status 1);
        ``run`` and ``start -a`` log it through logrus and exit 125."""
        if attach_only:
            self.err(error)
            return 1
        self.err(logrus_error(f"error waiting for container: {error}"))
        return 125

    def _hijack(self, path: str, params: dict[str, Any] | None, body: Any):  # noqa: ANN202
        from dshell import __version__
        from dshell.engine.hijack import hijack
        from dshell.engine.urls import api_path

        try:
            return hijack(
                self.client.endpoint, api_path(self.client.api_version, path), params=params,
                body=body, user_agent=f"dshell/{__version__}",
            )  # fmt: skip
        except APIError as exc:
            raise EngineError(f"unable to upgrade to tcp, received {exc.status}") from None

    def _stream_session(
        self,
        *,
        tty: bool,
        stdin: bool,
        detach_keys: str,
        resize_path: str | None,
        kill_path: str | None,
        waiter: _Waiter | None,
        conn=None,  # noqa: ANN001 - a HijackedConnection, or None to open one at ``path``
        path: str | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ):  # noqa: ANN202 - a terminal.PumpResult
        from dshell.terminal import (
            DetachKeysError,
            PumpResult,
            parse_detach_keys,
            pump,
            raw_terminal,
            window_size,
        )

        if conn is None and path is not None:
            conn = self._hijack(path, params, body)
        try:
            keys = parse_detach_keys(detach_keys or "ctrl-p,ctrl-q")
        except DetachKeysError:
            keys = b""
        stdin_fd = self.stdin.fd if stdin else None
        out_fd = self.stdout.fd

        def resize() -> None:
            size = window_size(out_fd) if out_fd is not None else None
            if size is None or resize_path is None:
                return
            with contextlib.suppress(EngineError):
                self.client.request("POST", resize_path, params={"h": size[0], "w": size[1]})

        def proxy(signum: int) -> None:
            name = signal.Signals(signum).name
            with contextlib.suppress(EngineError):
                self.client.request("POST", kill_path, params={"signal": name})

        if conn is None:
            # Nothing attached: only the wait matters.
            try:
                if waiter is not None:
                    waiter.thread.join()
            except KeyboardInterrupt:
                return PumpResult(interrupted=True)
            return PumpResult()
        raw = tty and stdin_fd is not None and self.stdin.is_terminal
        try:
            with raw_terminal(stdin_fd if raw else None):
                return pump(
                    conn,
                    stdin_fd=stdin_fd,
                    write_out=_byte_writer(self.stdout),
                    write_err=_byte_writer(self.stderr),
                    demultiplex=None if tty else FrameDecoder().feed,
                    detach_keys=keys if stdin_fd is not None else b"",
                    on_resize=resize if resize_path and self.stdout.is_terminal else None,
                    on_signal=proxy if kill_path else None,
                    done_fd=waiter.fd if waiter is not None else None,
                )
        finally:
            conn.close()


def logrus_error(message: str) -> str:
    """A line as the docker CLI's logrus prints ``logrus.Errorf`` on a pipe: local time in
    RFC 3339, the message quoted as Go's %q quotes it."""
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    if stamp.endswith("+00:00"):
        stamp = stamp[: -len("+00:00")] + "Z"
    return f'time="{stamp}" level=error msg={json.dumps(message, ensure_ascii=False)}'


def _familiar(image: str) -> str:
    """The name docker prints in ``Unable to find image '…' locally`` (tag added)."""
    from dshell.engine.references import parse_reference, with_default_tag

    try:
        ref = with_default_tag(parse_reference(image))
    except EngineError:
        return image
    text = ref.familiar_name
    if ref.tag:
        text += f":{ref.tag}"
    if ref.digest:
        text += f"@{ref.digest}"
    return text
