"""``service …`` against docker 28 on the two-node swarm test bed: help, create and update
(compared through the specs they leave), ls, ps, inspect (raw, -f, --pretty), scale,
rollback, rm, logs, and the progress lines printed while waiting for convergence.

State-changing commands run on separately named services: docker makes one, dshell its
twin, and the two are compared through ``service inspect -f``. Every service runs the
imported busybox with ``sleep``; nothing is pulled."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests import harness

SLEEP = ("busybox", "sleep", "100000")


def _wait(engine: harness.Engine, name: str, replicas: str, timeout: float = 60) -> None:
    """Until ``service ls`` shows the service with ``replicas`` running/desired."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = harness.run_docker(
            engine, "service", "ls", "--filter", f"name={name}", "--format", "{{.Replicas}}"
        ).out.strip()
        if shown == replicas:
            return
        time.sleep(0.3)
    raise AssertionError(f"{name}: replicas {shown!r}, wanted {replicas!r}")


def _spec(engine: harness.Engine, name: str) -> dict:
    """The service's spec with its own name (and published ports) made comparable."""
    out = harness.run_docker_ok(engine, "service", "inspect", "-f", "{{json .Spec}}", name).out
    spec = json.loads(out)
    spec["Name"] = "NAME"
    return spec


@pytest.fixture(scope="module")
def pair(manager):
    """Remove, after the module, every service the tests here made."""
    made: list[str] = []

    def names(prefix: str) -> tuple[str, str]:
        docker_name = harness.unique_name(f"{prefix}-k")
        dshell_name = harness.unique_name(f"{prefix}-d")
        made.extend([docker_name, dshell_name])
        return docker_name, dshell_name

    yield names
    if made:
        harness.run_docker(manager, "service", "rm", *made)


@pytest.fixture(scope="module")
def steady(manager, pair):
    """Two services that stay as they are: 3 replicas over both nodes (with a published
    port, labels and env), and a global one."""
    replicated, global_name = pair("steady")
    harness.run_docker_ok(manager, "service", "create", "-d", "--name", replicated,
                          "--replicas", "3", "-p", "18080:80", "-l", "tier=web",
                          "-e", "A=1", *SLEEP)  # fmt: skip
    harness.run_docker_ok(manager, "service", "create", "-d", "--name", global_name,
                          "--mode", "global", *SLEEP)  # fmt: skip
    _wait(manager, replicated, "3/3")
    _wait(manager, global_name, "2/2")
    return replicated, global_name


# --- help --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sub", ["create", "inspect", "logs", "ls", "ps", "rm", "rollback", "scale", "update"]
)
def test_help_is_dockers(manager, sub):
    harness.assert_same(manager, "service", sub, "--help", stderr=True)


def test_service_alone_lists_its_subcommands(manager):
    harness.assert_same(manager, "service", stderr=True)


# --- create ------------------------------------------------------------------------------

CREATE_CASES = {
    "plain": [],
    "replicated": ["--replicas", "2", "-l", "a=b", "-l", "c", "--container-label", "x=y",
                   "-e", "K=V", "-e", "K=W", "--workdir", "/tmp", "--user", "0:0",
                   "--hostname", "h1", "--stop-signal", "SIGUSR1", "--stop-grace-period", "3s",
                   "--init", "--tty", "--read-only"],
    "policies": ["--restart-condition", "on-failure", "--restart-delay", "2s",
                 "--restart-max-attempts", "4", "--restart-window", "1m",
                 "--update-parallelism", "2", "--update-delay", "1s", "--update-order",
                 "start-first", "--update-failure-action", "continue",
                 "--update-max-failure-ratio", "0.25", "--rollback-parallelism", "0",
                 "--rollback-monitor", "2s"],
    "placement": ["--constraint", "node.role==manager", "--placement-pref",
                  "spread=node.labels.zone", "--replicas-max-per-node", "2",
                  "--limit-cpu", "0.5", "--limit-memory", "64m", "--reserve-memory", "8m",
                  "--limit-pids", "100"],
    "container": ["--entrypoint", "sleep", "--dns", "1.2.3.4", "--dns-search", "example.org",
                  "--dns-option", "ndots:2", "--host", "h:198.18.0.9", "--group", "users",
                  "--sysctl", "net.core.somaxconn=1024", "--cap-add", "NET_ADMIN",
                  "--cap-drop", "MKNOD", "--ulimit", "nofile=1024:2048", "--health-cmd",
                  "true", "--health-interval", "5s", "--health-retries", "2",
                  "--mount", "type=tmpfs,target=/scratch", "--log-driver", "json-file",
                  "--log-opt", "max-size=1m", "--endpoint-mode", "dnsrr"],
    "ports": ["-p", "{port}:80", "-p", "published={port2},target=81,protocol=udp",
              "--publish", "published={port3},target=82,mode=host"],
    "global": ["--mode", "global", "--no-healthcheck"],
    "job": ["--mode", "replicated-job", "--replicas", "2", "--max-concurrent", "1"],
}  # fmt: skip


def _ports(args: list[str], base: int) -> list[str]:
    return [a.format(port=base, port2=base + 1, port3=base + 2) for a in args]


@pytest.mark.parametrize("case", list(CREATE_CASES))
def test_create_makes_the_service_docker_makes(manager, pair, case):
    docker_name, dshell_name = pair(f"cr-{case}")
    base = 20000 + 10 * list(CREATE_CASES).index(case)
    image_args = SLEEP if case != "container" else ("busybox", "100000")
    docker = harness.run_docker(manager, "service", "create", "-d", "--name", docker_name,
                                *_ports(CREATE_CASES[case], base), *image_args)  # fmt: skip
    ours = harness.run_dshell(manager, "-c", " ".join(
        ["service", "create", "-d", "--name", dshell_name,
         *(repr(a) if " " in a else a for a in _ports(CREATE_CASES[case], base + 5)),
         *image_args]))  # fmt: skip
    assert docker.status == 0, docker.err
    assert ours.status == 0, ours.err
    assert re.fullmatch(r"[a-z0-9]{25}\n", ours.out)
    assert ours.err == docker.err  # the digest warning, word for word
    ours_spec, docker_spec = _spec(manager, dshell_name), _spec(manager, docker_name)
    for spec in (ours_spec, docker_spec):
        for port in (spec.get("EndpointSpec") or {}).get("Ports") or []:
            port["PublishedPort"] = port.get("PublishedPort", 0) % 5
    assert ours_spec == docker_spec


@pytest.mark.parametrize(
    "args",
    [
        ["--mode", "bogus"],
        ["--mode", "global", "--replicas", "2"],
        ["--replicas", "x"],
        ["--restart-delay", "soon"],
        ["--no-healthcheck", "--health-cmd", "true"],
        ["--secret", "nosuch"],
        ["--config", "nosuch"],
        ["--network", "nosuch"],
        ["--placement-pref", "pack=x"],
        ["-p", "published=1,target=x"],
        ["-p", "x:80"],
        ["--mount", "type=bind"],
        ["--ulimit", "nofile=x"],
        ["--env-file", "/nonexistent-env-file"],
        ["--mode", "replicated-job", "--update-delay", "1s"],
    ],
)
def test_create_refusals_are_dockers(manager, args):
    pair = harness.differential(manager, "service", "create", "-d", *args, *SLEEP)
    assert pair.docker.status != 0
    harness.assert_alike(pair, stderr=True)


def test_create_waits_and_prints_dockers_progress_lines(manager, pair):
    """Without --detach on a pipe: the ID, then progress.go's messages one per line (how
    often each repeats depends on timing; which lines, and in what order, does not)."""

    def lines(result: harness.Result) -> list[str]:
        ident = result.out.splitlines()[0]
        shown = [line.replace(ident, "ID") for line in result.out.splitlines()[1:]]
        return [line for i, line in enumerate(shown) if i == 0 or line != shown[i - 1]]

    docker_name, dshell_name = pair("wait")
    docker = harness.run_docker(manager, "service", "create", "--replicas", "2",
                                "--name", docker_name, *SLEEP, timeout=120)  # fmt: skip
    ours = harness.run_dshell(manager, "-c", f"service create --replicas 2 --name {dshell_name} "
                              + " ".join(SLEEP), timeout=120)  # fmt: skip
    assert (ours.status, docker.status) == (0, 0), ours.err
    assert lines(ours)[:3] == lines(docker)[:3] == [
        "overall progress: 0 out of 2 tasks", "1/2:  ", "2/2:  "]  # fmt: skip
    assert lines(ours)[-7:] == lines(docker)[-7:]
    assert lines(ours)[-1] == "verify: Service ID converged"
    assert ours.err == docker.err


def test_quiet_create_waits_silently(manager, pair):
    _docker_name, dshell_name = pair("quiet")
    ours = harness.run_dshell(manager, "-c", f"service create -q --name {dshell_name} "
                              + " ".join(SLEEP), timeout=120)  # fmt: skip
    assert ours.status == 0, ours.err
    assert re.fullmatch(r"[a-z0-9]{25}\n", ours.out)
    running = harness.run_docker_ok(manager, "service", "ls", "--filter", f"name={dshell_name}",
                                    "--format", "{{.Replicas}}").out  # fmt: skip
    assert running == "1/1\n"


# --- listings and inspect ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["-q"],
        ["--format", "{{.Name}} {{.Mode}} {{.Replicas}} {{.Image}} {{.Ports}}"],
        ["--format", "json"],
        ["--format", "table {{.Name}}\t{{.Replicas}}"],
        ["--format", "raw"],
    ],
)
def test_ls_is_dockers(manager, steady, args):
    replicated, global_name = steady
    for name in (replicated, global_name):
        harness.assert_same(manager, "service", "ls", "--filter", f"name={name}", *args,
                            stderr=True)  # fmt: skip


def test_ls_filters_by_label_and_mode(manager, steady):
    harness.assert_same(manager, "service", "ls", "-f", "label=tier=web", "-f", "mode=replicated",
                        "--format", "{{.Name}}")  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--no-trunc"],
        ["-q"],
        ["--no-resolve", "--format", "{{.Name}} {{.Node}} {{.DesiredState}}"],
        ["--filter", "desired-state=running", "--format", "{{.Name}} {{.Node}} {{.Image}}"],
        ["--filter", "node=node-b", "--format", "{{.Name}}"],
        ["--format", "json"],
    ],
)
def test_ps_is_dockers(manager, steady, args):
    """Ages ("Running 40 seconds ago") tick while the two tools run: they are compared as
    "AGO", with the column padding that follows them."""

    def aged(text: str) -> str:
        return re.sub(r"(\d+|[Aa]bout an?|[Ll]ess than a) \w+ ago *", "AGO ", text)

    replicated, global_name = steady
    pair = harness.differential(manager, "service", "ps", *args, replicated, global_name)
    harness.assert_alike(
        harness.Differential(
            docker=harness.Result(aged(pair.docker.out), pair.docker.err, pair.docker.status),
            dshell=harness.Result(aged(pair.dshell.out), pair.dshell.err, pair.dshell.status),
        ),
        stderr=True,
    )
    assert pair.dshell.out.count("\n") >= (2 if "node=node-b" in args else 5)


def test_ps_of_a_missing_service(manager, steady):
    harness.assert_same(manager, "service", "ps", "nosuch-svc", stderr=True)
    harness.assert_same(manager, "service", "ps", "--format", "{{.Name}}", steady[0],
                        "nosuch-svc", stderr=True)  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--pretty"],
        ["-f", "{{.Spec.Name}} {{.Spec.Mode.Replicated.Replicas}}"],
        ["--format", "pretty"],
        ["--format", "prettyx"],
    ],
)
def test_inspect_is_dockers(manager, steady, args):
    harness.assert_same(manager, "service", "inspect", *args, steady[0], tries=2, stderr=True)


def test_pretty_inspect_of_a_busy_spec(manager, pair):
    """--pretty over most of the template's parts (placement, configs, resources, mounts,
    health, ports, log driver)."""
    docker_name, _ = pair("pretty")
    harness.run_docker_ok(manager, "service", "create", "-d", "--name", docker_name,
                          *_ports(CREATE_CASES["placement"], 0),
                          *CREATE_CASES["container"], "-p", "published=21990,target=80,mode=host",
                          "--env", "E=1",
                          "--update-delay", "2s", "--rollback-delay", "1s", "-l", "k=v",
                          "busybox", "100000")  # fmt: skip
    harness.assert_same(manager, "service", "inspect", "--pretty", docker_name, stderr=True)


def test_inspect_of_missing_services(manager, steady):
    harness.assert_same(manager, "service", "inspect", steady[0], "nosuch-svc", stderr=True)
    harness.assert_same(manager, "service", "inspect", "--pretty", "nosuch-svc", stderr=True)
    harness.assert_same(manager, "service", "inspect", "--pretty", *steady, "nosuch-svc",
                        stderr=True)  # fmt: skip


def test_pretty_inspect_of_two_services(manager, steady):
    harness.assert_same(manager, "service", "inspect", "--pretty", *steady, tries=2, stderr=True)


# --- update, scale, rollback, rm -----------------------------------------------------------

UPDATE_CASES = {
    "env-labels": ["--env-add", "B=2", "--env-rm", "A", "--label-add", "z=1", "--label-rm",
                   "x", "--container-label-add", "c=1", "--force"],
    "placement": ["--constraint-add", "node.role==manager", "--limit-memory", "64m",
                  "--reserve-cpu", "0.1", "--replicas", "2", "--placement-pref-add",
                  "spread=node.id"],
    "policies": ["--restart-condition", "none", "--update-parallelism", "3",
                 "--rollback-order", "start-first", "--stop-grace-period", "1s"],
    "container": ["--args", "sleep 99999", "--user", "0", "--workdir", "/", "--dns-add",
                  "1.1.1.1", "--host-add", "a:198.18.0.1", "--group-add", "users",
                  "--mount-add", "type=tmpfs,target=/t", "--health-cmd", "true",
                  "--cap-add", "NET_ADMIN", "--ulimit-add", "nofile=10:20",
                  "--sysctl-add", "net.core.somaxconn=10", "--image", "busybox:latest"],
    "ports": ["--publish-add", "{port}:90", "--publish-rm", "80"],
}  # fmt: skip


@pytest.mark.parametrize("case", list(UPDATE_CASES))
def test_update_changes_what_docker_changes(manager, pair, case):
    docker_name, dshell_name = pair(f"up-{case}")
    base = 23000 + 10 * list(UPDATE_CASES).index(case)
    for name, port in ((docker_name, base), (dshell_name, base + 5)):
        harness.run_docker_ok(manager, "service", "create", "-d", "--name", name, "-e", "A=1",
                              "-l", "x=y", "-p", f"{port}:80", *SLEEP)  # fmt: skip
    docker = harness.run_docker(manager, "service", "update", "-d",
                                *_ports(UPDATE_CASES[case], base + 1), docker_name)  # fmt: skip
    ours = harness.run_dshell(manager, "-c", " ".join(
        ["service", "update", "-d",
         *(repr(a) if " " in a else a for a in _ports(UPDATE_CASES[case], base + 6)),
         dshell_name]))  # fmt: skip
    assert (docker.status, ours.status) == (0, 0), ours.err
    assert ours.out == f"{dshell_name}\n"
    assert ours.err == docker.err
    ours_spec, docker_spec = _spec(manager, dshell_name), _spec(manager, docker_name)
    for spec in (ours_spec, docker_spec):
        for port in (spec.get("EndpointSpec") or {}).get("Ports") or []:
            port["PublishedPort"] = port.get("PublishedPort", 0) % 5
    assert ours_spec == docker_spec


def test_update_refusals_are_dockers(manager, steady):
    for args in (["--rollback", "--force"], ["--replicas", "2"], ["--secret-add", "nosuch"],
                 ["--update-delay", "soon"]):  # fmt: skip
        target = steady[1] if args == ["--replicas", "2"] else steady[0]
        pair = harness.differential(manager, "service", "update", "-d", *args, target)
        assert pair.docker.status != 0
        harness.assert_alike(pair, stderr=True)
    harness.assert_same(manager, "service", "update", "-d", "nosuch-svc", stderr=True)


def test_scale_prints_dockers_lines(manager, pair, steady):
    docker_name, dshell_name = pair("scale")
    for name in (docker_name, dshell_name):
        harness.run_docker_ok(manager, "service", "create", "-d", "--name", name, *SLEEP)
    docker = harness.run_docker(manager, "service", "scale", "-d", f"{docker_name}=2",
                                "nosuch-svc=1", f"{steady[1]}=3", "x=y")  # fmt: skip
    ours = harness.run_dshell(manager, "-c", f"service scale -d {dshell_name}=2 nosuch-svc=1 "
                              f"{steady[1]}=3 x=y")  # fmt: skip
    assert ours.status == docker.status == 1
    assert ours.out.replace(dshell_name, "N") == docker.out.replace(docker_name, "N")
    assert ours.err == docker.err
    assert _spec(manager, dshell_name) == _spec(manager, docker_name)
    harness.assert_same(manager, "service", "scale", "bad", stderr=True)
    harness.assert_same(manager, "service", "scale", stderr=True)


def test_scale_waits_for_convergence(manager, pair):
    _docker_name, dshell_name = pair("scalewait")
    harness.run_docker_ok(manager, "service", "create", "-d", "--name", dshell_name, *SLEEP)
    ours = harness.run_dshell(manager, "-c", f"service scale {dshell_name}=2", timeout=120)
    assert ours.status == 0, ours.err
    lines = ours.out.splitlines()
    assert lines[0] == f"{dshell_name} scaled to 2"
    assert lines[1] == "overall progress: 0 out of 2 tasks"
    assert lines[-1] == f"verify: Service {dshell_name} converged"


def test_rollback_returns_to_the_previous_spec(manager, pair):
    docker_name, dshell_name = pair("rollback")
    for name in (docker_name, dshell_name):
        harness.run_docker_ok(manager, "service", "create", "-d", "--name", name, "-l", "v=1",
                              *SLEEP)  # fmt: skip
        harness.run_docker_ok(manager, "service", "update", "-d", "--label-add", "v=2", name)
    docker = harness.run_docker(manager, "service", "rollback", "-d", docker_name)
    ours = harness.run_dshell(manager, "-c", f"service rollback -d {dshell_name}")
    assert (ours.status, docker.status) == (0, 0), ours.err
    assert ours.out == f"{dshell_name}\n"
    assert _spec(manager, dshell_name) == _spec(manager, docker_name)
    assert _spec(manager, dshell_name)["Labels"] == {"v": "1"}
    ours = harness.run_dshell(manager, "-c", f"service update -d --rollback {dshell_name}")
    assert ours.status == 0, ours.err
    assert _spec(manager, dshell_name)["Labels"] == {"v": "2"}
    harness.assert_same(manager, "service", "rollback", "-d", "nosuch-svc", stderr=True)


def test_rm_prints_names_and_failures(manager):
    names = [harness.unique_name("rm-k"), harness.unique_name("rm-d")]
    for name in names:
        harness.run_docker_ok(manager, "service", "create", "-d", "--name", name, *SLEEP)
    docker = harness.run_docker(manager, "service", "rm", names[0], "nosuch-svc")
    ours = harness.run_dshell(manager, "-c", f"service rm {names[1]} nosuch-svc")
    assert ours.status == docker.status == 1
    assert ours.out.replace(names[1], "N") == docker.out.replace(names[0], "N")
    assert ours.err == docker.err
    assert harness.run_docker(manager, "service", "inspect", names[1]).status == 1


# --- logs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chatty(manager, pair):
    """A two-replica service that writes three lines to stdout and three to stderr."""
    name, _ = pair("logs")
    script = "for i in 1 2 3; do echo out$i; echo err$i >&2; done; sleep 100000"
    harness.run_docker_ok(manager, "service", "create", "-d", "--name", name, "--replicas", "2",
                          "busybox", "sh", "-c", script)  # fmt: skip
    _wait(manager, name, "2/2")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if harness.run_docker(manager, "service", "logs", name).out.count("out") == 6:
            break
        time.sleep(0.3)
    return name


@pytest.mark.parametrize(
    "args",
    [[], ["--raw"], ["--no-task-ids"], ["-t"], ["--details"], ["--no-trunc", "--no-resolve"],
     ["--tail", "1"], ["--since", "2000-01-01T00:00:00Z"], ["-t", "--raw", "--details"]],
)  # fmt: skip
def test_logs_are_dockers(manager, chatty, args):
    """Both tasks' lines, with docker's prefixes (lines of two tasks interleave as the
    daemon merges them, so each stream is compared as a sorted list)."""
    pair = harness.differential(manager, "service", "logs", *args, chatty)
    assert pair.dshell.status == pair.docker.status == 0
    assert sorted(pair.dshell.out.splitlines()) == sorted(pair.docker.out.splitlines())
    assert sorted(pair.dshell.err.splitlines()) == sorted(pair.docker.err.splitlines())
    assert len((pair.dshell.out + pair.dshell.err).splitlines()) >= 2


def test_logs_of_one_task_and_of_nothing(manager, chatty):
    task = harness.run_docker_ok(manager, "service", "ps", "-q", chatty).out.split()[0]
    pair = harness.differential(manager, "service", "logs", task)
    assert sorted(pair.dshell.out.splitlines()) == sorted(pair.docker.out.splitlines())
    harness.assert_same(manager, "service", "logs", "nosuch-svc", stderr=True)
    harness.assert_same(manager, "service", "logs", "--since", "soon", chatty, stderr=True)


@pytest.mark.parametrize(
    "mode", [["--mode", "replicated-job", "--replicas", "2"], ["--mode", "global-job"]]
)
def test_jobs_wait_until_complete_as_docker_does(manager, pair, mode):
    """Jobs: progress.go's job updaters (``active tasks`` lines, ``job complete``)."""

    def lines(result: harness.Result) -> list[str]:
        shown = result.out.splitlines()[1:]
        return [line for i, line in enumerate(shown) if i == 0 or line != shown[i - 1]]

    docker_name, dshell_name = pair("job")
    docker = harness.run_docker(manager, "service", "create", *mode, "--name", docker_name,
                                "busybox", "true", timeout=120)  # fmt: skip
    line = " ".join(["service", "create", *mode, "--name", dshell_name, "busybox", "true"])
    ours = harness.run_dshell(manager, "-c", line, timeout=120)
    assert (ours.status, docker.status) == (0, 0), ours.err
    assert lines(ours)[-1] == "job complete"
    assert lines(ours)[:3] == lines(docker)[:3]
    assert lines(ours)[-2:] == lines(docker)[-2:]


def test_update_waits_and_prints_dockers_progress_lines(manager, pair):
    """``service update --force`` on a pipe: the name, then the same progress lines."""

    def lines(result: harness.Result, name: str) -> list[str]:
        shown = [line.replace(name, "NAME") for line in result.out.splitlines()]
        return [line for i, line in enumerate(shown) if i == 0 or line != shown[i - 1]]

    docker_name, dshell_name = pair("upwait")
    for name in (docker_name, dshell_name):
        harness.run_docker_ok(manager, "service", "create", "-d", "--name", name, *SLEEP)
        _wait(manager, name, "1/1")
    docker = harness.run_docker(manager, "service", "update", "--force", docker_name,
                                timeout=120)  # fmt: skip
    ours = harness.run_dshell(manager, "-c", f"service update --force {dshell_name}",
                              timeout=120)  # fmt: skip
    assert (ours.status, docker.status) == (0, 0), ours.err
    assert lines(ours, dshell_name)[:3] == lines(docker, docker_name)[:3]
    assert lines(ours, dshell_name)[-2:] == lines(docker, docker_name)[-2:]
    assert lines(ours, dshell_name)[-1] == "verify: Service NAME converged"
