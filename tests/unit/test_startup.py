"""Start-up stays lean: non-interactive modes never import the interactive machinery."""

import subprocess
import sys

PROBE = """
import sys
sys.argv = ["dshell", "-c", "help"]
from dshell.main import main
status = main()
heavy = sorted(m for m in ("prompt_toolkit", "pygments", "wcwidth") if m in sys.modules)
print("HEAVY", heavy, status, file=sys.stderr)
"""


def test_dash_c_does_not_import_prompt_toolkit_or_pygments():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          input="", timeout=60)  # fmt: skip
    assert "HEAVY [] 0" in done.stderr, done.stderr


def test_piped_mode_does_not_import_prompt_toolkit():
    probe = PROBE.replace('"-c", "help"', "")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          input="help\n", timeout=60)  # fmt: skip
    assert "HEAVY [] 0" in done.stderr, done.stderr
