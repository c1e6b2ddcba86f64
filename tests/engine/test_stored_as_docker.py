"""What run/create store, and what network create checks itself, are docker 28's: the same
flags through docker and dshell give the same stored container or the same error."""

from __future__ import annotations

import pytest

from tests import harness

CAPS = "{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}"


@pytest.mark.parametrize(
    "flags",
    [
        ["--cap-add", "net_admin", "--cap-add", "ALL", "--cap-drop", "chown"],
        ["--cap-add", "cap_sys_admin", "--cap-add", "SYS_ADMIN", "--cap-drop", "ALL"],
        ["--cap-add", "chown", "--cap-drop", "chown"],
    ],
)
def test_capabilities_are_stored_normalized(engine, flags):
    stored = []
    for run in (harness.run_docker, harness.run_dshell):
        args = ["create", "--pull=never", *flags, "busybox", "true"]
        made = run(engine, *args) if run is harness.run_docker else \
            run(engine, "-c", " ".join(args))
        assert made.status == 0, made.err
        container = made.out.strip()
        stored.append(harness.run_docker_ok(engine, "inspect", "-f", CAPS, container).out)
        harness.run_docker_ok(engine, "rm", container)
    assert stored[0] == stored[1]


def test_label_file_lines_without_equals_are_dropped(engine, tmp_path):
    (tmp_path / "labels").write_text("a=1\nbare\n# comment\n\nb=\n")
    stored = []
    for run in (harness.run_docker, harness.run_dshell):
        args = ["create", "--pull=never", "--label-file", "labels", "busybox", "true"]
        made = run(engine, *args, cwd=tmp_path) if run is harness.run_docker else \
            run(engine, "-c", " ".join(args), cwd=tmp_path)
        assert made.status == 0, made.err
        container = made.out.strip()
        stored.append(harness.run_docker_ok(engine, "inspect", "-f", "{{json .Config.Labels}}",
                                            container).out)  # fmt: skip
        harness.run_docker_ok(engine, "rm", container)
    assert stored[0] == stored[1] == '{"a":"1","b":""}\n'


@pytest.mark.parametrize(
    "flags",
    [
        "--subnet bogus",
        "--subnet 198.19.250.0/24 --subnet bogus",
        "--subnet 198.19.250.0/24 --gateway bogus",
        "--subnet 198.19.250.0/24 --gateway 1.2.3.4/x",
        "--subnet 198.19.250.0/24 --subnet 198.19.250.128/25",
    ],
)
def test_network_create_checks_what_docker_checks(engine, flags):
    name = harness.unique_name("net")
    pair = harness.differential(engine, "network", "create", *flags.split(), name)
    assert pair.docker.status == 1
    harness.assert_alike(pair, stderr=True)


@pytest.mark.parametrize(
    "args",
    [
        "--rm busybox nosuchcmd",
        "--pull=never nosuchimage:x",
        "-d --restart=bogus busybox",
        "--cidfile /nonexistent/x busybox true",
    ],
)
def test_run_reports_daemon_errors_with_dockers_help_line(engine, args):
    pair = harness.differential(engine, "run", *args.split())
    assert "\ndocker: " in "\n" + pair.docker.err
    harness.assert_alike(pair, stderr=lambda err: err.replace(
        "WARNING: IPv4 forwarding is disabled. Networking will not work.\n", ""))


@pytest.mark.parametrize("fmt", ["{{.Client.Os}} {{.Server.Version}}", "{{.Client.Os}} {{.Nope}}",
                                 "{{.Client.Os", "{{json .Server}}"])
def test_version_without_a_daemon_reports_the_daemon_not_the_template(tmp_path, fmt):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path),
           "DOCKER_CONFIG": str(tmp_path / "config"),
           "DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock"}
    pair = harness.differential(env, "version", "--format", fmt)
    assert pair.docker.status != 0
    harness.assert_alike(pair, stderr=lambda err: err.replace(str(tmp_path), "<dir>"))


@pytest.mark.parametrize("value", ["x", "kernel.foo=1", "a=b", "net.core.somaxconn=1024",
                                   "kernel.shmmax=1"])
def test_sysctls_are_checked_as_docker_checks_them(engine, value):
    pair = harness.differential(engine, "create", "--pull=never", "--sysctl", value, "busybox",
                                "true")  # fmt: skip
    for result in (pair.docker, pair.dshell):
        if result.status == 0:
            harness.run_docker_ok(engine, "rm", result.out.strip())
    assert (pair.dshell.status, pair.dshell.err) == (pair.docker.status, pair.docker.err)
