"""Every bad input: one clear line on stderr in docker's words, a non-zero status, no traceback."""

from __future__ import annotations

import shlex

import pytest

from tests import harness


def one_line_error(result: harness.Result) -> str:
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def test_unreachable_daemon(engine, tmp_path):
    socket = tmp_path / "nobody.sock"
    result = harness.run_dshell(engine, "-H", f"unix://{socket}", "-c", "ps")
    assert result.status == 1
    assert one_line_error(result) == (
        f"Cannot connect to the Docker daemon at unix://{socket}. Is the docker daemon running?"
    )


def test_unreachable_tcp_daemon_uses_dockers_default_port(engine):
    result = harness.run_dshell(engine, "-H", "tcp://127.0.0.1", "-c", "version -f x")
    docker = harness.run_docker(engine, "-H", "tcp://127.0.0.1", "ps")
    assert result.status == docker.status == 1
    assert "Cannot connect to the Docker daemon at tcp://127.0.0.1:2375." in result.err
    assert docker.err.strip() in result.err


def test_bad_host_value(engine):
    result = harness.run_dshell(engine, "-H", "bogus://x", "-c", "ps")
    docker = harness.run_docker(engine, "-H", "bogus://x", "ps")
    assert result.status == docker.status == 1
    assert one_line_error(result) == docker.err.strip()


def test_missing_context(engine):
    result = harness.run_dshell(engine, "--context", "nosuch", "-c", "ps")
    docker = harness.run_docker(engine, "--context", "nosuch", "ps")
    assert result.status == docker.status == 1
    assert one_line_error(result) == docker.err.strip()


@pytest.mark.parametrize(
    "line, status, text",
    [
        ("ps --foo", 125, "unknown flag: --foo\n\nUsage:  docker ps [OPTIONS]\n\n"
                          "Run 'docker ps --help' for more information\n"),
        ("container list -n x", 125, 'invalid argument "x" for "-n, --last" flag: '
                                     'strconv.ParseInt: parsing "x": invalid syntax\n\n'
                                     "Usage:  docker container ls [OPTIONS]\n\n"
                                     "Run 'docker container ls --help' for more information\n"),
        ("inspect", 1, "docker: 'docker inspect' requires at least 1 argument\n\n"
                       "Usage:  docker inspect [OPTIONS] NAME|ID [NAME|ID...]\n\n"
                       "See 'docker inspect --help' for more information\n"),
        ("ps extra", 1, "docker: 'docker ps' accepts no arguments\n\n"
                        "Usage:  docker ps [OPTIONS]\n\n"
                        "Run 'docker ps --help' for more information\n"),
        ("container lsx", 1, "docker: unknown command: docker container lsx\n\n"
                             "Usage:  docker container\n\n"
                             "Run 'docker container --help' for more information\n"),
    ],
)  # fmt: skip
def test_usage_errors_are_docker_28s(engine, line, status, text):
    result = harness.run_dshell(engine, "-c", line)
    docker = harness.run_docker(engine, *shlex.split(line))
    assert (result.out, result.err, result.status) == ("", text, status)
    assert (docker.out, docker.err, docker.status) == ("", text, status)


@pytest.mark.parametrize(
    "line, status, message",
    [
        ("ps --format '{{.Foo'", 1, "failed to parse template: template: :1: unclosed action"),
        ("ps -a --format '{{.Foo}}'", 1, 'failed to execute template: template: :1:2: '
         'executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.ContainerContext'),
        ("inspect -f '{{.Foo' busybox", 64,
         "template parsing error: template: :1: unclosed action"),
        ("ps 'abc", 2, "unexpected EOF while looking for matching `''"),
        ("inspect --type container nosuch", 1,
         "Error response from daemon: No such container: nosuch"),
        ("inspect --type bogus x", 1, 'unknown type: "bogus": must be one of "config", '
         '"container", "image", "network", "node", "plugin", "secret", "service", "task", '
         '"volume"'),
    ],
)  # fmt: skip
def test_bad_command_lines(engine, line, status, message):
    result = harness.run_dshell(engine, "-c", line)
    assert result.status == status
    assert one_line_error(result) == message


def test_unknown_command_names_it_and_points_to_help(engine):
    result = harness.run_dshell(engine, "-c", "frobnicate now")
    assert result.status == 1
    assert result.err.splitlines()[0] == "Error: Command not found: frobnicate"
    assert "help" in result.err.splitlines()[1]
    assert "Traceback" not in result.err


def test_unknown_global_flag(engine):
    result = harness.run_dshell(engine, "--bogus")
    assert result.status == 125
    assert one_line_error(result) == "unknown flag: --bogus. See 'dshell --help'."


def test_bad_log_level(engine):
    result = harness.run_dshell(engine, "-l", "bogus", "-c", "ps")
    assert result.status == 1
    assert one_line_error(result) == "Unable to parse logging level: bogus"


def test_missing_script_file(engine, tmp_path):
    result = harness.run_dshell(engine, str(tmp_path / "absent.dsh"))
    assert result.status == 127
    assert "absent.dsh" in one_line_error(result)
