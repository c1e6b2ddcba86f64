"""``plugin install``'s privilege question in a real pseudo-terminal, against docker: answered
(then the pull progress drawn for a terminal), and interrupted with Ctrl-C (docker's prompt
is cancelled: a newline, nothing more, status 0)."""

from __future__ import annotations

import io
import json
import re
import secrets
import tarfile

import pexpect
import pytest

from tests import harness, pty_session
from tests.e2e.test_pull_progress import render_screen

DONE = re.compile(r"^([0-9a-f]{12}): (?:Download complete|Complete)$")
QUESTION = b"Do you grant the above permissions? [y/N] "


@pytest.fixture(scope="module")
def pushed(engine, registry, tmp_path_factory):
    """A plugin asking for host networking, in the loopback registry, absent locally."""
    directory = tmp_path_factory.mktemp("pty-plugin")
    rootfs = directory / "rootfs"
    rootfs.mkdir()
    with tarfile.open(fileobj=io.BytesIO(harness.busybox_tarball())) as tar:
        tar.extractall(rootfs, filter="tar")
    (rootfs / "marker").write_text(secrets.token_hex(8))  # a layer no other plugin has
    (directory / "config.json").write_text(json.dumps({
        "Description": "pty test plugin",
        "Entrypoint": ["/bin/sleep", "1000000"],
        "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "pty.sock"},
        "Network": {"Type": "host"},
    }))  # fmt: skip
    remote = f"{registry.address}/{harness.unique_name('pty-plugin')}:v1"
    harness.run_docker_ok(engine, "plugin", "create", remote, str(directory))
    harness.run_docker_ok(engine, "plugin", "push", remote)
    harness.run_docker(engine, "plugin", "rm", "-f", remote)
    yield remote
    harness.run_docker(engine, "plugin", "rm", "-f", remote)


def install_in_pty(engine, argv: list[str], keys: str | None) -> tuple[bytes, int | None]:
    """Run ``argv`` in a pty, wait for the question, then type ``keys`` (None: Ctrl-C)."""
    child = pty_session.spawn(argv, {**engine.env, "TERM": "xterm"}, timeout=60, encoding=None)
    with pty_session.terminated_after(child):
        child.expect_exact(QUESTION)
        asked = child.before + child.after
        if keys is None:
            child.sendintr()
        else:
            child.send(keys)
        child.expect(pexpect.EOF)
        raw = asked + child.before
        child.close()
    return raw, child.exitstatus


def both(engine, remote: str, keys: str | None) -> dict[str, tuple[bytes, int | None]]:
    args = ["plugin", "install", "--disable", remote]
    found = {}
    for tool, argv in (
        ("docker", [harness.DOCKER_CLI, *args]),
        ("dshell", [*harness.DSHELL_COMMAND, "-c", " ".join(args)]),
    ):
        found[tool] = install_in_pty(engine, argv, keys)
        harness.run_docker(engine, "plugin", "rm", "-f", remote)
    return found


def test_answered_question_then_progress_as_docker(engine, pushed):
    found = both(engine, pushed, "y\r")
    screens = {tool: [DONE.sub(r"\1: done", line) for line in render_screen(raw)]
               for tool, (raw, _) in found.items()}  # fmt: skip
    assert found["dshell"][1] == found["docker"][1] == 0, found
    # the daemon's progress lines arrive in an order of their own (a layer's line ends as
    # "Complete" or as "Download complete"): same lines, same ends
    assert set(screens["dshell"]) == set(screens["docker"])
    assert screens["dshell"][:4] == screens["docker"][:4]
    assert screens["dshell"][-1] == screens["docker"][-1] == f"Installed plugin {pushed}"
    assert screens["dshell"][2] == "Do you grant the above permissions? [y/N] y"


def test_ctrl_c_at_the_question_cancels_as_docker(engine, pushed):
    found = both(engine, pushed, None)
    assert found["dshell"] == found["docker"], found
    raw, status = found["dshell"]
    assert raw.endswith(QUESTION + b"^C\r\n")
    assert status == 0
    assert harness.run_docker(engine, "plugin", "inspect", pushed).status == 1


def test_question_answered_at_the_interactive_prompt(engine, pushed, tmp_path):
    """Typed at dshell's own prompt: the question reads the terminal, then the prompt is back."""
    env = pty_session.session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1")
    try:
        with pty_session.interactive_dshell(env) as child:
            child.sendline(f"plugin install --disable {pushed}")
            child.expect_exact(QUESTION.decode())
            child.send("y\r")
            child.expect_exact(f"Installed plugin {pushed}")
            child.expect(pty_session.PROMPT)
            child.sendline("plugin ls --format '{{.Name}} {{.Enabled}}'")
            child.expect_exact(f"{pushed} false")
            child.expect(pty_session.PROMPT)
    finally:
        harness.run_docker(engine, "plugin", "rm", "-f", pushed)
