"""Tar and path helpers behind ``cp``: docker's copy rules (go-archive's CopyInfo,
PrepareArchiveCopy, RebaseArchiveEntries) and the ``X-Docker-Container-Path-Stat`` header.

The rules decide which directory an archive is extracted into and whether the top entry of the
archive must be renamed, so that ``cp a b`` means the same thing whether ``b`` exists, is a
directory, or ends in ``/``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import posixpath
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

STAT_HEADER = "X-Docker-Container-Path-Stat"

# go-archive's error values; docker prints them as they are.
NOT_A_DIRECTORY = "not a directory"
NO_SUCH_DIRECTORY = "no such directory"
CANNOT_COPY_DIRECTORY = "cannot copy directory"

# Go's os.FileMode bits as the daemon sends them in the stat header.
GO_MODE_DIR = 1 << 31
GO_MODE_SYMLINK = 1 << 27
#: Go's os.ModeType: dir, symlink, device, named pipe, socket, char device, irregular.
GO_MODE_TYPE_BITS = GO_MODE_DIR | GO_MODE_SYMLINK | sum(1 << bit for bit in (26, 25, 24, 21, 19))


class ArchiveError(Exception):
    """A copy that cannot be done; ``str()`` is docker's message."""


@dataclass(frozen=True)
class PathStat:
    """The decoded ``X-Docker-Container-Path-Stat`` header."""

    name: str
    size: int
    mode: int
    link_target: str

    @property
    def is_dir(self) -> bool:
        return bool(self.mode & GO_MODE_DIR)

    @property
    def is_symlink(self) -> bool:
        return bool(self.mode & GO_MODE_SYMLINK)

    @property
    def is_regular(self) -> bool:
        return not self.mode & GO_MODE_TYPE_BITS


def decode_path_stat(header: str | None) -> PathStat | None:
    """The stat header's base64 JSON, or None when it is missing or unreadable."""
    if not header:
        return None
    try:
        data = json.loads(base64.b64decode(header))
    except (ValueError, TypeError):
        return None
    return PathStat(
        name=str(data.get("name", "")),
        size=int(data.get("size") or 0),
        mode=int(data.get("mode") or 0),
        link_target=str(data.get("linkTarget") or ""),
    )


@dataclass(frozen=True)
class CopyInfo:
    """go-archive's CopyInfo: a path, whether it exists and is a directory, and the name its
    top archive entry must take (set when a followed symlink or ``dir/.`` changes it)."""

    path: str
    exists: bool = False
    is_dir: bool = False
    rebase_name: str = ""


def split_cp_arg(arg: str) -> tuple[str, str]:
    """``CONTAINER:PATH`` → (container, path); a local path → ("", path).

    A local path containing ``:`` must be made explicit (``./a:b`` or ``/a:b``), as in scp.
    """
    if arg.startswith("/"):
        return "", arg
    container, sep, path = arg.partition(":")
    if not sep or container.startswith("."):
        return "", arg
    return container, path


def has_trailing_separator(path: str) -> bool:
    return path.endswith("/")


def specifies_current_dir(path: str) -> bool:
    return posixpath.basename(path) == "."


def asserts_directory(path: str) -> bool:
    return has_trailing_separator(path) or specifies_current_dir(path)


def preserve_trailing_dot_or_separator(cleaned: str, original: str) -> str:
    """Put back the ``/.`` or ``/`` that cleaning a path removed (they change cp's meaning)."""
    if not specifies_current_dir(cleaned) and specifies_current_dir(original):
        if not has_trailing_separator(cleaned):
            cleaned += "/"
        cleaned += "."
    if not has_trailing_separator(cleaned) and has_trailing_separator(original):
        cleaned += "/"
    return cleaned


def resolve_local_path(path: str) -> str:
    """Go's filepath.Abs, keeping a trailing ``/`` or ``/.``."""
    return preserve_trailing_dot_or_separator(os.path.abspath(path), path)


def split_path_dir_entry(path: str) -> tuple[str, str]:
    """go-archive's SplitPathDirEntry: (parent, base) of a cleaned path; ``d/.`` keeps ``.``."""
    cleaned = posixpath.normpath(path) if path else "."
    if specifies_current_dir(path):
        cleaned += "/."
    return posixpath.dirname(cleaned) or ".", posixpath.basename(cleaned)


def rebase_name_for(path: str, resolved: str) -> tuple[str, str]:
    """go-archive's GetRebaseName: keep ``/.`` or ``/`` and name the entry as the user wrote."""
    resolved = preserve_trailing_dot_or_separator(resolved, path)
    rebase = ""
    if specifies_current_dir(path) and not specifies_current_dir(resolved):
        resolved += "/."
    if has_trailing_separator(path) and not has_trailing_separator(resolved):
        resolved += "/"
    if posixpath.basename(path) != posixpath.basename(resolved):
        rebase = posixpath.basename(path)
    return resolved, rebase


def _lstat_error(path: str, error: OSError) -> ArchiveError:
    return ArchiveError(f"lstat {path}: {os.strerror(error.errno or 0).lower()}")


def source_info(path: str, follow_link: bool) -> CopyInfo:
    """go-archive's CopyInfoSourcePath for a local source (already absolute)."""
    rebase = ""
    if follow_link:
        if not os.path.lexists(path):
            raise _lstat_error(path, FileNotFoundError(2, ""))
        resolved, rebase = rebase_name_for(path, os.path.realpath(path))
    else:
        directory, base = path[: path.rfind("/") + 1], path[path.rfind("/") + 1 :]
        real_dir = os.path.realpath(directory or ".")
        resolved = real_dir + "/" + base
        if has_trailing_separator(path) and posixpath.basename(path.rstrip("/")) != (
            posixpath.basename(resolved.rstrip("/"))
        ):
            rebase = posixpath.basename(path.rstrip("/"))
    try:
        info = os.lstat(resolved)
    except OSError as error:
        raise _lstat_error(resolved, error) from None
    return CopyInfo(resolved, exists=True, is_dir=stat.S_ISDIR(info.st_mode), rebase_name=rebase)


def destination_info(path: str) -> CopyInfo:
    """go-archive's CopyInfoDestinationPath for a local destination: symlinks in the last
    component are followed; a missing path needs an existing parent directory."""
    current = path
    for _ in range(10):
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return _missing_destination(current)
        except OSError as error:
            raise _lstat_error(current, error) from None
        if not stat.S_ISLNK(info.st_mode):
            return CopyInfo(current, exists=True, is_dir=stat.S_ISDIR(info.st_mode))
        target = os.readlink(current)
        if not target.startswith("/"):
            target = posixpath.join(split_path_dir_entry(current)[0], target)
        current = target
    raise ArchiveError("too many symlinks in " + path)


def _missing_destination(path: str) -> CopyInfo:
    """A destination that does not exist yet is fine when its parent is a directory."""
    parent, _base = split_path_dir_entry(path)
    try:
        parent_stat = os.stat(parent)
    except OSError as error:
        raise ArchiveError(f"stat {parent}: {os.strerror(error.errno or 0).lower()}") from None
    if not stat.S_ISDIR(parent_stat.st_mode):
        raise ArchiveError(NOT_A_DIRECTORY)
    return CopyInfo(path)


def prepare_archive_copy(src: CopyInfo, dst: CopyInfo) -> tuple[str, tuple[str, str] | None]:
    """go-archive's PrepareArchiveCopy: the directory to extract into, and the
    (old, new) top-entry rename to apply to the archive, if any."""
    dst_dir, dst_base = split_path_dir_entry(dst.path)
    _src_dir, src_base = split_path_dir_entry(src.path)
    if src.rebase_name:
        src_base = src.rebase_name
    if dst.exists and dst.is_dir:
        return dst.path, None
    if dst.exists and src.is_dir:
        raise ArchiveError(CANNOT_COPY_DIRECTORY)
    if dst.exists or src.is_dir:
        return dst_dir, (src_base, dst_base)
    if asserts_directory(dst.path):
        raise ArchiveError(NO_SUCH_DIRECTORY)
    return dst_dir, (src_base, dst_base)


def rebase_entry_name(name: str, old: str, new: str) -> str:
    """Rename the first path component ``old`` to ``new`` (RebaseArchiveEntries)."""
    if old == "/":
        return name
    first, sep, rest = name.partition("/")
    if first != old:
        return name
    return new + sep + rest


def rebased_members(archive: tarfile.TarFile, rename: tuple[str, str] | None
                    ) -> Iterator[tarfile.TarInfo]:  # fmt: skip
    for member in archive:
        if rename:
            member.name = rebase_entry_name(member.name, *rename)
            if member.islnk():
                member.linkname = rebase_entry_name(member.linkname, *rename)
        yield member


def _inside(root: str, name: str) -> bool:
    target = os.path.normpath(os.path.join(root, name))
    return target == root or target.startswith(root.rstrip("/") + "/")


def extract(stream: IO[bytes], destination: str, rename: tuple[str, str] | None) -> None:
    """Untar ``stream`` (read sequentially) into ``destination``, renaming the top entry.

    Entries that would land outside the destination are refused, as docker's Untar does.
    """
    root = os.path.abspath(destination)
    with tarfile.open(fileobj=stream, mode="r|*") as archive:
        for member in rebased_members(archive, rename):
            if not _inside(root, member.name) or (
                member.islnk() and not _inside(root, member.linkname)
            ):
                raise ArchiveError(f"invalid archive entry: {member.name}")
            if member.isdir() and os.path.isdir(os.path.join(root, member.name)):
                os.chmod(os.path.join(root, member.name), member.mode & 0o7777)
                continue
            path = os.path.join(root, member.name)
            if os.path.lexists(path) and not os.path.isdir(path):
                os.unlink(path)
            archive.extract(member, root, set_attrs=True, numeric_owner=True,
                            **_trusted_filter())  # fmt: skip


def _trusted_filter() -> dict:
    """Python 3.12+ wants an extraction filter; entries are already checked above."""
    return {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}


def tar_source(src: CopyInfo, rename: tuple[str, str] | None, archive_mode: bool) -> bytes:
    """A tar of a local file or directory named by its base (TarResource), renamed as the
    copy rules require. Owners are kept only with ``-a``; otherwise they become root."""
    _directory, base = split_path_dir_entry(src.path)
    buffer = io.BytesIO()

    def owner(info: tarfile.TarInfo) -> tarfile.TarInfo:
        if rename:
            info.name = rebase_entry_name(info.name, *rename)
        if not archive_mode:
            info.uid = info.gid = 0
            info.uname = info.gname = ""
        return info

    source = src.path[:-2] if src.path.endswith("/.") else src.path
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(source, arcname=src.rebase_name or base, recursive=True, filter=owner)
    return buffer.getvalue()


def local_content_size(path: str) -> int:
    """Bytes of regular-file content under ``path`` (the cp summary's size)."""
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        return info.st_size if stat.S_ISREG(info.st_mode) else 0
    total = 0
    for directory, _dirs, files in os.walk(path):
        for name in files:
            entry = os.lstat(os.path.join(directory, name))
            if stat.S_ISREG(entry.st_mode):
                total += entry.st_size
    return total
