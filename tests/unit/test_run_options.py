"""run/create options: docker's parsers, messages and the create body they produce."""

from __future__ import annotations

import pytest

from dshell.commands.declare import Arg, Command
from dshell.commands.parse import UsageError, parse_args
from dshell.commands.run_options import (
    CONTAINER_FLAGS,
    RUN_ONLY_FLAGS,
    RunOptionError,
    container_spec,
    parse_bytes,
    parse_duration,
    parse_env_file,
    parse_mount,
    parse_port_spec,
    parse_ulimit,
)
from dshell.terminal import DetachKeysError, EscapeProxy, parse_detach_keys

RUN = Command(words=("container", "run"), summary="", method="cmd_container_run",
              flags=CONTAINER_FLAGS + RUN_ONLY_FLAGS, interspersed=False,
              args=(Arg("IMAGE"), Arg("COMMAND", optional=True),
                    Arg("ARG", optional=True, many=True)))  # fmt: skip


def spec(*argv, environ=None):
    opts = parse_args(RUN, list(argv))
    return container_spec(opts, environ or {}, detach=opts.detach)


def test_flags_after_the_image_belong_to_the_command():
    body = spec("-e", "A=1", "busybox", "sh", "-e", "--rm").body
    assert body["Cmd"] == ["sh", "-e", "--rm"]
    assert body["Env"] == ["A=1"]
    assert body["HostConfig"]["AutoRemove"] is False


def test_attach_streams_and_stdin_once():
    body = spec("-i", "busybox").body
    assert (body["AttachStdin"], body["AttachStdout"], body["AttachStderr"]) == (True, True, True)
    assert body["OpenStdin"] and body["StdinOnce"]
    body = spec("-a", "stderr", "busybox").body
    assert (body["AttachStdin"], body["AttachStdout"], body["AttachStderr"]) == (False, False, True)
    body = spec("-d", "-i", "busybox").body
    assert not body["AttachStdin"] and not body["AttachStdout"]


@pytest.mark.parametrize("argv, message", [
    (["-m", "x"], 'invalid argument "x" for "-m, --memory" flag: invalid size: \'x\''),
    (["--cpus", "x"], 'invalid argument "x" for "--cpus" flag: failed to parse x as a rational '
                      "number"),
    (["--cpus", "0.0000000001"], 'invalid argument "0.0000000001" for "--cpus" flag: value is '
                                 "too precise"),
    (["--ulimit", "foo"], 'invalid argument "foo" for "--ulimit" flag: invalid ulimit argument: '
                          "foo"),
    (["--ulimit", "nofile=10:5"], 'invalid argument "nofile=10:5" for "--ulimit" flag: ulimit '
     "soft limit must be less than or equal to hard limit: 10 > 5"),
    (["--mount", "foo"], 'invalid argument "foo" for "--mount" flag: invalid field \'foo\' must '
                         "be a key=value pair"),
    (["--mount", "type=bind"], 'invalid argument "type=bind" for "--mount" flag: target is '
                               "required"),
    (["-a", "foo"], 'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, '
                    "STDOUT and STDERR"),
    (["-e", "=x"], 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'),
    (["--add-host", "foo"], 'invalid argument "foo" for "--add-host" flag: bad format for '
                            'add-host: "foo"'),
    (["--dns", "x"], 'invalid argument "x" for "--dns" flag: IP address is not correctly '
                     "formatted: x"),
    (["--health-interval", "x"], 'invalid argument "x" for "--health-interval" flag: time: '
                                 'invalid duration "x"'),
])  # fmt: skip
def test_flag_values_refused_as_pflag_does(argv, message):
    with pytest.raises(UsageError) as caught:
        spec(*argv, "busybox")
    assert caught.value.message == message
    assert caught.value.status == 125


@pytest.mark.parametrize("argv, message", [
    (["-p", "x:80"], "invalid hostPort: x"),
    (["-p", "abc"], "invalid containerPort: abc"),
    (["-p", "80/bogus"], "invalid proto: bogus"),
    (["-p", "1:2:3:4"], "invalid IP address: 1:2"),
    (["-p", "1-3:4-5"], "invalid ranges specified for container and host Ports: 4-5 and 1-3"),
    (["--expose", "x"], 'invalid range format for --expose: x, error: strconv.ParseUint: '
                        'parsing "x": invalid syntax'),
    (["--restart", "on-failure:x"], "invalid restart policy format: maximum retry count must "
                                    "be an integer"),
    (["--restart", "always", "--rm"], "conflicting options: cannot specify both --restart and "
                                      "--rm"),
    (["--security-opt", "foo"], 'Invalid --security-opt: "foo"'),
    (["--env-file", "/nonexistent/env"], "open /nonexistent/env: no such file or directory"),
    (["--pull", "bogus"], "invalid pull option: 'bogus': must be one of \"always\", \"missing\" "
                          'or "never"'),
    (["--platform", "bogus"], 'error parsing specified platform: "bogus": unknown operating '
                              "system or architecture: invalid argument"),
    (["--gpus", "all"], "--gpus is not supported by dshell"),
    (["--no-healthcheck", "--health-cmd", "true"], "--no-healthcheck conflicts with --health-* "
                                                   "options"),
])  # fmt: skip
def test_values_refused_after_parsing(argv, message):
    with pytest.raises(RunOptionError) as caught:
        spec(*argv, "busybox")
    assert str(caught.value) == message
    assert caught.value.status == 125


def test_ports_and_bindings():
    assert parse_port_spec("127.0.0.1:8080:80") == [
        ("80/tcp", {"HostIp": "127.0.0.1", "HostPort": "8080"})]
    assert parse_port_spec("8000-8001:80-81/udp") == [
        ("80/udp", {"HostIp": "", "HostPort": "8000"}),
        ("81/udp", {"HostIp": "", "HostPort": "8001"})]
    assert parse_port_spec("8000-8010:80") == [("80/tcp", {"HostIp": "", "HostPort": "8000-8010"})]
    body = spec("-p", "8080:80", "--expose", "90-91", "busybox").body
    assert set(body["ExposedPorts"]) == {"80/tcp", "90/tcp", "91/tcp"}


def test_long_publish_syntax_is_the_short_one():
    body = spec("-p", "target=80,published=8080,protocol=udp", "-p", "target=90",
                "busybox").body  # fmt: skip
    assert body["HostConfig"]["PortBindings"] == {
        "80/udp": [{"HostIp": "", "HostPort": "8080"}],
        "90/tcp": [{"HostIp": "", "HostPort": ""}],
    }
    with pytest.raises(RunOptionError) as caught:
        spec("-p", "target=80,oops", "busybox")
    assert str(caught.value) == (
        "invalid publish opts format (should be name=value but got 'oops')"
    )


def test_sizes_durations_ulimits_mounts():
    assert parse_bytes("512m") == 512 * 1024 * 1024
    assert parse_bytes("1.5g") == int(1.5 * 1024**3)
    assert parse_bytes("100") == 100
    assert parse_duration("1m30s") == 90 * 10**9
    assert parse_duration("250ms") == 250 * 10**6
    assert parse_ulimit("nofile=1024:2048") == {"Name": "nofile", "Soft": 1024, "Hard": 2048}
    assert parse_mount("type=bind,src=/a,dst=/b,readonly") == {
        "Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": True}
    assert parse_mount("type=tmpfs,target=/t,tmpfs-size=1m")["TmpfsOptions"] == {
        "SizeBytes": 1024 * 1024}


def test_resources_and_host_config():
    hc = spec("-m", "64m", "--memory-swap", "-1", "--cpus", "1.5", "--pids-limit", "50",
              "--restart", "on-failure:3", "--init", "--read-only", "--cap-add", "NET_ADMIN",
              "-v", "/tmp:/data:ro", "-v", "/anon", "--tmpfs", "/run:size=1m",
              "busybox").host_config
    assert hc["Memory"] == 64 * 1024 * 1024 and hc["MemorySwap"] == -1
    assert hc["NanoCpus"] == 1_500_000_000 and hc["PidsLimit"] == 50
    assert hc["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert hc["Init"] is True and hc["ReadonlyRootfs"] is True
    assert hc["Binds"] == ["/tmp:/data:ro"] and hc["Tmpfs"] == {"/run": "size=1m"}
    assert hc["NetworkMode"] == "default"


def test_entrypoint_env_and_labels(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("\ufeff# comment\n\nFROM_FILE=1\nFROM_HOST\nMISSING\n")
    label_file = tmp_path / "labels"
    label_file.write_text("a=1\nbare\n")
    body = spec("--entrypoint", "", "--env-file", str(env_file), "-e", "HOSTVAR", "-e", "X=2",
                "--label-file", str(label_file), "-l", "b=2", "busybox",
                environ={"FROM_HOST": "h", "HOSTVAR": "v"}).body
    assert body["Entrypoint"] == [""]
    assert body["Env"] == ["FROM_FILE=1", "FROM_HOST=h", "HOSTVAR=v", "X=2"]
    assert body["Labels"] == {"a": "1", "b": "2"}  # docker 28 drops a label line without =


def test_env_file_bad_variable(tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("BAD NAME=1\n")
    with pytest.raises(RunOptionError) as caught:
        parse_env_file(str(env_file), {})
    assert str(caught.value) == f"invalid env file ({env_file}): variable 'BAD NAME' contains " \
                                "whitespaces"


@pytest.mark.parametrize(
    ("added", "sent"),
    [
        (["net_admin", "ALL", "chown"], ["ALL", "CAP_CHOWN", "CAP_NET_ADMIN"]),
        (["cap_sys_admin", "SYS_ADMIN"], ["CAP_SYS_ADMIN"]),
        ([" net_raw"], ["CAP_ NET_RAW"]),  # no trimming: the daemon refuses it, as docker's
    ],
)
def test_capabilities_are_normalized_as_docker_28_sends_them(added, sent):
    flags = [word for name in added for word in ("--cap-add", name)]
    hc = spec(*flags, "--cap-drop", "chown", "busybox").host_config
    assert hc["CapAdd"] == sent and hc["CapDrop"] == ["CAP_CHOWN"]


def test_detach_keys():
    assert parse_detach_keys("ctrl-p,ctrl-q") == b"\x10\x11"
    assert parse_detach_keys("ctrl-x,x") == b"\x18x"
    with pytest.raises(DetachKeysError):
        parse_detach_keys("ctrl-1")
    proxy = EscapeProxy(b"\x10\x11")
    assert proxy.feed(b"ab\x10") == (b"ab", False)
    assert proxy.feed(b"c") == (b"\x10c", False)
    assert proxy.feed(b"\x10\x11") == (b"", True)
