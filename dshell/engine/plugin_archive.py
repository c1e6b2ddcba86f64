"""A plugin's data directory as ``plugin create`` sends it: docker's ``archive.TarWithOptions``
with no options, streamed.

Unlike a build context (owned by root, special files left out), the daemon unpacks this tar
as the plugin's root filesystem: owners, fifos, devices, hard links and file capabilities are
kept, as docker's archive package keeps them, so the plugin's layer is the one docker makes.
"""

from __future__ import annotations

import os
import stat
import tarfile
from collections.abc import Callable, Iterator

__all__ = ["stream_directory"]

BLOCK = 512
CHUNK = 256 * 1024
_CAPABILITY = "security.capability"


def stream_directory(root: str, skipped: Callable[[str], None]) -> Iterator[bytes]:
    """Every entry below ``root`` in the lexical order Go's filepath.Walk visits them (a
    directory's tree before its next sibling), then the end-of-archive blocks. Sockets are
    left out (tar cannot hold them): ``skipped`` gets docker's words for each."""
    yield from _walk(root, "", {}, skipped)
    yield b"\0" * (2 * BLOCK)


def _walk(directory: str, relative: str, links: dict[tuple[int, int], str],
          skipped: Callable[[str], None]) -> Iterator[bytes]:  # fmt: skip
    try:
        names = sorted(os.listdir(directory), key=os.fsencode)
    except OSError:
        return
    for name in names:
        full = os.path.join(directory, name)
        rel = f"{relative}/{name}" if relative else name
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            continue
        if stat.S_ISSOCK(st.st_mode):
            skipped(f"Can't add file {full} to tar: archive/tar: sockets not supported")
            continue
        yield from _entry(full, rel, st, links)
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(full, rel, links, skipped)


def _entry(full: str, rel: str, st: os.stat_result, links: dict) -> Iterator[bytes]:
    mode = st.st_mode
    info = tarfile.TarInfo(rel)
    info.mode = stat.S_IMODE(mode)
    info.mtime = int(st.st_mtime)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.uname = info.gname = ""
    capability = _capability(full) if stat.S_ISREG(mode) else None
    if capability is not None:
        info.pax_headers = {f"SCHILY.xattr.{_CAPABILITY}": capability.decode("latin-1")}
    if stat.S_ISDIR(mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(full)
    elif stat.S_ISFIFO(mode):
        info.type = tarfile.FIFOTYPE
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
        info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
    elif stat.S_ISREG(mode):
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in links:
            info.type = tarfile.LNKTYPE
            info.linkname = links[key]
            yield _header(info)
            return
        if st.st_nlink > 1:
            links[key] = rel
        info.size = st.st_size
        yield _header(info)
        yield from _file_blocks(full, st.st_size)
        return
    yield _header(info)


def _header(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _capability(path: str) -> bytes | None:
    try:
        return os.getxattr(path, _CAPABILITY, follow_symlinks=False)
    except OSError:
        return None


def _file_blocks(path: str, size: int) -> Iterator[bytes]:
    """Exactly ``size`` bytes (the header announced them) padded to whole blocks."""
    remaining = size
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the last chunk
    except OSError:
        handle = None
    try:
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining)) if handle is not None else b""
            if not chunk:
                chunk = b"\0" * min(CHUNK, remaining)
            remaining -= len(chunk)
            yield chunk
    finally:
        if handle is not None:
            handle.close()
    padding = (-size) % BLOCK
    if padding:
        yield b"\0" * padding
