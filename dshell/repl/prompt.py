"""Interactive mode: a prompt_toolkit prompt with a history file."""

from __future__ import annotations

import os
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory

from dshell.commands.shell import SessionExit
from dshell.lines import LineSyntaxError, continues, split_line
from dshell.session import DockerSession


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                            "state")
    return Path(base) / "dshell"


def history_file() -> FileHistory:
    """The history file, private to the user (it may hold secrets typed by mistake)."""
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / "history"
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return FileHistory(str(path))


def prompt_label(session: DockerSession) -> str:
    endpoint = session.endpoint
    where = endpoint.context if endpoint.context != "default" else endpoint.host
    return f"dshell {where}> "


def run_interactive(session: DockerSession) -> int:
    """Read, dispatch, repeat. Ctrl-C clears the line; Ctrl-D or ``exit`` leaves."""
    prompt = PromptSession(history=history_file())
    while True:
        try:
            text = prompt.prompt(prompt_label(session))
            while continues(text):
                text = text[:-1] + prompt.prompt("> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        try:
            session.cmd(split_line(text))
        except LineSyntaxError as exc:
            session.err(str(exc))
        except SessionExit as request:
            return request.status
        except KeyboardInterrupt:
            session.stdout.write("\n")
