"""run/create/start/exec through dshell and docker on the same daemon: output and status."""

from __future__ import annotations

import shlex

import pytest

from tests import harness

NONE = ("--network", "none")


def same(engine, *args, input=None):
    pair = harness.differential(engine, *args, input=input)
    assert "Traceback" not in pair.dshell.err
    return harness.assert_alike(pair)


@pytest.mark.parametrize("command", [
    ["busybox", "echo", "hello"],
    ["busybox", "sh", "-c", "echo out; echo err >&2; exit 3"],
    ["busybox", "nosuchcmd"],
    ["busybox", "/etc"],
    ["-h", "fixed", "-e", "A=1", "-e", "B", "busybox", "env"],
    ["-w", "/tmp", "busybox", "pwd"],
    ["-u", "123:45", "busybox", "id"],
    ["--entrypoint", "echo", "busybox", "via", "entrypoint"],
    ["busybox", "echo", "-e", "--rm", "-d"],
    ["-h", "boxname", "busybox", "hostname"],
    ["-i", "busybox", "cat"],
])  # fmt: skip
def test_run_output_and_status(engine, command):
    pair = same(engine, "run", "--rm", *NONE, *command, input="typed input\n")
    if "nosuchcmd" in command:
        assert pair.dshell.status == 127
    if "/etc" in command:
        assert pair.dshell.status == 126


@pytest.mark.parametrize("flags", [
    ["-m", "x"], ["--cpus", "x"], ["-p", "x:80"], ["--ulimit", "foo"], ["--mount", "foo"],
    ["--restart", "on-failure:x"], ["--restart", "always", "--rm"], ["--pull", "bogus"],
    ["--env-file", "/nonexistent"], ["-a", "foo"],
])  # fmt: skip
def test_bad_flags_exit_125(engine, flags):
    pair = same(engine, "run", *NONE, *flags, "busybox", "true")
    assert pair.dshell.status == 125
    assert pair.dshell.err == pair.docker.err, "docker 28's words, usage block and all"


def test_it_without_a_terminal(engine):
    pair = same(engine, "run", "-it", "--rm", *NONE, "busybox", "true")
    assert pair.dshell.err == "the input device is not a TTY\n"


def test_env_file_and_labels_and_restart_policy(engine, tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("# comment\nFROM_FILE=yes\n")
    name = harness.unique_name("dsh-run")
    result = harness.run_dshell(
        engine, "-c", shlex.join(["create", "--name", name, *NONE, "--env-file", str(env_file),
                                  "-l", "tier=web", "--restart", "on-failure:2", "busybox",
                                  "env"]))  # fmt: skip
    try:
        assert result.status == 0, result.err
        assert len(result.out.strip()) == 64
        fmt = "{{json .Config.Labels}} {{.HostConfig.RestartPolicy.Name}} " \
              "{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.Config.Env}}"
        shown = harness.run_docker(engine, "inspect", "-f", fmt, name).out
        assert shown.startswith('{"tier":"web"} on-failure 2 [FROM_FILE=yes')
        started = harness.run_dshell(engine, "-c", f"start -a {name}")
        assert "FROM_FILE=yes" in started.out and started.status == 0
    finally:
        harness.run_docker(engine, "rm", "-f", name)


def test_detach_prints_the_full_id_and_rm_removes(engine):
    name = harness.unique_name("dsh-run")
    result = harness.run_dshell(engine, "-c", f"run -d --name {name} --network none busybox "
                                              "sleep 300")  # fmt: skip
    try:
        assert result.status == 0, result.err
        full = harness.run_docker(engine, "inspect", "-f", "{{.Id}}", name).out.strip()
        assert result.out == full + "\n"
    finally:
        harness.run_docker(engine, "rm", "-f", name)
    gone = harness.unique_name("dsh-run")
    assert harness.run_dshell(engine, "-c", f"run --rm --name {gone} --network none busybox "
                                            "true").status == 0  # fmt: skip
    assert harness.run_docker(engine, "inspect", gone).status == 1


def test_cidfile(engine, tmp_path):
    cidfile = tmp_path / "cid"
    result = harness.run_dshell(engine, "-c", f"run --rm --cidfile {cidfile} --network none "
                                              "busybox true")  # fmt: skip
    assert result.status == 0, result.err
    assert len(cidfile.read_text()) == 64
    again = same(engine, "run", "--rm", "--cidfile", str(cidfile), *NONE, "busybox", "true")
    assert again.dshell.status == 125
    assert f"delete {cidfile}" in again.dshell.err
    missing = tmp_path / "never"
    failed = harness.run_dshell(engine, "-c", f"create --cidfile {missing} --network none "
                                              "nosuch-image-xyz:v1 --pull never")  # fmt: skip
    assert failed.status != 0 and not missing.exists()


def test_warnings_from_the_daemon(engine):
    pair = same(engine, "run", "--rm", "busybox", "true")
    assert "WARNING: IPv4 forwarding is disabled. Networking will not work." in pair.dshell.err


def test_exec_statuses(engine):
    with harness.container(engine, *NONE, "busybox", "sleep", "300") as box:
        same(engine, "exec", box.name, "sh", "-c", "echo hi; exit 4")
        same(engine, "exec", "-e", "X=1", "-w", "/tmp", box.name, "sh", "-c", "echo $X; pwd")
        same(engine, "exec", box.name, "nosuchcmd")
        same(engine, "exec", "-d", box.name, "true")
        same(engine, "exec", "-it", box.name, "true")


def test_start_and_attach_errors(engine):
    same(engine, "start", "nosuch-container")
    with harness.container(engine, *NONE, "busybox", "true", start=False) as box:
        same(engine, "attach", box.name)


def test_pull_on_404_from_the_registry(engine, registry):
    image = f"{registry.address}/{harness.unique_name('dsh-pull')}:v1"
    assert harness.run_docker(engine, "tag", "busybox", image).status == 0
    assert harness.run_docker(engine, "push", image).status == 0
    harness.run_docker(engine, "rmi", image)
    result = harness.run_dshell(engine, "-c", f"run --rm --network none {image} echo pulled")
    try:
        assert result.status == 0, result.err
        assert result.out == "pulled\n"
        assert result.err.startswith(f"Unable to find image '{image}' locally\n")
    finally:
        harness.run_docker(engine, "rmi", image)
