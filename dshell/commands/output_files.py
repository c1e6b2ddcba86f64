"""Files a command writes besides its output, the way docker 28 writes them: ``save -o`` and
``export -o`` (moby/sys/atomicwriter), ``build --iidfile`` (os.Remove, then os.WriteFile) and
``run/create --cidfile`` (docker's cidFile). Every refusal is docker's text; nothing is left
half-written where docker leaves nothing."""

from __future__ import annotations

import contextlib
import errno
import os
import random
import stat
from collections.abc import Callable, Iterable
from typing import Any

from dshell.engine.archive import errno_text, go_base, go_clean, go_dir, path_error

SAVE_TO_TERMINAL = "cowardly refusing to save to a terminal. Use the -o flag or redirect"
ARCHIVE_MODE = 0o600


class OutputFileError(Exception):
    """A file that cannot be written; ``str()`` is docker's message."""


# --- save -o, export -o ------------------------------------------------------------------------


class AtomicFile:
    """atomicwriter.New(path, 0600): the destination is checked first (a directory, a symlink,
    a fifo, a device or a folder that is missing are refused), bytes go to ``.tmp-NAME<digits>``
    beside it, and closing renames that over the destination (mode 0600, umask ignored) when
    something was written and no write failed. The temporary file never stays behind."""

    def __init__(self, path: str) -> None:
        _validate_destination(path)
        self.path = go_clean(os.path.join(os.getcwd(), path))
        self.temporary, descriptor = _create_temporary(go_dir(self.path), ".tmp-" + go_base(path))
        self.handle = os.fdopen(descriptor, "wb")
        self.written = False
        self.write_failed = False

    def write(self, data: bytes) -> None:
        self.written = True
        try:
            self.handle.write(data)
        except OSError as error:
            self.write_failed = True
            raise OutputFileError(path_error("write", self.temporary, error)) from None

    def write_all(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def write_body(self, blocks: Iterable[memoryview]) -> None:
        """Big blocks (a response body's) straight to the file's descriptor."""
        self.handle.flush()
        descriptor = self.handle.fileno()
        for block in blocks:
            self.written = True
            try:
                write_fully(descriptor, block)
            except OSError as error:
                self.write_failed = True
                raise OutputFileError(path_error("write", self.temporary, error)) from None

    def close(self, keep: bool = True) -> None:
        """Finish: rename into place when ``keep`` and the write went well; like docker's
        deferred Close, a failure here is not reported."""
        try:
            with contextlib.suppress(OSError):
                self.handle.flush()
                os.fsync(self.handle.fileno())
            with contextlib.suppress(OSError):
                self.handle.close()
            if keep and self.written and not self.write_failed:
                with contextlib.suppress(OSError):
                    os.chmod(self.temporary, ARCHIVE_MODE)
                    os.replace(self.temporary, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temporary)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind, value, traceback) -> None:  # noqa: ANN001
        # An interrupted copy is dropped; any other failure keeps what was written, as docker
        # renames a partial file when the daemon's stream breaks off.
        self.close(keep=kind is None or issubclass(kind, Exception))


def write_output(err: Callable[[str], None], path: str, failure: str,
                 fetch: Callable[[], Any]) -> int:  # fmt: skip
    """docker's ``-o PATH``: check and open PATH (a refusal is ``<failure>: <why>``), then
    ``fetch()`` the response and copy its body in. An Engine error is raised as it is, after
    the temporary file is gone."""
    try:
        output = AtomicFile(path)
    except OutputFileError as exc:
        err(f"{failure}: {exc}")
        return 1
    from dshell.engine.streams import BodyReader

    try:
        with output:
            response = fetch()
            try:
                output.write_body(BodyReader(response).blocks())
            finally:
                response.close()
    except OutputFileError as exc:
        err(str(exc))
        return 1
    return 0


def write_fully(descriptor: int, data: memoryview | bytes) -> None:
    """os.write until every byte is out (a pipe or a signal may take fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def copy_body(response: Any, stream: Any) -> None:
    """A streamed response's body onto a session stream's binary side (save, export and
    ``cp … -`` to stdout), in BodyReader's blocks, written straight to its descriptor when it
    has one. The response is closed after."""
    from dshell.engine.streams import BodyReader

    try:
        stream.flush()
        sink = stream.buffer
        if sink is None:
            from dshell.engine.errors import EngineError

            raise EngineError("cannot write binary data to this output")
        sink.flush()
        try:
            descriptor = sink.fileno()
        except (AttributeError, OSError, ValueError):
            descriptor = None
        for block in BodyReader(response).blocks():
            if descriptor is None:
                sink.write(bytes(block))
            else:
                write_fully(descriptor, block)
        sink.flush()
    finally:
        response.close()


def _validate_destination(path: str) -> None:
    if not path:
        raise OutputFileError("file name is empty")
    folder = go_dir(path)
    if folder not in ("", ".", ".."):
        try:
            folder_stat = os.stat(folder)
        except OSError as error:
            raise OutputFileError(f"invalid output path: {path_error('stat', folder, error)}"
                                  ) from None  # fmt: skip
        if not stat.S_ISDIR(folder_stat.st_mode):
            raise OutputFileError(f"invalid output path: stat {folder}: "
                                  f"{errno_text(errno.ENOTDIR)}")  # fmt: skip
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputFileError(f"failed to stat output path: {path_error('lstat', path, error)}"
                              ) from None  # fmt: skip
    problem = _unwritable_kind(mode)
    if problem:
        raise OutputFileError(problem)


def _unwritable_kind(mode: int) -> str | None:
    """atomicwriter's refusal for what already stands at the destination (None: a file)."""
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISDIR, "cannot write to a directory"),
             (stat.S_ISLNK, "cannot write to a symbolic link directly"),
             (stat.S_ISFIFO, "cannot write to a named pipe (FIFO)"),
             (stat.S_ISSOCK, "cannot write to a socket"),
             (stat.S_ISCHR, "cannot write to a character device file"),
             (stat.S_ISBLK, "cannot write to a block device file"))  # fmt: skip
    for test, text in kinds:
        if test(mode):
            return text
    return f"unknown file mode: {oct(mode)}"


def _create_temporary(folder: str, prefix: str) -> tuple[str, int]:
    """Go's os.CreateTemp: ``prefix`` and a random number, created exclusively, mode 0600."""
    for _attempt in range(10000):
        name = os.path.join(folder, prefix + str(random.getrandbits(32)))
        try:
            return name, os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputFileError(path_error("open", name, error)) from None
    raise OutputFileError(f"createtemp {os.path.join(folder, prefix)}*: file already exists")


# --- build --iidfile ---------------------------------------------------------------------------


def remove_stale_file(path: str) -> None:
    """Go's os.Remove, a missing path being fine: unlink, else rmdir (so an empty folder goes
    too); the error is ``remove PATH: why``."""
    try:
        os.unlink(path)
        return
    except OSError as unlink_error:
        first = unlink_error
    try:
        os.rmdir(path)
        return
    except OSError as rmdir_error:
        chosen = first if rmdir_error.errno == errno.ENOTDIR else rmdir_error
    if chosen.errno == errno.ENOENT:
        return
    raise OutputFileError(path_error("remove", path, chosen))


def write_file(path: str, data: bytes) -> None:
    """Go's os.WriteFile(path, data, 0666): created or truncated, the umask applies."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    except OSError as error:
        raise OutputFileError(path_error("open", path, error)) from None
    with os.fdopen(descriptor, "wb") as handle:
        try:
            handle.write(data)
            handle.flush()
        except OSError as error:
            raise OutputFileError(path_error("write", path, error)) from None


# --- run/create --cidfile ----------------------------------------------------------------------


class ContainerIDFile:
    """docker's cidFile: refused if the path exists, created before the container is, written
    with the new ID, and removed again when no ID was written (the create failed)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.handle = None
        self.written = False
        if not path:
            return
        if os.path.exists(path):
            raise OutputFileError("container ID file found, make sure the other container "
                                  f"isn't running or delete {path}")  # fmt: skip
        try:
            self.handle = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as error:
            raise OutputFileError("failed to create the container ID file: "
                                  f"{path_error('open', path, error)}") from None  # fmt: skip

    def write(self, container_id: str) -> None:
        if self.handle is None:
            return
        try:
            self.handle.write(container_id)
            self.handle.flush()
        except OSError as error:
            raise OutputFileError(
                "failed to write the container ID to the file: "
                f"{path_error('write', self.path or '', error)}"
            ) from None
        self.written = True

    def close(self) -> None:
        if self.handle is None:
            return
        with contextlib.suppress(OSError):
            self.handle.close()
        if not self.written and self.path:
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def __enter__(self) -> ContainerIDFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_image_id(path: str, image_id: str) -> str | None:
    """``--iidfile``: the built image's ID written as docker's build writes it; the error to
    print when there is none or the file cannot be written."""
    if not image_id:
        return f"Server did not provide an image ID. Cannot write {path}"
    try:
        write_file(path, image_id.encode())
    except OutputFileError as exc:
        return str(exc)
    return None
