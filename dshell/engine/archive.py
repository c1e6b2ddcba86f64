"""Tar and path helpers behind ``cp``: docker's copy rules (go-archive's CopyInfo,
PrepareArchiveCopy, RebaseArchiveEntries), its tar writer (TarWithOptions) and reader (Untar),
and the ``X-Docker-Container-Path-Stat`` header.

The rules decide which directory an archive is extracted into and whether the top entry of the
archive must be renamed, so that ``cp a b`` means the same thing whether ``b`` exists, is a
directory, or ends in ``/``. The writer and the reader keep what docker keeps: hard links (a
link entry names its target by its path in the archive, renamed like every other entry),
symlinks, modes, owners in the archive (the daemon decides what to do with them), whole-second
modification times, the ``security.capability`` attribute, and names as raw bytes.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import stat
import tarfile
import time
from collections.abc import Callable, Iterator
from typing import IO

from dshell.records import dataclass

STAT_HEADER = "X-Docker-Container-Path-Stat"

# go-archive's error values; docker prints them as they are.
NOT_A_DIRECTORY = "not a directory"
NO_SUCH_DIRECTORY = "no such directory"
CANNOT_COPY_DIRECTORY = "cannot copy directory"

# Go's os.FileMode bits as the daemon sends them in the stat header.
GO_MODE_DIR = 1 << 31
GO_MODE_SYMLINK = 1 << 27
GO_MODE_DEVICE = 1 << 26
GO_MODE_IRREGULAR = 1 << 19
#: Go's os.ModeType: dir, symlink, device, named pipe, socket, char device, irregular.
GO_MODE_TYPE_BITS = GO_MODE_DIR | GO_MODE_SYMLINK | sum(1 << bit for bit in (26, 25, 24, 21, 19))

#: Directories the reader makes for entries whose parent is missing (ImpliedDirectoryMode).
IMPLIED_DIRECTORY_MODE = 0o755
CAPABILITY_XATTR = "security.capability"
PAX_XATTR_PREFIX = "SCHILY.xattr."
BLOCK = 512
CHUNK = 1 << 17  # as streams.BLOCK_SIZE, for the same reason


class ArchiveError(Exception):
    """A copy that cannot be done; ``str()`` is docker's message."""


# --- Go's words for errors and paths --------------------------------------------------------


def errno_text(code: int | None) -> str:
    """Go's syscall.Errno text: the C library's message with a lower-case first letter."""
    text = os.strerror(code) if code else "unknown error"
    return text[:1].lower() + text[1:]


def path_error(op: str, path: str, error: OSError) -> str:
    """Go's *PathError text: ``open /x: permission denied``."""
    return f"{op} {path}: {errno_text(error.errno)}"


def link_error(op: str, old: str, new: str, error: OSError) -> str:
    """Go's *LinkError text: ``link /a /b: file exists``."""
    return f"{op} {old} {new}: {errno_text(error.errno)}"


def go_quote(text: str) -> str:
    """Go's strconv.Quote of a path (its bytes as the file system holds them)."""
    data = os.fsencode(text)
    out, index = ['"'], 0
    while index < len(data):
        char, size = _decode_rune(data, index)
        index += size
        if char is None:
            out.append(f"\\x{data[index - 1]:02x}")
        elif char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out) + '"'


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v"}  # fmt: skip


def _decode_rune(data: bytes, index: int) -> tuple[str | None, int]:
    """One UTF-8 character at ``index`` and its length; (None, 1) for a byte that is not one."""
    lead = data[index]
    if lead < 0x80:
        return chr(lead), 1
    size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if lead <= 0xF4 else 0
    try:
        return data[index : index + size].decode("utf-8"), size
    except UnicodeDecodeError:
        return None, 1


def go_clean(path: str) -> str:
    """Go's filepath.Clean (posixpath.normpath keeps a leading ``//``; Go does not)."""
    cleaned = os.path.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def go_join(directory: str, name: str) -> str:
    """Go's filepath.Join of two elements."""
    if not name:
        return go_clean(directory) if directory else ""
    return go_clean(f"{directory}/{name}" if directory else name)


def go_dir(path: str) -> str:
    """Go's filepath.Dir: everything before the last ``/``, cleaned (``.`` when none)."""
    return go_clean(path[: path.rfind("/") + 1])


def go_base(path: str) -> str:
    """Go's filepath.Base: the last element, trailing slashes ignored (``/`` for the root)."""
    if not path:
        return "."
    stripped = path.rstrip("/")
    if not stripped:
        return "/"
    return stripped[stripped.rfind("/") + 1 :]


def logrus_line(level: str, message: str) -> str:
    """One line as the docker CLI's logger writes it on standard error."""
    moment = time.localtime()
    offset = time.strftime("%z", moment)
    zone = "Z" if offset in ("+0000", "-0000") else f"{offset[:3]}:{offset[3:]}"
    return (f'time="{time.strftime("%Y-%m-%dT%H:%M:%S", moment)}{zone}" level={level} '
            f"msg={go_quote(message)}")  # fmt: skip


# --- the stat header ------------------------------------------------------------------------


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

    def output_problem(self) -> str | None:
        """docker's ValidateOutputPathFileMode: only devices and irregular files are refused."""
        if self.mode & GO_MODE_DEVICE:
            return "got a device"
        if self.mode & GO_MODE_IRREGULAR:
            return "got an irregular file"
        return None


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


# --- copy rules -----------------------------------------------------------------------------


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
    return go_base(path) == "."


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
    return preserve_trailing_dot_or_separator(go_clean(os.path.join(os.getcwd(), path)), path)


def split_path_dir_entry(path: str) -> tuple[str, str]:
    """go-archive's SplitPathDirEntry: (parent, base) of a cleaned path; ``d/.`` keeps ``.``."""
    cleaned = go_clean(path)
    if specifies_current_dir(path):
        cleaned += "/."
    return go_dir(cleaned), go_base(cleaned)


def rebase_name_for(path: str, resolved: str) -> tuple[str, str]:
    """go-archive's GetRebaseName: keep ``/.`` or ``/`` and name the entry as the user wrote."""
    rebase = ""
    if specifies_current_dir(path) and not specifies_current_dir(resolved):
        resolved += "/."
    if has_trailing_separator(path) and not has_trailing_separator(resolved):
        resolved += "/"
    if go_base(path) != go_base(resolved):
        rebase = go_base(path)
    return resolved, rebase


def eval_symlinks(path: str) -> str:
    """Go's filepath.EvalSymlinks, with its errors: every symlink in ``path`` resolved, each
    element checked to exist (``lstat /a/b: no such file or directory``)."""
    floor = 1 if path.startswith("/") else 0
    root = path[:floor]
    destination, links, start = root, 0, floor
    while start < len(path):
        while start < len(path) and path[start] == "/":
            start += 1
        end = path.find("/", start)
        end = len(path) if end < 0 else end
        part = path[start:end]
        start = end
        if not part or part == ".":
            continue
        if part == "..":
            cut = destination.rfind("/", floor)
            if cut < 0 or destination[cut + 1 :] == "..":
                destination += ("/" if len(destination) > floor else "") + ".."
            else:
                destination = destination[:cut]
            continue
        if destination and not destination.endswith("/"):
            destination += "/"
        destination += part
        try:
            info = os.lstat(destination)
        except OSError as error:
            raise ArchiveError(path_error("lstat", destination, error)) from None
        if not stat.S_ISLNK(info.st_mode):
            if not stat.S_ISDIR(info.st_mode) and end < len(path):
                raise ArchiveError(NOT_A_DIRECTORY)
            continue
        links += 1
        if links > 255:
            raise ArchiveError("EvalSymlinks: too many links")
        try:
            target = os.readlink(destination)
        except OSError as error:
            raise ArchiveError(path_error("readlink", destination, error)) from None
        path = target + path[end:]
        if target.startswith("/"):
            destination, start = "/", 1
        else:
            cut = destination.rfind("/", floor)
            destination = root if cut < 0 else destination[:cut]
            start = 0
    return go_clean(destination)


def source_info(path: str, follow_link: bool) -> CopyInfo:
    """go-archive's CopyInfoSourcePath for a local source (already absolute)."""
    rebase = ""
    if follow_link:
        resolved, rebase = rebase_name_for(path, eval_symlinks(path))
    else:
        directory, base = path[: path.rfind("/") + 1], path[path.rfind("/") + 1 :]
        resolved = eval_symlinks(directory) + "/" + base
        if has_trailing_separator(path) and go_base(path) != go_base(resolved):
            rebase = go_base(path)
    try:
        info = os.lstat(resolved)
    except OSError as error:
        raise ArchiveError(path_error("lstat", resolved, error)) from None
    return CopyInfo(resolved, exists=True, is_dir=stat.S_ISDIR(info.st_mode), rebase_name=rebase)


def validate_output_path(path: str) -> None:
    """docker's ValidateOutputPath for ``cp``'s local destination."""
    directory = go_dir(go_clean(path))
    if directory not in ("", "."):
        try:
            os.stat(directory)
        except FileNotFoundError:
            raise ArchiveError(
                f"invalid output path: directory {go_quote(directory)} does not exist"
            ) from None
        except OSError:
            pass
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise ArchiveError(path_error("stat", path, error)) from None
    if stat.S_ISBLK(info.st_mode) or stat.S_ISCHR(info.st_mode):
        raise ArchiveError(f"invalid output path: {go_quote(path)} must be a directory or a "
                           "regular file: got a device")  # fmt: skip


def destination_info(path: str) -> CopyInfo:
    """go-archive's CopyInfoDestinationPath for a local destination: symlinks in the last
    component are followed; a missing path needs an existing parent directory."""
    original, current = path, path
    for walked in range(12):
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return _missing_destination(current)
        except OSError as error:
            raise ArchiveError(path_error("lstat", current, error)) from None
        if not stat.S_ISLNK(info.st_mode):
            return CopyInfo(current, exists=True, is_dir=stat.S_ISDIR(info.st_mode))
        if walked > 10:
            break
        try:
            target = os.readlink(current)
        except OSError as error:
            raise ArchiveError(path_error("readlink", current, error)) from None
        if not target.startswith("/"):
            target = go_join(split_path_dir_entry(current)[0], target)
        current = target
    raise ArchiveError("too many symlinks in " + original)


def _missing_destination(path: str) -> CopyInfo:
    """A destination that does not exist yet is fine when its parent is a directory."""
    parent, _base = split_path_dir_entry(path)
    try:
        parent_stat = os.stat(parent)
    except OSError as error:
        raise ArchiveError(path_error("stat", parent, error)) from None
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
    """RebaseArchiveEntries for one entry name (or hard-link target): the first path element
    ``old`` becomes ``new``. Every entry of a copied resource starts with its base, so this is
    docker's first-occurrence replacement; a base of ``/`` (the whole root) is replaced by
    nothing, which puts ``new`` in front of every name."""
    if old == "/":
        return new + name
    first, sep, rest = name.partition("/")
    if first != old:
        return name
    return new + sep + rest


# --- writing an archive of a local resource (TarResource) -----------------------------------


def tar_stream(src: CopyInfo, rename: tuple[str, str] | None,
               log_error: Callable[[str], None] = lambda _message: None
               ) -> Iterator[bytes]:  # fmt: skip
    """The archive docker sends for a local file or directory, as it is read.

    Entries are named from the source's base (or its rebase name), renamed as the copy rules
    require; directories are walked in byte order. Hard-linked files after the first are link
    entries naming the first one's (renamed) path. Owners are the files' own numeric ids;
    the daemon keeps them or replaces them. A file that cannot be archived (a socket, an
    unreadable file) is reported through ``log_error`` and left out, as docker does.
    """
    try:
        os.lstat(src.path)
    except OSError as error:
        raise ArchiveError(path_error("lstat", src.path, error)) from None
    return _TarWriter(src, rename, log_error).entries()


class _TarWriter:
    """go-archive's Tarballer for one include (the source's base) with one rebase name."""

    def __init__(self, src: CopyInfo, rename: tuple[str, str] | None,
                 log_error: Callable[[str], None]) -> None:  # fmt: skip
        self.root, self.include = split_path_dir_entry(src.path)
        self.rebase = src.rebase_name
        self.rename = rename
        self.log_error = log_error
        self.seen_inodes: dict[int, str] = {}

    def entries(self) -> Iterator[bytes]:
        walk_root = self.root.rstrip("/") + "/" + self.include
        for path in _walk(walk_root, self._walk_error):
            relative = os.path.relpath(path, self.root)
            if self.include == "." and relative != ".":
                relative = "./" + relative
            if self.rebase:
                replacement = "" if self.rebase == "/" else self.rebase
                relative = relative.replace(self.include, replacement, 1)
            yield from self._entry(path, relative)
        yield b"\0" * (2 * BLOCK)

    def _walk_error(self, text: str) -> None:
        self.log_error(f"Tar: Can't stat file {self.root} to tar: {text}")

    def _entry(self, path: str, name: str) -> Iterator[bytes]:
        try:
            info, handle = self._header(path, name)
        except ArchiveError as error:
            self.log_error(f"Can't add file {path} to tar: {error}")
            return
        yield _encode_header(info)
        if handle is None:
            return
        with handle:
            remaining = info.size
            while remaining:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
            if remaining:
                yield b"\0" * remaining
        if info.size % BLOCK:
            yield b"\0" * (BLOCK - info.size % BLOCK)

    def _header(self, path: str, name: str) -> tuple[tarfile.TarInfo, IO[bytes] | None]:
        """Go's FileInfoHeader (no user lookups, whole seconds), the capability xattr, and the
        hard-link rule; plus the open file for a regular entry with content."""
        status = _os_call(os.lstat, "lstat", path)
        mode = status.st_mode
        info = tarfile.TarInfo(_canonical_name(name, stat.S_ISDIR(mode)))
        info.mode = stat.S_IMODE(mode)
        info.uid, info.gid = status.st_uid, status.st_gid
        info.uname = info.gname = ""
        info.mtime = status.st_mtime_ns // 10**9
        handle = None
        if stat.S_ISREG(mode):
            info.type, info.size = tarfile.REGTYPE, status.st_size
        elif stat.S_ISDIR(mode):
            info.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(mode):
            info.type, info.linkname = tarfile.SYMTYPE, _os_call(os.readlink, "readlink", path)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
            info.devmajor, info.devminor = os.major(status.st_rdev), os.minor(status.st_rdev)
        elif stat.S_ISFIFO(mode):
            info.type = tarfile.FIFOTYPE
        elif stat.S_ISSOCK(mode):
            raise ArchiveError("archive/tar: sockets not supported")
        else:
            raise ArchiveError(f"archive/tar: unknown file mode {oct(mode)}")
        capability = _capability(path)
        if capability is not None:
            info.pax_headers = {PAX_XATTR_PREFIX + CAPABILITY_XATTR:
                                capability.decode("utf-8", "surrogateescape")}  # fmt: skip
        if not stat.S_ISDIR(mode) and status.st_nlink > 1:
            first = self.seen_inodes.get(status.st_ino)
            if first is not None:
                info.type, info.linkname, info.size = tarfile.LNKTYPE, first, 0
            else:
                self.seen_inodes[status.st_ino] = name
        if self.rename:
            info.name = rebase_entry_name(info.name, *self.rename)
            if info.type == tarfile.LNKTYPE:
                info.linkname = rebase_entry_name(info.linkname, *self.rename)
        if info.type == tarfile.REGTYPE and info.size > 0:
            handle = _os_call(open, "open", path, "rb")
        return info, handle


def _walk(root: str, on_error: Callable[[str], None]) -> Iterator[str]:
    """Go's filepath.WalkDir order: a directory, then its entries sorted by their bytes;
    symlinks are not followed; a directory that cannot be read is reported and not entered."""
    try:
        status = os.lstat(root)
    except OSError as error:
        on_error(path_error("lstat", root, error))
        return
    yield root
    if not stat.S_ISDIR(status.st_mode):
        return
    stack = [_children(root, on_error)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path, is_dir = entry
        yield path
        if is_dir:
            stack.append(_children(path, on_error))


def _children(directory: str, on_error: Callable[[str], None]) -> Iterator[tuple[str, bool]]:
    try:
        with os.scandir(directory) as listing:
            entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in listing]
    except OSError as error:
        on_error(path_error("open", directory, error))
        return
    for name, is_dir in sorted(entries, key=lambda entry: os.fsencode(entry[0])):
        yield go_join(directory, name), is_dir


def _canonical_name(name: str, is_dir: bool) -> str:
    return name + "/" if is_dir and not name.endswith("/") else name


def _capability(path: str) -> bytes | None:
    """The file's ``security.capability`` attribute as docker archives it (revision 3, which
    names a namespace root, is stored as revision 2)."""
    try:
        value = os.getxattr(path, CAPABILITY_XATTR, follow_symlinks=False)
    except OSError:
        return None
    if len(value) > 3 and value[3] == 3:
        value = value[:3] + b"\x02" + value[4:20]
    return value


def _encode_header(info: tarfile.TarInfo) -> bytes:
    """A header as Go's tar writer picks its format: plain USTAR when every field fits, PAX
    records otherwise; names are written as the file system's bytes."""
    if not info.pax_headers:
        try:
            return info.tobuf(tarfile.USTAR_FORMAT, "ascii", "strict")
        except (ValueError, UnicodeEncodeError):
            pass
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def tar_source(src: CopyInfo, rename: tuple[str, str] | None, archive_mode: bool = False
               ) -> bytes:  # fmt: skip
    """The whole of ``tar_stream`` in memory. ``archive_mode`` changes nothing in the archive:
    docker always sends the files' owners and lets the daemon apply ``-a``."""
    del archive_mode
    return b"".join(tar_stream(src, rename))


# --- extracting an archive (Untar with NoLchown and NoOverwriteDirNonDir) --------------------


class TarBodyReader:
    """A forward-only file over a ``readinto`` source (a response body), for tarfile's "r:"
    mode: headers are read out of a reused 1 MiB buffer, a member's data goes from the source
    to its file in 1 MiB writes (``copy_to``), and every byte taken from the source is counted
    (cp's summary counts the archive as docker's client reads it)."""

    def __init__(self, readinto: Callable[[memoryview], int], size: int = CHUNK) -> None:
        self._source = readinto
        self._buffer = bytearray(size)
        self._view = memoryview(self._buffer)
        self._start = self._end = 0
        self._position = 0
        self.count = 0

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Forward only: the bytes in between are read and dropped."""
        target = offset if whence == os.SEEK_SET else self._position + offset
        if whence not in (os.SEEK_SET, os.SEEK_CUR) or target < self._position:
            raise OSError(errno.ESPIPE, "forward seeks only")
        while self._position < target:
            if not self._buffered() and not self._pull(len(self._buffer)):
                break
            self._take(min(self._buffered(), target - self._position))
        return self._position

    def read(self, size: int = -1) -> bytes:
        pieces = []
        wanted = size if size >= 0 else 1 << 62
        while wanted:
            if not self._buffered() and not self._pull(len(self._buffer)):
                break
            piece = self._take(min(self._buffered(), wanted))
            pieces.append(bytes(piece))
            wanted -= len(piece)
        return b"".join(pieces)

    def copy_to(self, descriptor: int, size: int, path: str) -> None:
        """The next ``size`` bytes into ``descriptor``; a short archive is docker's
        ``unexpected EOF``, a failed write Go's ``write PATH: why``."""
        remaining = size
        while remaining:
            if not self._buffered() and not self._pull(min(remaining, len(self._buffer))):
                raise ArchiveError("unexpected EOF")
            piece = self._take(min(self._buffered(), remaining))
            remaining -= len(piece)
            try:
                while piece:
                    piece = piece[os.write(descriptor, piece) :]
            except OSError as error:
                raise ArchiveError(path_error("write", path, error)) from None

    def drain(self) -> None:
        """Read what the tar reader left (the end-of-archive blocks): docker counts them."""
        self._start = self._end
        while self._pull(len(self._buffer)):
            self._start = self._end

    def _buffered(self) -> int:
        return self._end - self._start

    def _take(self, count: int) -> memoryview:
        piece = self._view[self._start : self._start + count]
        self._start += count
        self._position += count
        return piece

    def _pull(self, limit: int) -> int:
        """Refill the (empty) buffer with up to ``limit`` bytes; 0 at the source's end."""
        filled = 0
        while filled < limit:
            count = self._source(self._view[filled:limit])
            if not count:
                break
            filled += count
        self._start, self._end = 0, filled
        self.count += filled
        return filled


def _readinto_of(stream: IO[bytes]) -> Callable[[memoryview], int]:
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return lambda target: readinto(target) or 0

    def read_into(target: memoryview) -> int:
        data = stream.read(len(target))
        target[: len(data)] = data
        return len(data)

    return read_into


def extract(stream: IO[bytes] | TarBodyReader, destination: str,
            rename: tuple[str, str] | None) -> None:  # fmt: skip
    """Untar ``stream`` (read sequentially) into ``destination`` as docker's client does:
    entries renamed, missing parents made, nothing chowned, an existing directory never
    replaced by a file nor a file by a directory, entries outside the destination refused,
    directory times set last."""
    if not isinstance(stream, TarBodyReader):
        stream = TarBodyReader(_readinto_of(stream))
    _Extractor(go_clean(destination), rename).run(stream)


class _Extractor:
    def __init__(self, destination: str, rename: tuple[str, str] | None) -> None:
        self.dest = destination
        self.rename = rename
        self.directories: list[tuple[str, tarfile.TarInfo]] = []
        self.stream: TarBodyReader | None = None

    def run(self, stream: TarBodyReader) -> None:
        self.stream = stream
        try:
            archive = tarfile.open(fileobj=stream, mode="r:", errors="surrogateescape")
        except tarfile.ReadError as error:
            if "empty" in str(error):
                return
            raise ArchiveError("archive/tar: invalid tar header") from None
        with archive:
            try:
                for member in archive:
                    self._member(archive, member)
            except tarfile.ReadError:
                raise ArchiveError("unexpected EOF") from None
        for path, member in self.directories:
            _set_times(path, member, follow=True)

    def _member(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        if self.rename:
            member.name = rebase_entry_name(member.name, *self.rename)
            if member.type == tarfile.LNKTYPE:
                member.linkname = rebase_entry_name(member.linkname, *self.rename)
        name = go_clean(member.name)
        is_dir = member.type == tarfile.DIRTYPE
        if not name.endswith("/"):
            self._make_parents(go_join(self.dest, go_dir(name)))
        path = go_join(self.dest, name)
        if os.path.relpath(path, self.dest).startswith("../"):
            raise ArchiveError(f"{go_quote(name)} is outside of {go_quote(self.dest)}")
        try:
            existing = os.lstat(path)
        except OSError:
            existing = None
        if existing is not None:
            existing_dir = stat.S_ISDIR(existing.st_mode)
            if existing_dir and not is_dir:
                raise ArchiveError(f"cannot overwrite directory {go_quote(path)} with "
                                   f"non-directory {go_quote(self.dest)}")  # fmt: skip
            if not existing_dir and is_dir:
                raise ArchiveError(f"cannot overwrite non-directory {go_quote(path)} with "
                                   f"directory {go_quote(self.dest)}")  # fmt: skip
            if existing_dir and name == ".":
                return
            if not existing_dir:
                _remove(path)
        self._create(archive, member, path)
        if is_dir:
            self.directories.append((path, member))

    def _make_parents(self, parent: str) -> None:
        try:
            os.lstat(parent)
        except FileNotFoundError:
            try:
                os.makedirs(parent, IMPLIED_DIRECTORY_MODE, exist_ok=True)
            except OSError as error:
                raise ArchiveError(path_error("mkdir", error.filename or parent, error)) from None
        except OSError:
            pass

    def _create(self, archive: tarfile.TarFile, member: tarfile.TarInfo, path: str) -> None:
        """createTarFile: make the entry, then its extended attributes, mode and times."""
        mode = member.mode & 0o7777
        kind = member.type
        if kind == tarfile.DIRTYPE:
            if not _is_directory(path):
                _os_call(os.mkdir, "mkdir", path, mode)
        elif kind in _REGULAR_TYPES:
            self._write_file(archive, member, path, mode)
        elif kind in _NODE_TYPES:
            device = os.makedev(member.devmajor, member.devminor)
            try:
                os.mknod(path, mode | _NODE_TYPES[kind], device)
            except OSError as error:
                raise ArchiveError(errno_text(error.errno)) from None
        elif kind == tarfile.LNKTYPE:
            target = go_join(self.dest, member.linkname)
            if not target.startswith(self.dest):
                raise ArchiveError(f"invalid hardlink {go_quote(target)} -> "
                                   f"{go_quote(member.linkname)}")  # fmt: skip
            try:
                os.link(target, path, follow_symlinks=False)
            except OSError as error:
                raise ArchiveError(link_error("link", target, path, error)) from None
        elif kind == tarfile.SYMTYPE:
            target = go_join(go_dir(path), member.linkname)
            if not target.startswith(self.dest):
                raise ArchiveError(f"invalid symlink {go_quote(path)} -> "
                                   f"{go_quote(member.linkname)}")  # fmt: skip
            try:
                os.symlink(member.linkname, path)
            except OSError as error:
                raise ArchiveError(link_error("symlink", member.linkname, path, error)) from None
        else:
            raise ArchiveError(f"unhandled tar header type {kind[0] if kind else 0}")
        self._set_xattrs(member, path)
        linked_file = kind == tarfile.LNKTYPE and _is_file_not_link(member.linkname)
        if linked_file or kind not in (tarfile.LNKTYPE, tarfile.SYMTYPE):
            _os_call(os.chmod, "chmod", path, mode)
        if linked_file or kind != tarfile.LNKTYPE:
            _set_times(path, member, follow=kind != tarfile.SYMTYPE)

    def _write_file(self, archive: tarfile.TarFile, member: tarfile.TarInfo, path: str,
                    mode: int) -> None:  # fmt: skip
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, mode)
        except OSError as error:
            raise ArchiveError(path_error("open", path, error)) from None
        try:
            if member.isreg() and not member.issparse():
                self.stream.seek(member.offset_data)
                self.stream.copy_to(descriptor, member.size, path)
                return
            source = archive.extractfile(member)
            while source is not None:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                try:
                    while chunk:
                        chunk = chunk[os.write(descriptor, chunk) :]
                except OSError as error:
                    raise ArchiveError(path_error("write", path, error)) from None
        finally:
            os.close(descriptor)

    def _set_xattrs(self, member: tarfile.TarInfo, path: str) -> None:
        for key, value in member.pax_headers.items():
            if not key.startswith(PAX_XATTR_PREFIX):
                continue
            attribute = key[len(PAX_XATTR_PREFIX) :]
            try:
                os.setxattr(path, attribute, value.encode("utf-8", "surrogateescape"),
                            follow_symlinks=False)  # fmt: skip
            except OSError as error:
                if error.errno == errno.EPERM:
                    continue
                raise ArchiveError(f"lsetxattr {path}: xattr {go_quote(attribute)}: "
                                   f"{errno_text(error.errno)}") from None  # fmt: skip


_REGULAR_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.GNUTYPE_SPARSE)
_NODE_TYPES = {tarfile.CHRTYPE: stat.S_IFCHR, tarfile.BLKTYPE: stat.S_IFBLK,
               tarfile.FIFOTYPE: stat.S_IFIFO}  # fmt: skip


def _is_directory(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _os_call(call: Callable, op: str, path: str, *args: object):  # noqa: ANN202
    """``call(path, *args)``; an OSError becomes an ArchiveError in Go's words."""
    try:
        return call(path, *args)
    except OSError as error:
        raise ArchiveError(path_error(op, path, error)) from None


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise ArchiveError(path_error("unlinkat", path, error)) from None


def _is_file_not_link(name: str) -> bool:
    """go-archive looks a hard link's target up relative to the working directory (not the
    destination) before it sets the link's mode and times: kept as docker has it."""
    try:
        return not stat.S_ISLNK(os.lstat(name).st_mode)
    except OSError:
        return False


def _set_times(path: str, member: tarfile.TarInfo, follow: bool) -> None:
    """Access time = the later of the entry's access and modification times; times outside
    what the system can hold become the epoch (go-archive's boundTime)."""
    modified = _pax_time(member.pax_headers.get("mtime"))
    if modified is None:
        modified = int(member.mtime) * 10**9
    accessed = _pax_time(member.pax_headers.get("atime"))
    accessed = modified if accessed is None else max(accessed, modified)
    times = (_bounded(accessed), _bounded(modified))
    try:
        os.utime(path, ns=times, follow_symlinks=follow)
    except OSError as error:
        raise ArchiveError(path_error("chtimes", path, error)) from None


def _bounded(nanoseconds: int) -> int:
    return nanoseconds if 0 <= nanoseconds < 2**63 else 0


def _pax_time(value: str | None) -> int | None:
    """A PAX time record (``seconds[.fraction]``) in nanoseconds, as Go's parsePAXTime."""
    if not value:
        return None
    seconds, _dot, fraction = value.partition(".")
    try:
        whole = int(seconds)
        part = int((fraction + "000000000")[:9]) if fraction else 0
    except ValueError:
        return None
    sign = -1 if seconds.startswith("-") else 1
    return whole * 10**9 + sign * part
