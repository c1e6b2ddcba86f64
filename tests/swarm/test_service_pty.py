"""Convergence progress and ``service logs -f`` in a real terminal: docker redraws the task
bars in place (cursor up, erase line) and dshell must leave the same screen; Ctrl-C stops
waiting (or following) and leaves the service running, as docker does."""

from __future__ import annotations

import re
import shlex
import time

import pexpect
import pyte

from tests import harness, pty_session

ROWS, COLUMNS = 40, 160


def _screen(output: str) -> list[str]:
    """What a terminal shows after ``output``: lines with trailing blanks dropped."""
    screen = pyte.Screen(COLUMNS, ROWS)
    stream = pyte.Stream(screen)
    stream.feed(output.replace("\n", "\r\n") if "\r\n" not in output else output)
    return [line.rstrip() for line in screen.display if line.strip()]


def _run_in_pty(argv: list[str], env: dict[str, str], timeout: float = 120) -> tuple[str, int]:
    child = pty_session.spawn(argv, env, timeout=timeout, dimensions=(ROWS, COLUMNS))
    with pty_session.terminated_after(child):
        child.expect(pexpect.EOF)
        child.close()
        return child.before, child.exitstatus


def test_create_redraws_progress_in_place_as_docker_does(manager):
    """The final screen of ``service create`` without --detach: ID, the overall line, one
    full bar per task and ``verify: Service … converged``, the same under both tools."""
    names = [harness.unique_name("pty-k"), harness.unique_name("pty-d")]
    try:
        line = "service create --replicas 2 --name {} busybox sleep 100000"
        docker_out, docker_status = _run_in_pty(
            [harness.DOCKER_CLI, *shlex.split(line.format(names[0]))], manager.env
        )
        ours_out, ours_status = _run_in_pty(
            [*harness.DSHELL_COMMAND, "-c", line.format(names[1])], manager.env
        )
        assert (ours_status, docker_status) == (0, 0), ours_out

        def screen(output: str) -> list[str]:
            shown = _screen(output)
            ident = next(line for line in shown if re.fullmatch(r"[a-z0-9]{25}", line))
            return [line.replace(ident, "ID") for line in shown]

        ours, docker = screen(ours_out), screen(docker_out)
        assert ours == docker
        assert "\x1b[1A" in ours_out  # redrawn in place, not line after line
        assert any(re.match(r"1/2: running +\[=+>\]", line) for line in ours)
        assert ours[-1] == "verify: Service ID converged"
    finally:
        harness.run_docker(manager, "service", "rm", *names)


def test_ctrl_c_stops_waiting_and_leaves_the_service(manager, tmp_path):
    """A service that cannot converge (no node matches its constraint): Ctrl-C at the
    prompt ends the wait with docker's two lines, the prompt comes back and the service
    stays."""
    name = harness.unique_name("pty-c")
    env = pty_session.session_env(manager, tmp_path)
    try:
        with pty_session.interactive_dshell(env, dimensions=(ROWS, COLUMNS)) as child:
            child.sendline(
                f"service create --constraint node.labels.none==x --name {name} "
                "busybox sleep 100000"
            )
            child.expect("overall progress: 0 out of 1 tasks", timeout=60)
            time.sleep(1)
            child.sendcontrol("c")
            child.expect("Operation continuing in background.", timeout=20)
            # create waits on the new service's ID, and names it so
            child.expect(r"Use `docker service ps [a-z0-9]{25}` to check progress\.", timeout=20)
            child.expect(pty_session.PROMPT, timeout=20)
            child.sendline("echo status=$?")
            child.expect("status=0", timeout=20)
        shown = harness.run_docker_ok(
            manager, "service", "ls", "--filter", f"name={name}", "--format", "{{.Name}}"
        ).out
        assert shown == f"{name}\n"
    finally:
        harness.run_docker(manager, "service", "rm", name)


def test_logs_follow_until_ctrl_c(manager, tmp_path):
    """``service logs -f`` shows lines as the task writes them; Ctrl-C returns to the
    prompt and the service keeps running."""
    name = harness.unique_name("pty-l")
    script = "i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.5; done"
    harness.run_docker_ok(manager, "service", "create", "-d", "--name", name,
                          "busybox", "sh", "-c", script)  # fmt: skip
    env = pty_session.session_env(manager, tmp_path)
    try:
        with pty_session.interactive_dshell(env, dimensions=(ROWS, COLUMNS)) as child:
            child.sendline(f"service logs -f --no-task-ids {name}")
            child.expect(rf"{re.escape(name)}\.1@node-\w +\| tick\d+", timeout=60)
            child.expect(r"tick\d+", timeout=20)
            child.sendcontrol("c")
            child.expect(pty_session.PROMPT, timeout=20)
            child.sendline("service ls -q --filter name=" + name)
            child.expect(r"[a-z0-9]{12}", timeout=20)
    finally:
        harness.run_docker(manager, "service", "rm", name)
