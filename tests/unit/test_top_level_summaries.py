"""`docker --help` lists each top-level command with its one-line summary (cobra's Short); the
declaration's summary is that line, and its longer text (cobra's Long) is only for `--help`.
A summary written as the long text would print a two-line entry in `help` and in completion."""

from __future__ import annotations

import re
import subprocess

from dshell.session import DockerSession


def docker_listing() -> dict[str, str]:
    text = subprocess.run(["docker", "--help"], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^  ([a-z][\w-]*)\*?\s{2,}(.+)$", text, re.M))


def test_every_top_level_summary_is_dockers_line():
    listed = docker_listing()
    assert {"run", "login", "logout", "container"} <= set(listed)
    ours = {
        words[0]: cmd.summary
        for words, cmd in DockerSession.registry.by_words.items()
        if len(words) == 1 and cmd.is_docker and not cmd.hidden and words[0] in listed
    }
    assert len(ours) >= 40
    assert {name: listed[name] for name in ours} == ours
