"""What a dshell command line imports: run it in a fresh interpreter, list ``sys.modules``.

Shared by tests/unit/test_imports.py (no Engine needed) and tests/engine/test_imports.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Never needed by a short command line; each costs milliseconds at every start.
HEAVY = frozenset({
    "tarfile", "decimal", "fractions", "shlex", "getpass", "secrets", "platform", "termios",
    "wcwidth", "prompt_toolkit", "pygments",
})  # fmt: skip
#: The HTTP stack: only once a command needs the Engine.
HTTP = frozenset({"requests", "urllib3", "requests_unixsocket", "http.client"})
#: The machinery every command line may use: declarations, parsing, the lazy index.
COMMAND_INFRASTRUCTURE = frozenset({
    "dshell.commands", "dshell.commands.base", "dshell.commands.declare",
    "dshell.commands.parse", "dshell.commands.index",
})  # fmt: skip

_PROBE = """\
import contextlib, io, json, sys
from dshell.main import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(json.loads(sys.argv[1]))
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(args: list[str], env: dict[str, str], stdin: bytes = b"") -> set[str]:
    """The modules loaded once ``dshell ARGS`` has run (its output discarded)."""
    environment = dict(env, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], input=stdin,
                          env=environment, capture_output=True, check=True,
                          cwd=os.fspath(REPO), timeout=120)  # fmt: skip
    return set(json.loads(done.stdout.decode().splitlines()[-1]))


def unwanted(loaded: set[str], commands: set[str], engine: bool,
             heavy: bool = True) -> list[str]:
    """The loaded modules a command line should not have imported: command modules beyond
    ``commands`` (short names: ``containers``), the REPL, ``HEAVY`` ones (unless ``heavy`` is
    False) and, without ``engine``, the HTTP stack."""
    allowed = COMMAND_INFRASTRUCTURE | {f"dshell.commands.{name}" for name in commands}
    found = [m for m in loaded if m.startswith("dshell.commands.") and m not in allowed]
    found += [m for m in loaded if m == "dshell.repl" or m.startswith("dshell.repl.")]
    if heavy:
        found += [m for m in loaded if m.partition(".")[0] in HEAVY]
    if not engine:
        found += [m for m in loaded if m in HTTP or m.partition(".")[0] in HTTP]
    return sorted(set(found))
