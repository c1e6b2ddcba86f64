"""The build context: ``.dockerignore`` with docker's semantics and a streamed tar.

Patterns follow moby/patternmatcher: ``*`` and ``?`` stay inside one path segment, ``**``
crosses segments, ``!`` re-includes, the last matching pattern wins, and a pattern that matches
a directory matches everything below it. The tar is produced while it is sent: headers are
built per entry and file data is read in chunks, so a context of any size costs a few hundred
kilobytes of memory.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

from dshell.records import dataclass, field

__all__ = [
    "BuildContextError",
    "Pattern",
    "PatternMatcher",
    "dockerfile_tar",
    "is_archive",
    "read_dockerignore",
    "parse_dockerignore",
    "stream_context",
    "trim_build_files_from_excludes",
]

BLOCK = 512
CHUNK = 256 * 1024
DOCKERIGNORE = ".dockerignore"
DEFAULT_DOCKERFILE = "Dockerfile"
_ESCAPED = set(".+()|{}$")


class BuildContextError(Exception):
    """The context cannot be prepared; ``str()`` is docker's message."""


# --- .dockerignore --------------------------------------------------------------------------


def parse_dockerignore(text: str) -> list[str]:
    """moby's ``dockerignore.ReadAll``: comments, blank lines, ``!``, cleaned relative paths."""
    patterns = []
    for number, raw in enumerate(text.splitlines()):
        line = raw.lstrip("\ufeff") if number == 0 else raw
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = line[1:].strip()
        if line:
            line = _clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        patterns.append("!" + line if invert else line)
    return patterns


def read_dockerignore(context_dir: str | os.PathLike) -> list[str]:
    try:
        text = Path(context_dir, DOCKERIGNORE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise BuildContextError(f"failed to read .dockerignore: {exc}") from exc
    return parse_dockerignore(text)


def _clean(path: str) -> str:
    """Go's ``filepath.Clean`` for slash-separated paths."""
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


@dataclass
class Pattern:
    """One compiled pattern (patternmatcher.Pattern): exact, prefix, suffix or regexp match."""

    text: str
    exclusion: bool = False
    kind: str = "exact"
    regex: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def compile(cls, source: str) -> Pattern:
        exclusion = source.startswith("!")
        text = source[1:] if exclusion else source
        if exclusion and not text:
            raise BuildContextError('illegal exclusion pattern: "!"')
        text = _clean(text)
        pattern = cls(text, exclusion)
        pattern._compile()
        return pattern

    def _compile(self) -> None:
        out = "^"
        kind = "exact"
        text = self.text
        index = 0
        position = 0
        while index < len(text):
            ch = text[index]
            index += 1
            if ch == "*":
                if index < len(text) and text[index] == "*":
                    index += 1
                    if index < len(text) and text[index] == "/":
                        index += 1
                    if index >= len(text):
                        if kind == "exact":
                            kind = "prefix"
                        else:
                            out += ".*"
                            kind = "regexp"
                    else:
                        out += "(.*/)?"
                        kind = "regexp"
                    if position == 0:
                        kind = "suffix"
                else:
                    out += "[^/]*"
                    kind = "regexp"
            elif ch == "?":
                out += "[^/]"
                kind = "regexp"
            elif ch in _ESCAPED:
                out += "\\" + ch
            elif ch == "\\":
                if index < len(text):
                    out += re.escape(text[index])
                    index += 1
                else:
                    out += "\\\\"
            elif ch in "[]":
                out += ch
                kind = "regexp"
            else:
                out += ch
            position += 1
        self.kind = kind
        if kind == "regexp":
            try:
                self.regex = re.compile(out + "$", re.DOTALL)
            except re.error as exc:
                raise BuildContextError(f"syntax error in pattern: {self.text}") from exc

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            return suffix.startswith("/") and path == suffix[1:]
        assert self.regex is not None
        return self.regex.match(path) is not None


class PatternMatcher:
    """patternmatcher.PatternMatcher over cleaned ``.dockerignore`` patterns."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [Pattern.compile(p.strip()) for p in patterns if p.strip()]

    @property
    def exclusions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def matches_or_parent_matches(self, path: str) -> bool:
        """Excluded? A pattern counts when it matches the path or one of its parents."""
        matched = False
        parents = path.split("/")[:-1]
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit:
                hit = any(pattern.match("/".join(parents[: i + 1])) for i in range(len(parents)))
            if hit:
                matched = not pattern.exclusion
        return matched

    def matches_using_parent(self, path: str, parent: list[bool] | None) -> tuple[bool, list[bool]]:
        """``MatchesUsingParentResults``: as above, reusing the parent directory's results."""
        matched = False
        results = []
        for index, pattern in enumerate(self.patterns):
            hit = bool(parent and parent[index])
            if not hit:
                if pattern.exclusion != matched:
                    results.append(False)
                    continue
                hit = pattern.match(path)
            if hit:
                matched = not pattern.exclusion
            results.append(hit)
        return matched, results


def trim_build_files_from_excludes(
    excludes: list[str], dockerfile: str, dockerfile_from_stdin: bool
) -> list[str]:
    """The Dockerfile and .dockerignore are always sent, whatever .dockerignore says."""
    result = list(excludes)
    if PatternMatcher(result).matches_or_parent_matches(DOCKERIGNORE):
        result.append("!" + DOCKERIGNORE)
    if not dockerfile_from_stdin and PatternMatcher(result).matches_or_parent_matches(dockerfile):
        result.append("!" + dockerfile)
    return result


# --- the tar stream -------------------------------------------------------------------------


def _header(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _file_info(name: str, st: os.stat_result) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(st.st_mode)
    info.mtime = int(st.st_mtime)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _file_blocks(path: str, size: int) -> Iterator[bytes]:
    """A regular file's data padded to whole blocks; exactly ``size`` bytes are sent even if
    the file changes meanwhile (tar needs the size announced in the header)."""
    remaining = size
    with open(path, "rb") as handle:
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                chunk = b"\0" * min(CHUNK, remaining)
            remaining -= len(chunk)
            yield chunk
    padding = (-size) % BLOCK
    if padding:
        yield b"\0" * padding


def _memory_entry(name: str, data: bytes, mode: int = 0o600, mtime: int = 0) -> Iterator[bytes]:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, mtime
    yield _header(info)
    yield data
    padding = (-len(data)) % BLOCK
    if padding:
        yield b"\0" * padding


def stream_context(
    context_dir: str | os.PathLike,
    excludes: list[str],
    *,
    extra_dockerfile: tuple[str, bytes] | None = None,
) -> Iterator[bytes]:
    """The context directory as tar chunks, entries in lexical order as docker's archive
    package walks them, owned by root, excluded paths left out.

    ``extra_dockerfile`` (name, content) adds a Dockerfile that is not in the directory (from
    stdin or from outside the context) and names it in the sent ``.dockerignore`` so that
    ``COPY .`` does not pick it up, as the docker CLI does.
    """
    root = os.fspath(context_dir)
    matcher = PatternMatcher(excludes)
    seen_inodes: dict[tuple[int, int], str] = {}
    ignore_extra = b""
    if extra_dockerfile is not None:
        ignore_extra = b"\n" + extra_dockerfile[0].encode() + b"\n"
    state = {"dockerignore_sent": False}

    def walk(directory: str, relative: str, parent: list[bool] | None) -> Iterator[bytes]:
        try:
            names = sorted(os.listdir(directory), key=os.fsencode)
        except OSError as exc:
            raise BuildContextError(f"error checking context: '{exc}'.") from exc
        for name in names:
            full = os.path.join(directory, name)
            rel = f"{relative}/{name}" if relative else name
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            excluded, results = matcher.matches_using_parent(rel, parent)
            if excluded:
                if not is_dir:
                    continue
                if not matcher.exclusions:
                    continue
                prefix = rel + "/"
                if not any(
                    p.exclusion and (p.text + "/").startswith(prefix) for p in matcher.patterns
                ):
                    continue
                yield from walk(full, rel, results)
                continue
            yield from entry(full, rel, st)
            if is_dir:
                yield from walk(full, rel, results)

    def entry(full: str, rel: str, st: os.stat_result) -> Iterator[bytes]:
        info = _file_info(rel, st)
        if stat.S_ISDIR(st.st_mode):
            info.type = tarfile.DIRTYPE
            yield _header(info)
        elif stat.S_ISLNK(st.st_mode):
            info.type = tarfile.SYMTYPE
            info.linkname = os.readlink(full)
            yield _header(info)
        elif stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in seen_inodes:
                info.type = tarfile.LNKTYPE
                info.linkname = seen_inodes[key]
                yield _header(info)
                return
            if st.st_nlink > 1:
                seen_inodes[key] = rel
            if rel == DOCKERIGNORE and ignore_extra:
                state["dockerignore_sent"] = True
                with open(full, "rb") as handle:
                    data = handle.read() + ignore_extra
                yield from _memory_entry(rel, data, info.mode, info.mtime)
                return
            info.size = st.st_size
            yield _header(info)
            yield from _file_blocks(full, st.st_size)
        # sockets, fifos and devices are left out, as the daemon could not use them

    yield from walk(root, "", None)
    if extra_dockerfile is not None:
        name, content = extra_dockerfile
        if not state["dockerignore_sent"]:
            yield from _memory_entry(DOCKERIGNORE, ignore_extra)
        yield from _memory_entry(name, content)
    yield b"\0" * (2 * BLOCK)


def dockerfile_tar(content: bytes, name: str = DEFAULT_DOCKERFILE) -> Iterator[bytes]:
    """A context holding only a Dockerfile (``docker build -`` with a Dockerfile on stdin)."""
    yield from _memory_entry(name, content)
    yield b"\0" * (2 * BLOCK)


def random_dockerfile_name() -> str:
    """What docker calls a Dockerfile it adds to the context: ``.dockerfile.<20 hex>``."""
    return ".dockerfile." + secrets.token_hex(10)


def is_archive(header: bytes) -> bool:
    """moby's ``IsArchive``: a tar header, or gzip/bzip2/xz/zstd magic."""
    for magic in (b"\x1f\x8b\x08", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd"):
        if header.startswith(magic):
            return True
    if len(header) < BLOCK:
        return False
    try:
        tarfile.TarInfo.frombuf(header[:BLOCK], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True
