"""``container cp``: copying files between a container and the local filesystem."""

from __future__ import annotations

import os
from collections.abc import Iterator

from dshell.commands.base import CommandBase, path_segment
from dshell.commands.declare import Arg, Flag, command
from dshell.engine.errors import EngineError
from dshell.engine.urls import urlencode

#: What docker's client sends: no Accept-Encoding, so an uncompressed archive.
IDENTITY = {"Accept-Encoding": "identity"}


class CopyCommands(CommandBase):
    @command(
        "Copy files/folders between a container and the local filesystem",
        aliases=["cp"],
        flags=[
            Flag("archive", "Archive mode (copy all uid/gid information)", short="a"),
            Flag("follow-link", "Always follow symbol link in SRC_PATH", short="L"),
            Flag("quiet", "Suppress progress output during copy. Progress output is "
                 "automatically suppressed if no terminal is attached", short="q"),
        ],
        args=[Arg("SRC", kind="container:path"), Arg("DEST", kind="container:path")],
        usage="[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- "
              "CONTAINER:DEST_PATH",
        description="Copy files/folders between a container and the local filesystem\n\n"
                    "Use '-' as the source to read a tar archive from stdin\n"
                    "and extract it to a directory destination in a container.\n"
                    "Use '-' as the destination to stream a tar archive of a\n"
                    "container source to stdout.",
    )  # fmt: skip
    def cmd_container_cp(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.archive import ArchiveError, split_cp_arg

        source, destination = opts.args
        if not source:
            self.err("source can not be empty")
            return 1
        if not destination:
            self.err("destination can not be empty")
            return 1
        # docker shows the copy summary (on stderr) only when stdout is a terminal
        quiet = opts.quiet if "quiet" in opts.given else not self.stdout.is_terminal
        src_container, src_path = split_cp_arg(source)
        dst_container, dst_path = split_cp_arg(destination)
        try:
            if src_container and dst_container:
                raise ArchiveError("copying between containers is not supported")
            if src_container:
                return self._copy_from(src_container, src_path, dst_path, opts, quiet)
            if dst_container:
                return self._copy_to(dst_container, src_path, dst_path, opts, quiet)
            raise ArchiveError("must specify at least one container source")
        except BrokenPipeError:
            raise  # ``cp … - | head``: the session ends as a process killed by SIGPIPE
        except (ArchiveError, OSError) as exc:
            self.err(str(exc) if isinstance(exc, ArchiveError) else _os_error_text(exc))
            return 1

    def _copy_from(self, container: str, src_path: str, dst_path: str, opts, quiet: bool
                   ) -> int:  # noqa: ANN001  # fmt: skip
        from dshell.engine import archive

        if dst_path != "-":
            dst_path = archive.resolve_local_path(dst_path)
        archive.validate_output_path(dst_path)
        rebase = ""
        if opts.follow_link:
            stat = self._stat_container_path(container, src_path)
            if stat is not None and stat.is_symlink:
                target = stat.link_target
                if not target.startswith("/"):
                    target = archive.go_join(archive.split_path_dir_entry(src_path)[0], target)
                src_path, rebase = archive.rebase_name_for(src_path, target)
        # docker's client asks for no compression; the daemon's gzip of the archive would
        # cost it far more time than sending the bytes as they are.
        response = self.client.request(
            "GET", _archive_url(container, src_path), stream=True, headers=IDENTITY
        )
        try:
            if dst_path == "-":
                from dshell.commands.output_files import copy_body

                copy_body(response, self.stdout)
                return 0
            stat = archive.decode_path_stat(response.headers.get(archive.STAT_HEADER))
            src = archive.CopyInfo(src_path, exists=True, is_dir=bool(stat and stat.is_dir),
                                   rebase_name=rebase)  # fmt: skip
            counter = archive.TarBodyReader(_body_readinto(response))
            try:
                destination = archive.destination_info(dst_path)
                extract_dir, rename = archive.prepare_archive_copy(src, destination)
                if rebase:
                    rename = (archive.split_path_dir_entry(src_path)[1],
                              rename[1] if rename else rebase)  # fmt: skip
                archive.extract(counter, extract_dir, rename)
                counter.drain()
            finally:
                # docker reports what it read even when the copy then failed
                if not quiet:
                    self.err(_copy_summary(counter.count, dst_path), end="")
        finally:
            response.close()
        return 0

    def _copy_to(self, container: str, src_path: str, dst_path: str, opts, quiet: bool
                 ) -> int:  # noqa: ANN001  # fmt: skip
        from dshell.engine import archive

        dst = archive.CopyInfo(dst_path)
        stat = self._stat_container_path(container, dst_path)
        if stat is not None and stat.is_symlink:
            target = stat.link_target
            if not target.startswith("/"):
                target = archive.go_join(archive.split_path_dir_entry(dst_path)[0], target)
            dst = archive.CopyInfo(target)
            stat = self._stat_container_path(container, target)
        if stat is not None:
            problem = stat.output_problem()
            if problem:
                raise archive.ArchiveError(
                    f'destination "{container}:{dst_path}" must be a directory or a regular '
                    f"file: {problem}"
                )
            dst = archive.CopyInfo(dst.path, exists=True, is_dir=stat.is_dir)
        counted = _CountingChunks()
        if src_path == "-":
            if not dst.is_dir:
                raise archive.ArchiveError(
                    f'destination "{container}:{dst_path}" must be a directory'
                )
            source = self.stdin.buffer
            body = _file_blocks(source) if source is not None else self.stdin.handle
            target_dir = dst.path
        else:
            src = archive.source_info(archive.resolve_local_path(src_path), opts.follow_link)
            target_dir, rename = archive.prepare_archive_copy(src, dst)
            body = counted.through(_coalesce(archive.tar_stream(src, rename, self._log_error)))
        params = {"noOverwriteDirNonDir": True, "copyUIDGID": opts.archive}
        try:
            self.client.request("PUT", _archive_url(container, target_dir), params=params,
                                data=body,
                                headers={"Content-Type": "application/x-tar"},
                                timeout=None)  # fmt: skip
        finally:
            # docker reports what it sent even when the daemon then refused it
            if not quiet:
                self.err(_copy_summary(counted.count, f"{container}:{dst.path}"), end="")
        return 0

    def _log_error(self, message: str) -> None:
        """A file docker's tar writer leaves out, reported as docker's logger reports it."""
        from dshell.engine.archive import logrus_line

        self.err(logrus_line("error", message))

    def _stat_container_path(self, container: str, path: str):  # noqa: ANN202
        """HEAD /archive's stat header, or None when the path (or container) is missing."""
        from dshell.engine.archive import STAT_HEADER, decode_path_stat

        try:
            response = self.client.request("HEAD", _archive_url(container, path))
        except EngineError:
            return None
        return decode_path_stat(response.headers.get(STAT_HEADER))


def _archive_url(container: str, path: str) -> str:
    """``/containers/X/archive?path=…`` with the path's own bytes (names need not be UTF-8)."""
    query = urlencode({"path": os.fsencode(path)})
    return f"/containers/{path_segment(container)}/archive?{query}"


def _body_readinto(response):  # noqa: ANN001, ANN202 - a streamed requests.Response
    """The archive's ``readinto``, in big blocks; a connection that broke mid-archive is
    docker's ``unexpected EOF``."""
    from dshell.engine.archive import ArchiveError
    from dshell.engine.streams import BodyReader

    body = BodyReader(response)

    def readinto(target: memoryview) -> int:
        try:
            return body.readinto(target)
        except Exception:  # noqa: BLE001 - whatever broke the connection
            raise ArchiveError("unexpected EOF") from None

    return readinto


#: The size of the pieces sent for ``cp`` into a container: each is one HTTP chunk and one
#: send; a tree of small files would otherwise go out as three small chunks a file. 128 KiB
#: as engine.streams.BLOCK_SIZE, for the same reason.
SEND_BLOCK = 1 << 17


def _file_blocks(source) -> Iterator[bytes]:  # noqa: ANN001 - a binary file (stdin)
    """A tar archive on standard input in 1 MiB pieces (urllib3 would send 16 KB ones)."""
    while block := source.read(SEND_BLOCK):
        yield block


def _coalesce(pieces: Iterator[bytes], size: int = SEND_BLOCK) -> Iterator[bytes]:
    """Join small pieces (headers, small files, padding) into blocks of about ``size``; a
    piece that is big enough on its own goes out as it is."""
    pending = bytearray()
    for piece in pieces:
        if not pending and len(piece) >= size:
            yield piece
            continue
        pending += piece
        if len(pending) >= size:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)


class _CountingChunks:
    """Counts the bytes of an archive as it is sent (the cp summary)."""

    def __init__(self) -> None:
        self.count = 0

    def through(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.count += len(chunk)
            yield chunk


def _copy_summary(transferred: int, destination: str) -> str:
    """docker 28's ``Successfully copied <bytes of archive> to <destination>``."""
    from dshell.render.units import human_size_with_precision

    return f"Successfully copied {human_size_with_precision(transferred, 3)} to {destination}\n"


def _os_error_text(error: OSError) -> str:
    """Go's *PathError text: ``open /x: permission denied``."""
    from dshell.engine.archive import errno_text

    reason = errno_text(error.errno) if error.errno else str(error)
    return f"{error.filename}: {reason}" if error.filename else reason
