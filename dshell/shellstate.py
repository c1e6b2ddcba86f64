"""The shell language's session state: variables, exports, aliases, working directory, ``$?``.

A leaf module: the shell's own commands (``cd``, ``export``, ``alias``…, declared with the
other commands) and the evaluator in ``dshell.shell`` both read and change the same object,
which the session holds as ``shell_state``. Exported variables live in ``os.environ`` itself,
because dshell's commands run in this process and read it (``DOCKER_BUILDKIT=0 build .``) and
host commands inherit it.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
from collections.abc import Callable, Iterator


class ShellState:
    def __init__(self, script_name: str = "dshell", arguments: list[str] | None = None) -> None:
        #: Variables that are not exported (exported ones live in os.environ).
        self.local: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        #: ``export X`` of an unset X: exported once it gets a value.
        self.marked_for_export: set[str] = set()
        self.last_status = 0
        self.script_name = script_name
        self.arguments: list[str] = list(arguments or [])
        #: Runs a file in this session (``source``); installed by the evaluator.
        self.run_file: Callable[[str, list[str]], int] | None = None
        physical = _getcwd()
        logical = os.environ.get("PWD", "")
        if not (logical and _same_directory(logical, physical)):
            logical = physical
        os.environ["PWD"] = logical

    # -- variables
    def lookup(self, name: str) -> str | None:
        if name == "?":
            return str(self.last_status)
        if name == "$":
            return str(os.getpid())
        if name == "#":
            return str(len(self.arguments))
        if name == "0":
            return self.script_name
        if name.isdigit():
            index = int(name)
            return self.arguments[index - 1] if index <= len(self.arguments) else None
        if name in ("@", "*"):
            return " ".join(self.arguments)
        if name == "-":
            return ""
        if name == "!":
            return None
        if name in self.local:
            return self.local[name]
        return os.environ.get(name)

    def knows(self, name: str) -> bool:
        """A variable the shell has (set, exported, or marked for export)."""
        return name in self.local or name in os.environ or name in self.marked_for_export

    def assign(self, name: str, value: str) -> None:
        """``NAME=value``: an exported variable stays exported."""
        if name in self.marked_for_export:
            self.marked_for_export.discard(name)
            self.local.pop(name, None)
            _setenv(name, value)
        elif name in os.environ:
            _setenv(name, value)
        else:
            self.local[name] = value

    def export(self, name: str, value: str | None = None) -> None:
        if value is None:
            value = self.local.get(name, os.environ.get(name))
        self.local.pop(name, None)
        if value is not None:
            self.marked_for_export.discard(name)
            _setenv(name, value)
        else:
            self.marked_for_export.add(name)

    def unexport(self, name: str) -> None:
        value = os.environ.pop(name, None)
        if value is not None:
            self.local[name] = value

    def unset(self, name: str) -> None:
        self.marked_for_export.discard(name)
        self.local.pop(name, None)
        os.environ.pop(name, None)

    # -- subshells
    @contextlib.contextmanager
    def subshell(self) -> Iterator[None]:
        """What bash runs in a subshell (``$(…)``, a pipeline's stages) changes nothing
        outside it: variables, exports, aliases and the working directory come back."""
        saved = (dict(self.local), dict(os.environ), dict(self.aliases),
                 set(self.marked_for_export), list(self.arguments))  # fmt: skip
        directory = _getcwd()
        try:
            yield
        finally:
            self.local, environ, self.aliases, self.marked_for_export, self.arguments = saved
            if dict(os.environ) != environ:
                os.environ.clear()
                os.environ.update(environ)
            if _getcwd() != directory:
                try:
                    os.chdir(directory)
                except OSError:
                    pass

    # -- directory
    @property
    def pwd(self) -> str:
        return os.environ.get("PWD") or _getcwd()

    def change_directory(self, target: str) -> str:
        """``cd``: bash's logical path (``..`` removes the last component of $PWD, symlinks
        kept); raises OSError as chdir does. Returns the new $PWD."""
        if target.startswith("/"):
            logical = posixpath.normpath(target)
        else:
            logical = posixpath.normpath(posixpath.join(self.pwd, target))
        if logical.startswith("//"):
            logical = "/" + logical.lstrip("/")
        try:
            os.chdir(logical)
        except OSError:
            os.chdir(target)  # the physical walk, for the error message bash shows
            logical = _getcwd()
        previous = self.pwd
        _setenv("OLDPWD", previous)
        self.local.pop("OLDPWD", None)
        _setenv("PWD", logical)
        return logical


def _setenv(name: str, value: str) -> None:
    try:
        os.environ[name] = value
    except (ValueError, UnicodeEncodeError):
        pass  # a NUL byte cannot be in the environment; bash drops it too


def _getcwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"


def _same_directory(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):
        return False
