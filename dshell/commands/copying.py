"""``container cp``: copying files between a container and the local filesystem."""

from __future__ import annotations

import os

from dshell.commands.base import CommandBase, path_segment
from dshell.commands.declare import Arg, Flag, command
from dshell.engine.errors import EngineError


class CopyCommands(CommandBase):
    @command(
        "Copy files/folders between a container and the local filesystem",
        aliases=["cp"],
        flags=[
            Flag("archive", "Archive mode (copy all uid/gid information)", short="a"),
            Flag("follow-link", "Always follow symbol link in SRC_PATH", short="L"),
            Flag("quiet", "Suppress progress output during copy. Progress output is\n"
                 "automatically suppressed if no terminal is attached", short="q"),
        ],
        args=[Arg("SRC", kind="container:path"), Arg("DEST", kind="container:path")],
        usage="[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tcontainer cp [OPTIONS] SRC_PATH|- "
              "CONTAINER:DEST_PATH",
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
        except (ArchiveError, OSError) as exc:
            self.err(str(exc) if isinstance(exc, ArchiveError) else _os_error_text(exc))
            return 1

    def _copy_from(self, container: str, src_path: str, dst_path: str, opts, quiet: bool
                   ) -> int:  # noqa: ANN001  # fmt: skip
        from dshell.engine import archive

        if dst_path != "-":
            dst_path = archive.resolve_local_path(dst_path)
            parent = os.path.dirname(os.path.normpath(dst_path))
            if parent and parent != "." and not os.path.exists(parent):
                raise archive.ArchiveError(
                    f'invalid output path: directory "{parent}" does not exist')
        rebase = ""
        if opts.follow_link:
            stat = self._stat_container_path(container, src_path)
            if stat is not None and stat.is_symlink:
                target = stat.link_target
                if not target.startswith("/"):
                    target = os.path.join(archive.split_path_dir_entry(src_path)[0], target)
                src_path, rebase = archive.rebase_name_for(src_path, target)
        response = self.client.request("GET", f"/containers/{path_segment(container)}/archive",
                                       params={"path": src_path}, stream=True)  # fmt: skip
        try:
            if dst_path == "-":
                self.write_binary(response.iter_content(1 << 20))
                return 0
            stat = archive.decode_path_stat(response.headers.get(archive.STAT_HEADER))
            src = archive.CopyInfo(src_path, exists=True, is_dir=bool(stat and stat.is_dir),
                                   rebase_name=rebase)  # fmt: skip
            counter = _CountingReader(response.raw)
            destination = archive.destination_info(dst_path)
            extract_dir, rename = archive.prepare_archive_copy(src, destination)
            if rebase:
                rename = (archive.split_path_dir_entry(src_path)[1], rename[1] if rename
                          else rebase)  # fmt: skip
            archive.extract(counter, extract_dir, rename)
        finally:
            response.close()
        if not quiet:
            size = counter.count if stat is None or stat.is_dir else stat.size
            self.err(_copy_summary(size, counter.count, dst_path), end="")
        return 0

    def _copy_to(self, container: str, src_path: str, dst_path: str, opts, quiet: bool
                 ) -> int:  # noqa: ANN001  # fmt: skip
        from dshell.engine import archive

        dst = archive.CopyInfo(dst_path)
        stat = self._stat_container_path(container, dst_path)
        if stat is not None and stat.is_symlink:
            target = stat.link_target
            if not target.startswith("/"):
                target = os.path.join(archive.split_path_dir_entry(dst_path)[0], target)
            dst = archive.CopyInfo(target)
            stat = self._stat_container_path(container, target)
        if stat is not None:
            if not (stat.is_dir or stat.is_regular):
                raise archive.ArchiveError(
                    f'destination "{container}:{dst_path}" must be a directory or a regular '
                    "file")
            dst = archive.CopyInfo(dst.path, exists=True, is_dir=stat.is_dir)
        if src_path == "-":
            if not dst.is_dir:
                raise archive.ArchiveError(
                    f'destination "{container}:{dst_path}" must be a directory')
            body = self.stdin.buffer if self.stdin.buffer is not None else self.stdin.handle
            target_dir, content_size = dst.path, None
        else:
            src = archive.source_info(archive.resolve_local_path(src_path), opts.follow_link)
            content_size = archive.local_content_size(src.path)
            target_dir, rename = archive.prepare_archive_copy(src, dst)
            body = archive.tar_source(src, rename, opts.archive)
        params = {"path": target_dir, "noOverwriteDirNonDir": True,
                  "copyUIDGID": opts.archive}  # fmt: skip
        self.client.request("PUT", f"/containers/{path_segment(container)}/archive", params=params,
                            data=body, headers={"Content-Type": "application/x-tar"},
                            timeout=None)  # fmt: skip
        if not quiet:
            sent = len(body) if isinstance(body, bytes) else 0
            self.err(_copy_summary(content_size if content_size is not None else sent, sent,
                                   f"{container}:{dst.path}"), end="")  # fmt: skip
        return 0

    def _stat_container_path(self, container: str, path: str):  # noqa: ANN202
        """HEAD /archive's stat header, or None when the path (or container) is missing."""
        from dshell.engine.archive import STAT_HEADER, decode_path_stat

        try:
            response = self.client.request("HEAD", f"/containers/{path_segment(container)}/archive",
                                           params={"path": path})  # fmt: skip
        except EngineError:
            return None
        return decode_path_stat(response.headers.get(STAT_HEADER))


class _CountingReader:
    """A file-like view of a response body that counts the bytes read (the cp summary)."""

    def __init__(self, raw) -> None:  # noqa: ANN001
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if size and size > 0 else 1 << 20)
        self.count += len(data)
        return data


def _copy_summary(content: int, transferred: int, destination: str) -> str:
    from dshell.render.units import human_size_with_precision

    if content != transferred:
        return (f"Successfully copied {human_size_with_precision(content, 3)} (transferred "
                f"{human_size_with_precision(transferred, 3)}) to {destination}\n")
    return f"Successfully copied {human_size_with_precision(content, 3)} to {destination}\n"


def _os_error_text(error: OSError) -> str:
    """Go's *PathError text: ``open /x: permission denied``."""
    reason = os.strerror(error.errno).lower() if error.errno else str(error)
    return f"{error.filename}: {reason}" if error.filename else reason
