"""A directory sent as fsutil's DiffCopy packet stream (``moby.filesync.v1.FileSync``).

The Engine asks for a directory by the name dshell gave it (``dir-name`` metadata: "context"
or "dockerfile") and says which paths it wants (``include-patterns``, ``exclude-patterns``
— the context's ``.dockerignore``, read by the Engine itself — and ``followpaths``). dshell
walks the directory as fsutil does (depth first, names in byte order, the root left out) and
sends one STAT packet per entry, then an empty STAT. The Engine compares the stats with what
it kept from the last build and sends a REQ for each regular file it needs, by the file's
index in the walk; each is answered with DATA packets and an empty DATA. The Engine's FIN is
echoed and the call ends. A rebuild after touching one file sends one file.
"""

from __future__ import annotations

import os
import queue
import re
import stat as statmod
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dshell.buildkit import wire
from dshell.buildkit.grpc import NOT_FOUND, Call, GrpcError
from dshell.engine.build_context import PatternMatcher

#: file data per DATA packet: fsutil's 32 KiB, so that the Engine counts the bytes it got
#: (packets included) as it does from docker's client
CHUNK = 32 * 1024
SEND_WORKERS = 4
STAT_BATCH = 64 * 1024
SEND_BATCH = 256 * 1024

# Go's os.FileMode type bits (fsutil sends the Go mode, not the unix one)
MODE_DIR = 1 << 31
MODE_SYMLINK = 1 << 27
MODE_DEVICE = 1 << 26
MODE_NAMED_PIPE = 1 << 25
MODE_SOCKET = 1 << 24
MODE_SETUID = 1 << 23
MODE_SETGID = 1 << 22
MODE_CHAR_DEVICE = 1 << 21
MODE_STICKY = 1 << 20
MODE_TYPE = (
    MODE_DIR
    | MODE_SYMLINK
    | MODE_NAMED_PIPE
    | MODE_SOCKET
    | MODE_DEVICE
    | MODE_CHAR_DEVICE
    | (1 << 19)
)


@dataclass
class SyncedDir:
    """A directory the Engine may ask for; ``reset_owner`` sends uid/gid 0 (the context)."""

    name: str
    path: str
    reset_owner: bool = False


def go_file_mode(st: os.stat_result) -> int:
    """The Go ``os.FileMode`` of a stat, as fsutil sends it (socket bit cleared)."""
    unix = st.st_mode
    mode = unix & 0o777
    if statmod.S_ISDIR(unix):
        mode |= MODE_DIR
    elif statmod.S_ISLNK(unix):
        mode |= MODE_SYMLINK
    elif statmod.S_ISBLK(unix):
        mode |= MODE_DEVICE
    elif statmod.S_ISCHR(unix):
        mode |= MODE_DEVICE | MODE_CHAR_DEVICE
    elif statmod.S_ISFIFO(unix):
        mode |= MODE_NAMED_PIPE
    if unix & statmod.S_ISUID:
        mode |= MODE_SETUID
    if unix & statmod.S_ISGID:
        mode |= MODE_SETGID
    if unix & statmod.S_ISVTX:
        mode |= MODE_STICKY
    return mode


def _go_match_regex(pattern: str) -> re.Pattern[str] | None:
    """Go's ``filepath.Match`` as a regex: ``*`` and ``?`` stop at ``/``; None if malformed."""
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i < len(pattern):
            out += re.escape(pattern[i])
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return None
            body = pattern[i:end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            out += "[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]"
            i = end + 1
        else:
            out += re.escape(ch)
    try:
        return re.compile(out + r"\Z", re.DOTALL)
    except re.error:
        return None


def _match_prefix(pattern: str, name: str) -> tuple[bool, bool]:
    """fsutil's matchPrefix: does ``name`` match ``pattern`` or lead towards it (partial)?"""
    depth = name.count("/")
    partial = False
    if pattern.count("/") > depth:
        pattern = "/".join(pattern.split("/")[: depth + 1])
        partial = True
    regex = _go_match_regex(pattern)
    return bool(regex and regex.match(name)), partial


def _clean(path: str) -> str:
    return os.path.normpath(path).lstrip("/") if path else "."


def follow_links(root: str, paths: list[str]) -> list[str]:
    """fsutil's FollowLinks: the paths plus the targets of those that are symlinks inside
    the root (followed again), so that a Dockerfile that is a link brings its target."""
    found: list[str] = []

    def follow(path: str, depth: int) -> None:
        path = _clean(path)
        if path in found or path.startswith("..") or depth > 40:
            return
        found.append(path)
        full = os.path.join(root, path)
        if os.path.islink(full):
            target = os.readlink(full)
            if os.path.isabs(target):
                follow(target, depth + 1)
            else:
                follow(os.path.join(os.path.dirname(path), target), depth + 1)

    for path in paths:
        follow(path, 0)
    return found


@dataclass
class Entry:
    stat: wire.Stat
    full_path: str
    regular: bool


def walk(root: str, *, includes: list[str] | None = None, excludes: list[str] | None = None,
         follow_paths: list[str] | None = None,
         reset_owner: bool = False) -> Iterator[Entry]:  # fmt: skip
    """fsutil's Walk: every entry under ``root`` that the patterns let through, in order."""
    root = os.path.realpath(root)
    include_patterns = [_clean(p) for p in includes] if includes is not None else None
    if follow_paths:
        targets = follow_links(root, follow_paths)
        include_patterns = list(dict.fromkeys((include_patterns or []) + targets))
    matcher = PatternMatcher(excludes) if excludes else None
    exclusion_prefixes = ([p.text + "/" for p in matcher.patterns if p.exclusion]
                          if matcher else [])  # fmt: skip
    inodes: dict[tuple[int, int], str] = {}
    last_included_dir = ""

    def visit(directory: str, relative: str) -> Iterator[Entry]:
        nonlocal last_included_dir
        try:
            names = sorted(os.listdir(directory), key=os.fsencode)
        except FileNotFoundError:
            return
        for name in names:
            full = os.path.join(directory, name)
            path = f"{relative}/{name}" if relative else name
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                continue
            is_dir = statmod.S_ISDIR(st.st_mode)
            if include_patterns is not None and not (
                last_included_dir and path.startswith(last_included_dir + "/")
            ):
                matched, partial = False, True
                for pattern in include_patterns:
                    ok, is_partial = _match_prefix(pattern, path)
                    if ok:
                        matched = True
                        if not is_partial:
                            partial = False
                            break
                if not matched:
                    continue
                if not partial and is_dir:
                    last_included_dir = path
            if matcher is not None and matcher.matches_or_parent_matches(path):
                if not is_dir:
                    continue
                if not any(prefix.startswith(path + "/") for prefix in exclusion_prefixes):
                    continue
            yield Entry(_stat(full, path, st, inodes, reset_owner), full,
                        statmod.S_ISREG(st.st_mode))  # fmt: skip
            if is_dir:
                yield from visit(full, path)

    yield from visit(root, "")


def _stat(full: str, path: str, st: os.stat_result, inodes: dict[tuple[int, int], str],
          reset_owner: bool) -> wire.Stat:  # fmt: skip
    """fsutil's mkstat."""
    result = wire.Stat(path=path, mode=go_file_mode(st), mod_time=st.st_mtime_ns,
                       uid=0 if reset_owner else st.st_uid,
                       gid=0 if reset_owner else st.st_gid)  # fmt: skip
    if not statmod.S_ISDIR(st.st_mode):
        result.size = st.st_size
        if statmod.S_ISLNK(st.st_mode):
            result.linkname = os.readlink(full)
        if statmod.S_ISBLK(st.st_mode) or statmod.S_ISCHR(st.st_mode):
            result.devmajor, result.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in inodes:
            result.linkname, result.size = inodes[key], 0
        else:
            inodes[key] = path
    try:
        names = os.listxattr(full, follow_symlinks=False)
    except OSError:
        names = []
    for name in names:
        try:
            result.xattrs[name] = os.getxattr(full, name, follow_symlinks=False)
        except OSError:
            pass
    return result


def diff_copy_handler(
    dirs: dict[str, SyncedDir], progress: Callable[[int], None] | None = None
) -> Callable[[Call], None]:
    """The FileSync/DiffCopy service for these directories."""

    def handle(call: Call) -> None:
        names = call.metadata.get("dir-name") or [""]
        synced = dirs.get(names[0])
        if synced is None:
            raise GrpcError(NOT_FOUND, f'no access allowed to dir "{names[0]}"')
        send_dir(call, synced, progress)

    return handle


def send_dir(call: Call, synced: SyncedDir, progress: Callable[[int], None] | None) -> None:
    """fsutil's Send: all stats, then the files the receiver asks for, until its FIN."""
    metadata = call.metadata
    files: dict[int, str] = {}
    index = 0
    batch: list[bytes] = []
    batched = 0
    for entry in walk(
        synced.path,
        includes=metadata.get("include-patterns"),
        excludes=metadata.get("exclude-patterns"),
        follow_paths=metadata.get("followpaths"),
        reset_owner=synced.reset_owner,
    ):
        if entry.regular:
            files[index] = entry.full_path
        index += 1
        batch.append(wire.Packet(type=wire.PACKET_STAT, stat=entry.stat).encode())
        batched += len(batch[-1])
        if batched >= STAT_BATCH:  # the stats leave in writes of ~64 KiB, not one each
            call.send_many(batch)
            batch, batched = [], 0
    call.send_many([*batch, wire.Packet(type=wire.PACKET_STAT).encode()])
    requests: queue.SimpleQueue[tuple[int, str] | None] = queue.SimpleQueue()
    failures: list[BaseException] = []

    def sender() -> None:
        while (item := requests.get()) is not None:
            if failures:
                continue
            try:
                _send_file(call, item[0], item[1], progress)
            except BaseException as exc:  # noqa: BLE001 - ends the call below
                failures.append(exc)

    # fsutil's sender: four files in flight, so that the Engine writes and hashes them at once
    workers = [threading.Thread(target=sender, daemon=True, name="filesync-send")
               for _ in range(SEND_WORKERS)]  # fmt: skip
    for worker in workers:
        worker.start()
    try:
        for message in call.messages():
            if failures:
                raise failures[0]
            packet = wire.Packet.decode(message)
            if packet.type == wire.PACKET_REQ:
                path = files.pop(packet.id, None)
                if path is None:
                    raise GrpcError(NOT_FOUND, f"invalid file id {packet.id}")
                requests.put((packet.id, path))
            elif packet.type == wire.PACKET_FIN:
                for _ in workers:
                    requests.put(None)
                for worker in workers:
                    worker.join()
                if failures:
                    raise failures[0]
                call.send(wire.Packet(type=wire.PACKET_FIN).encode())
                return
            elif packet.type == wire.PACKET_ERR:
                problem = packet.data.decode(errors="replace")
                raise GrpcError(NOT_FOUND, f"error from receiver: {problem}")
    finally:
        for _ in workers:
            requests.put(None)


def _send_file(call: Call, file_id: int, path: str,
               progress: Callable[[int], None] | None) -> None:  # fmt: skip
    """The file's DATA packets, then an empty one, in writes of up to :data:`SEND_BATCH`
    bytes: one lock and one socket write per batch rather than per 32 KiB packet (a context
    of small files is mostly whole files in one write)."""
    batch: list[bytes] = []
    batched = 0
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        handle = None
    if handle is not None:
        with handle:
            while chunk := handle.read(CHUNK):
                batch.append(wire.Packet(type=wire.PACKET_DATA, id=file_id, data=chunk).encode())
                batched += len(chunk)
                if batched >= SEND_BATCH:
                    call.send_many(batch)
                    if progress is not None:
                        progress(batched)
                    batch, batched = [], 0
    batch.append(wire.Packet(type=wire.PACKET_DATA, id=file_id).encode())
    call.send_many(batch)
    if progress is not None and batched:
        progress(batched)


# -- the other way: the Engine sends (moby.filesync.v1.FileSend, for --output) -----------------
def _safe_target(dest: str, path: str) -> str:
    """Where an entry of the stream goes: refused if it would leave ``dest``."""
    clean = os.path.normpath(path)
    if os.path.isabs(path) or clean == ".." or clean.startswith("../") or clean == ".":
        raise GrpcError(NOT_FOUND, f"invalid path {path!r} in the exported files")
    return os.path.join(dest, clean)


def receive_dir(call: Call, dest: str) -> None:
    """fsutil's Receive into ``dest`` (merged with what is there): the Engine's STAT packets
    make folders and links at once, a REQ asks for each regular file by its index, DATA fills
    it; FIN when every file is whole. Files belong to the user running dshell, as docker's
    local exporter target makes them."""
    os.makedirs(dest, exist_ok=True)
    wanted: dict[int, tuple[str, wire.Stat]] = {}
    handles: dict[int, object] = {}
    folders: list[tuple[str, wire.Stat]] = []
    index = 0
    stats_done = finished = False

    def finish_if_whole() -> None:
        nonlocal finished
        if stats_done and not wanted and not finished:
            finished = True
            for target, stat in reversed(folders):
                os.utime(target, ns=(stat.mod_time, stat.mod_time))
            call.send(wire.Packet(type=wire.PACKET_FIN).encode())

    for message in call.messages():
        packet = wire.Packet.decode(message)
        if packet.type == wire.PACKET_STAT:
            if packet.stat is None:
                stats_done = True
                finish_if_whole()
                continue
            stat = packet.stat
            target = _safe_target(dest, stat.path)
            kind = stat.mode & MODE_TYPE
            if kind & MODE_DIR:
                os.makedirs(target, exist_ok=True)
                os.chmod(target, (stat.mode & 0o777) | 0o700)  # stays writable for its files
                folders.append((target, stat))
            elif kind & MODE_SYMLINK:
                if os.path.lexists(target):
                    os.remove(target)
                os.symlink(stat.linkname, target)
            elif kind == 0 and stat.linkname:
                if os.path.lexists(target):
                    os.remove(target)
                os.link(_safe_target(dest, stat.linkname), target)
            elif kind == 0:
                wanted[index] = (target, stat)
                call.send(wire.Packet(type=wire.PACKET_REQ, id=index).encode())
            index += 1
        elif packet.type == wire.PACKET_DATA:
            entry = wanted.get(packet.id)
            if entry is None:
                raise GrpcError(NOT_FOUND, f"invalid file request {packet.id}")
            target, stat = entry
            handle = handles.get(packet.id)
            if handle is None:
                if os.path.lexists(target) and not os.path.isfile(target):
                    os.remove(target)
                handle = handles[packet.id] = open(target, "wb")  # noqa: SIM115
            if packet.data:
                handle.write(packet.data)  # type: ignore[attr-defined]
                continue
            handle.close()  # type: ignore[attr-defined]
            del handles[packet.id], wanted[packet.id]
            os.chmod(target, stat.mode & 0o7777)
            os.utime(target, ns=(stat.mod_time, stat.mod_time))
            finish_if_whole()
        elif packet.type == wire.PACKET_FIN:
            return
        elif packet.type == wire.PACKET_ERR:
            raise GrpcError(NOT_FOUND, f"error from sender: {packet.data.decode(errors='replace')}")


def receive_bytes(call: Call, sink) -> None:  # noqa: ANN001 - a binary file object
    """The tar exporter's stream: BytesMessage chunks written to ``sink`` as they come."""
    for message in call.messages():
        data = b""
        for number, _kind, value in wire.fields(message):
            if number == 1 and isinstance(value, bytes):
                data = value
        sink.write(data)
    sink.flush()
