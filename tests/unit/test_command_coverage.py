"""Every command path and flag docker 28 lists is one dshell knows.

The walk follows ``docker --help`` recursively: a section ending in "Commands:" lists
subcommands, the "Options:" section lists flags. docker hides commands and flags the daemon
lacks (its API version, OS type, experimental setting), so the walk runs docker against a
daemon it cannot reach, where docker shows everything it has. CLI plugins (listed with a
``*``) are not docker's own and are left out, as are the global options of ``docker`` itself.

While the rest of docker's tree is being written, STILL_MISSING names what dshell does not
know yet. The test fails both for anything missing that is not listed and for anything listed
that is no longer missing, so the list only ever shrinks and stays true.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from dshell.session import DockerSession

DOCKER_CLI = "/usr/local/bin/docker"

#: Command paths ("manifest inspect") and flags ("build --squash") dshell does not know yet.
STILL_MISSING: frozenset[str] = frozenset()

_SECTION = re.compile(r"^(?:[A-Z][\w ]* )?Commands:$")
_SUBCOMMAND = re.compile(r"^  ([a-z][\w-]*)(\*?)\s")
_FLAG = re.compile(r"^  (?:-(\w), |    )--([\w-]+)")


def _docker_help(words: tuple[str, ...], env: dict[str, str]) -> str:
    done = subprocess.run([DOCKER_CLI, *words, "--help"], capture_output=True, text=True,
                          env=env, timeout=60, check=True)  # fmt: skip
    return done.stdout


def parse_help(text: str) -> tuple[list[str], set[tuple[str | None, str]]]:
    """The subcommands (plugins left out) and the (short, long) flags one help text lists."""
    subcommands, flags, section = [], set(), ""
    for line in text.splitlines():
        if not line.startswith(" "):
            section = line
            continue
        if _SECTION.match(section):
            found = _SUBCOMMAND.match(line)
            if found and not found.group(2):
                subcommands.append(found.group(1))
        elif section == "Options:":
            found = _FLAG.match(line)
            if found:
                flags.add((found.group(1), found.group(2)))
    return subcommands, flags


@cache
def docker_tree() -> dict[tuple[str, ...], frozenset[tuple[str | None, str]]]:
    """Every command path docker lists, with its flags, for a daemon it cannot reach."""
    with tempfile.TemporaryDirectory(prefix="dsh-cov-") as home:
        env = {key: value for key, value in os.environ.items() if not key.startswith("DOCKER_")}
        env.update(
            HOME=home,
            DOCKER_CONFIG=str(Path(home) / "config"),
            DOCKER_HOST=f"unix://{home}/no-daemon.sock",
        )
        tree: dict[tuple[str, ...], frozenset] = {}
        level = [()]
        with ThreadPoolExecutor(4) as pool:
            while level:
                texts = list(pool.map(lambda words: _docker_help(words, env), level))
                following = []
                for words, text in zip(level, texts, strict=True):
                    subcommands, flags = parse_help(text)
                    tree[words] = frozenset(flags)
                    following += [(*words, name) for name in subcommands]
                level = following
    return tree


def missing_from_dshell() -> set[str]:
    """What docker lists and dshell's registry lacks: paths, and "PATH --flag" (a flag whose
    short form differs counts as missing too)."""
    registry = DockerSession.registry
    missing = set()
    for words, flags in docker_tree().items():
        if not words:
            continue  # docker's global options are dshell's command line, tested elsewhere
        path = " ".join(words)
        declared = registry.by_words.get(words)
        if declared is None:
            missing.add(path)
            continue
        known = {(flag.short, flag.long) for flag in declared.flags}
        missing |= {
            f"{path} --{long}"
            for short, long in flags
            if long != "help" and (short, long) not in known
        }
    return missing


def test_the_walk_sees_dockers_whole_tree():
    """A walk that stopped early would make the test below pass vacuously."""
    tree = docker_tree()
    assert len(tree) > 180
    assert {
        ("container", "run"),
        ("checkpoint", "create"),
        ("volume", "update"),
        ("trust", "signer", "add"),
        ("builder", "prune"),
    } <= set(tree)
    assert (None, "squash") in tree[("build",)]
    assert ("f", "force") in tree[("builder", "prune")]
    assert sum(len(flags) for flags in tree.values()) > 1050


def test_every_docker_command_and_flag_is_known_to_dshell():
    missing = missing_from_dshell()
    assert sorted(missing - STILL_MISSING) == [], "docker has these and dshell does not"
    assert sorted(STILL_MISSING - missing) == [], (
        "dshell has these now: take them off STILL_MISSING"
    )


def test_parse_help_reads_sections_and_flags():
    text = (
        "Usage:  docker x COMMAND\n\nManagement Commands:\n  builder     Manage builds\n"
        "  buildx*     Docker Buildx\n\nOptions:\n  -a, --all   All\n"
        '      --filter filter   Filter (e.g. "--x")\n                --not-a-flag\n'
    )
    assert parse_help(text) == (["builder"], {("a", "all"), (None, "filter")})
