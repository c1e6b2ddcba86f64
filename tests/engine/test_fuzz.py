"""A bounded fuzz run: thousands of generated lines, from a fixed seed, piped into dshell
against a daemon of its own. No line may end the script, print a traceback or an internal
error, or hang: a sentinel after each line must run.

The vocabulary is docker commands that neither block (no `logs -f`, `wait`, `attach`) nor
start long-lived work, shell syntax (quotes, expansions, lists, redirections, substitutions),
and hostile bytes (invalid UTF-8, NUL, control characters). Host commands are limited to
`cat` after `|` and `!` is left out, so the run cannot touch anything outside its directory.
"""

from __future__ import annotations

import random
import re

import pytest

from dshell.shell.syntax import open_quote
from tests import harness

SEED = 20261130
LINES = 2500

COMMANDS = [
    "ps", "ps -a", "container ls", "images", "image ls", "inspect", "container inspect",
    "image inspect", "version", "history", "network ls", "network inspect", "volume ls",
    "volume inspect", "context ls", "context show", "context inspect", "help", "top", "port",
    "diff", "logs", "rm", "rmi", "tag", "create", "start", "stop", "kill", "pause", "rename",
    "network rm", "volume create", "volume rm", "system df", "echo",
    "true", "false", "pwd", "unset", "search", "commit", "update", "image prune -f",
    "exec", "cp", "export", "save", "login --password-stdin",
]  # fmt: skip
FLAGS = [
    "-a", "-q", "--no-trunc", "-f", "--format", "--filter", "-s", "--size", "--help", "-h",
    "--bogus", "-xyz", "--type", "--tail", "--since", "-n", "--last", "-o", "--output",
    "--time", "-t", "--signal", "--", "-", "--format=json", "--filter=status=exited",
    "--tail=99999999999999999999", "--cpu-rt-runtime=9223372036854775808", "--memory=1x",
    "-m", "--restart=bogus", "--name", "--label", "-e", "--env-file", "--mount", "-v",
    "-p", "--publish", "--digests", "--tree",
]  # fmt: skip
WORDS = [
    "busybox", "busybox:latest", "nosuch", "sha256:", "''", '""', "{{.ID}}", "{{json .}}",
    "'{{.Names}}'", "'{{range .}}{{.}}{{end}}'", "'{{printf \"%999999999d\" 1}}'",
    "'{{index .Config 9}}'", "'{{gt 1 \"a\"}}'", "'{{.Foo'", "table", "json", "0", "-1",
    "1e309", "x:y:z", "a/b/c", "./rel", "/abs/path", "~", "~nosuchuser", "*", "*.none",
    "$HOME", "$NOPE", "${NOPE:-d}", "${X:=set}", "${#HOME}", "$?", "$(ps -q)",
    "\"$(images -q)\"", "`version -f x`", "$'\\x01\\xff'", "'a b'", '"c d"', "\\$", "\\",
    "$'\\n'", "'unclosed", '"unclosed', "$(unclosed", "${", "${X!}", "$((1+1))",
    "name=x", "status=running", "label=a=b", "dangling=true",
]  # fmt: skip
OPERATORS = [";", "&&", "||", "| cat", "|& cat", "> out", ">> out", "2> err", "2>&1", "&> all",
             "< nosuchfile", "< out", ">", "|", ")", "(", "&", ">&3", "2>&-"]  # fmt: skip
HOSTILE = ["\xff", "\xfe\xfd", "\x00", "\x1b[31m", "\x07", "\r", "\t", "\u00e9", "\u2603",
           "\ud800", "\U0001f600", "\x7f"]  # fmt: skip


def _line(rng: random.Random) -> bytes:
    """A generated line that leaves no quote open (an open quote would rightly take the
    sentinel line into its string, as bash does); the script's last line leaves one open."""
    while True:
        line = _any_line(rng)
        if open_quote(line.decode("utf-8", "surrogateescape")) is None:
            return line


def _any_line(rng: random.Random) -> bytes:
    tokens = [rng.choice(COMMANDS)]
    for _ in range(rng.randint(0, 7)):
        pick = rng.random()
        if pick < 0.3:
            tokens.append(rng.choice(FLAGS))
        elif pick < 0.65:
            tokens.append(rng.choice(WORDS))
        elif pick < 0.8:
            tokens.append(rng.choice(OPERATORS))
            if rng.random() < 0.5:
                tokens.append(rng.choice(COMMANDS))
        else:
            tokens.append(rng.choice(WORDS) + rng.choice(HOSTILE))
    text = " ".join(tokens)
    if rng.random() < 0.1:  # a mangled byte anywhere
        position = rng.randrange(len(text) + 1)
        text = text[:position] + rng.choice(HOSTILE) + text[position:]
    # A trailing continuation would join the sentinel to the line: keep lines whole.
    text = re.sub(r"[\s\\|&]+\Z", "", text)
    return text.encode("utf-8", "surrogatepass").replace(b"\n", b" ")


@pytest.fixture(scope="module")
def fuzz_engine():
    engine = harness.start_engine()
    try:
        yield engine
    finally:
        harness.stop_engine(engine)


def test_generated_lines_never_escape(fuzz_engine, tmp_path):
    rng = random.Random(SEED)
    lines = [_line(rng) for _ in range(LINES)]
    script = b"".join(line + b"\necho SENTINEL-%d\n" % index for index, line in
                      enumerate(lines)) + b"echo 'left open \xff\n"  # fmt: skip
    result = harness.run_dshell(fuzz_engine, input=script, cwd=tmp_path, timeout=240,
                                env={"X": "x"})  # fmt: skip
    ran = [int(n) for n in re.findall(r"SENTINEL-(\d+)$", result.out, re.MULTILINE)]
    missing = sorted(set(range(LINES)) - set(ran))
    assert not missing, f"lines whose sentinel did not run: {[lines[i] for i in missing[:5]]}"
    assert "Traceback" not in result.err
    internal = [line for line in result.err.splitlines() if "internal error" in line]
    assert not internal, internal[:5]
