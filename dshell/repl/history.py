"""Command history: a private file in the XDG state dir, secrets redacted before saving."""

from __future__ import annotations

import os
import re
from pathlib import Path

from prompt_toolkit.history import FileHistory

REDACTED = "********"
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|TOKEN|SECRET|KEY", re.IGNORECASE)
_TOKEN = re.compile(r"""(?:[^\s'"\\]|\\.|'[^']*'?|"(?:[^"\\]|\\.)*"?)+""")


def redact(line: str) -> str:
    """``line`` with ``login -p/--password`` values and secret-looking ``-e NAME=…`` values
    replaced, everything else kept byte for byte."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(line)]
    spans: list[tuple[int, int, str]] = []
    is_login = any(_unquote(t) == "login" for _, _, t in tokens[:2])
    pending = ""
    for start, end, text in tokens:
        word = _unquote(text)
        if pending == "password":
            spans.append((start, end, REDACTED))
        elif pending == "env":
            spans.extend(_env_span(start, end, text))
        pending = ""
        if is_login and word in ("-p", "--password"):
            pending = "password"
        elif is_login and word.startswith("--password="):
            spans.append((start + len("--password="), end, REDACTED))
        elif is_login and word.startswith("-p") and len(word) > 2 and not word.startswith("--"):
            spans.append((start + 2, end, REDACTED))
        elif word in ("-e", "--env"):
            pending = "env"
        elif word.startswith("--env="):
            spans.extend(_env_span(start + len("--env="), end, text[len("--env="):]))
        elif re.match(r"-[a-zA-Z]*e\S", word) and not word.startswith("--") and "=" in word:
            offset = word.index("e") + 1
            spans.extend(_env_span(start + offset, end, text[offset:]))
        elif re.fullmatch(r"-[a-zA-Z]*e", word):
            pending = "env"
    for start, end, replacement in sorted(spans, reverse=True):
        line = line[:start] + replacement + line[end:]
    return line


def _unquote(text: str) -> str:
    return re.sub(r"""\\(.)|'([^']*)'?|"((?:[^"\\]|\\.)*)"?""",
                  lambda m: m.group(1) or m.group(2) or m.group(3) or "", text)  # fmt: skip


def _env_span(start: int, end: int, text: str) -> list[tuple[int, int, str]]:
    name, equals, _ = _unquote(text).partition("=")
    if not equals or not SECRET_NAME.search(name):
        return []
    cut = text.find("=")
    return [(start + cut + 1, end, REDACTED + ("'" if text.startswith("'") else
                                               '"' if text.startswith('"') else ""))]


class PrivateHistory(FileHistory):
    """A FileHistory that redacts before remembering and keeps its file mode 0600."""

    def __init__(self, path: Path, size: int = 10000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
        _trim(path, size)
        super().__init__(str(path))

    def append_string(self, string: str) -> None:
        super().append_string(redact(string))

    def store_string(self, string: str) -> None:
        try:
            super().store_string(redact(string))
        except OSError:
            pass  # the file went away or became read-only: history stays in memory

    def load_history_strings(self):  # noqa: ANN201 - prompt_toolkit's generator
        try:
            yield from super().load_history_strings()
        except (OSError, UnicodeDecodeError):
            return


def _trim(path: Path, size: int) -> None:
    """Keep the newest ``size`` entries (FileHistory's format: ``# date`` then ``+line``s)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    entries = re.split(r"\n(?=\n# )", text)
    if len(entries) <= size:
        return
    kept = "\n".join(entries[-size:]) if size > 0 else ""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(("\n" if kept and not kept.startswith("\n") else "") + kept)
    os.replace(tmp, path)


def open_history(path: Path, size: int):  # noqa: ANN201 - a prompt_toolkit History
    """The history file, or, when its directory is unusable (a file, read-only, /proc), one
    in memory and the one-line warning to show."""
    from prompt_toolkit.history import InMemoryHistory

    try:
        return PrivateHistory(path, size), None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return InMemoryHistory(), f"WARNING: history is not saved: {path}: {reason}"


def history_path() -> Path:
    from dshell.repl.settings import state_home

    return state_home() / "history"
