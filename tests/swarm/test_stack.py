"""``stack …`` against docker 28 on the shared swarm's manager: one compose file (two busybox
services, one with two replicas, labels, environment, a secret, a config, a second network)
deployed by ``docker stack deploy`` as one stack and by dshell as another, then compared
object by object with names and IDs normalised; ls/ps/services/rm/config differentials, help,
and bad files' messages and statuses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import harness

COMPOSE = """\
version: "3.8"
services:
  web:
    image: busybox
    command: sleep 100000
    environment:
      - GREETING=${GREETING:-hello}
      - PLAIN
      - COST=$$5
    labels:
      com.example.svc: web
    deploy:
      replicas: 2
      labels:
        com.example.deploy: "yes"
      update_config:
        parallelism: 2
        delay: 10s
    secrets:
      - s1
    configs:
      - source: c1
        target: /etc/c1.conf
        mode: 0440
  worker:
    image: busybox
    command: ["sleep", "100000"]
    networks: [back]
    restart: on-failure:3
networks:
  back:
    labels:
      tier: back
secrets:
  s1:
    file: ./s1.txt
configs:
  c1:
    file: ./c1.txt
    labels:
      k: v
"""
OVERRIDE = """\
version: "3.8"
services:
  web:
    environment:
      EXTRA: "1"
    deploy:
      replicas: 1
"""
#: Most of what convert.Service reads, with published ports from the environment.
RICH = """\
version: "3.9"
services:
  api:
    image: busybox:latest
    entrypoint: /bin/sh -c
    command: "sleep 100000"
    hostname: api-host
    user: "1000"
    working_dir: /tmp
    stop_grace_period: 1m30s
    stop_signal: SIGINT
    tty: true
    init: true
    read_only: true
    extra_hosts:
      - "somehost:162.242.195.82"
    dns: 8.8.8.8
    dns_search: [example.com]
    cap_add: [NET_ADMIN]
    sysctls:
      net.core.somaxconn: 1024
    ulimits:
      nofile:
        soft: 1000
        hard: 2000
      nproc: 65535
    ports:
      - "${PUB}:80"
      - target: 443
        published: ${PUB_HOST}
        mode: host
    volumes:
      - data:/data
      - /tmp:/hosttmp:ro
      - type: tmpfs
        target: /scratch
    healthcheck:
      test: ["CMD", "true"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 10s
    logging:
      driver: json-file
      options:
        max-size: "10m"
    deploy:
      mode: replicated
      replicas: 0
      endpoint_mode: vip
      resources:
        limits:
          cpus: "0.5"
          memory: 50M
          pids: 100
        reservations:
          cpus: "0.25"
          memory: 20M
      restart_policy:
        condition: on-failure
        delay: 5s
        max_attempts: 3
        window: 120s
      placement:
        constraints: [node.role == manager]
        preferences:
          - spread: node.labels.zone
        max_replicas_per_node: 2
      update_config:
        parallelism: 2
        delay: 10s
        failure_action: rollback
        monitor: 60s
        max_failure_ratio: 0.3
        order: start-first
      rollback_config:
        parallelism: 0
        order: stop-first
    networks:
      front:
        aliases: [apialias]
  globe:
    image: busybox
    command: sleep 100000
    deploy:
      mode: global
    networks: [front, back]
networks:
  front:
    driver: overlay
    attachable: true
    driver_opts:
      encrypted: ""
  back:
    internal: true
volumes:
  data:
    driver: local
    labels:
      v: "1"
"""
BAD_FILES = {
    "unknown-key": "services:\n  web:\n    image: busybox\n    foo: 1\n",
    "unknown-top": "bogus: 1\nservices:\n  web:\n    image: busybox\n",
    "yaml-error": "services:\n  web:\n   image: busybox\n  - x\n",
    "required": "services:\n  web:\n    image: busybox\n    environment:\n"
    "      A: ${NOPE_H15:?must be set}\n",
    "no-image": "services:\n  web: {}\n",
    "forbidden": "services:\n  web:\n    image: busybox\n    mem_limit: 1g\n    cpuset: '0'\n",
    "version-mismatch": "version: '3.2'\nservices:\n  web:\n    image: busybox\n",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("stack")
    (folder / "compose.yml").write_text(COMPOSE)
    (folder / "override.yml").write_text(OVERRIDE)
    (folder / "rich.yml").write_text(RICH)
    (folder / "s1.txt").write_text("secret\n")
    (folder / "c1.txt").write_text("conf\n")
    # stack deploy reads no .env: a value here must not reach the services.
    (folder / ".env").write_text("GREETING=from-dotenv\n")
    for name, text in BAD_FILES.items():
        (folder / f"{name}.yml").write_text(text)
    return folder


@pytest.fixture(scope="module")
def stacks(manager, project) -> Iterator[tuple[str, str]]:
    """Stack A deployed by docker, B by dshell, from the same file; both removed after."""
    theirs, mine = harness.unique_name("sta"), harness.unique_name("stb")
    args = ("stack", "deploy", "-c", str(project / "compose.yml"))
    oracle = harness.run_docker(manager, *args, theirs, cwd=project)
    ours = harness.run_dshell(manager, "-c", f"stack deploy -c compose.yml {mine}", cwd=project)
    try:
        assert oracle.status == ours.status == 0, (oracle.err, ours.err)
        assert ours.err == oracle.err
        assert sorted(ours.out.replace(mine, "S").splitlines()) == sorted(
            oracle.out.replace(theirs, "S").splitlines()
        )
        yield theirs, mine
    finally:
        harness.run_docker(manager, "stack", "rm", theirs, mine)


def _normal(text: str, stack: str) -> str:
    text = text.replace(f"{stack}_", "S_").replace(f'"{stack}"', '"S"')
    return re.sub(r'"(Target|SecretID|ConfigID)":"[a-z0-9]{25}"', r'"\1":"X"', text)


def _specs(manager, stack: str, kind: str, names: list[str], template: str) -> list:
    out = []
    for name in names:
        shown = harness.run_docker_ok(manager, kind, "inspect", "-f", template, f"{stack}_{name}")
        out.append(json.loads(_normal(shown.out, stack)))
    return out


def test_deploy_makes_the_objects_docker_makes(manager, stacks):
    theirs, mine = stacks
    for kind, names, template in (
        ("service", ["web", "worker"], "{{json .Spec}}"),
        ("secret", ["s1"], "{{json .Spec}}"),
        ("config", ["c1"], "{{json .Spec}}"),
        ("network", ["default", "back"],
         "[{{json .Driver}},{{json .Scope}},{{json .Labels}},{{json .Attachable}}]"),
    ):  # fmt: skip
        expected = _specs(manager, theirs, kind, names, template)
        assert _specs(manager, mine, kind, names, template) == expected
    web = _specs(manager, mine, "service", ["web"], "{{json .Spec}}")[0]
    env = web["TaskTemplate"]["ContainerSpec"]["Env"]
    assert env == ["COST=$5", "GREETING=hello", "PLAIN"]
    assert web["Labels"]["com.docker.stack.namespace"] == "S"
    assert web["Mode"] == {"Replicated": {"Replicas": 2}}


def test_redeploy_updates_in_place_with_an_override(manager, project, stacks):
    theirs, mine = stacks
    files = ("-c", "compose.yml", "-c", "override.yml")
    versions = {
        stack: harness.run_docker_ok(manager, "service", "inspect", "-f", "{{.Version.Index}}",
                                     f"{stack}_web").out.strip()
        for stack in stacks
    }  # fmt: skip
    oracle = harness.run_docker(manager, "stack", "deploy", *files, theirs, cwd=project)
    ours = harness.run_dshell(manager, "-c", f"stack deploy {' '.join(files)} {mine}", cwd=project)
    assert ours.status == oracle.status == 0
    assert "Updating service " + mine + "_web (id: " in ours.out
    assert sorted(re.sub(r"id: \w+", "id: X", ours.out.replace(mine, "S")).splitlines()) == sorted(
        re.sub(r"id: \w+", "id: X", oracle.out.replace(theirs, "S")).splitlines()
    )
    assert ours.err == oracle.err
    spec = _specs(manager, mine, "service", ["web"], "{{json .Spec}}")
    assert spec == _specs(manager, theirs, "service", ["web"], "{{json .Spec}}")
    assert spec[0]["Mode"] == {"Replicated": {"Replicas": 1}}
    after = harness.run_docker_ok(manager, "service", "inspect", "-f", "{{.Version.Index}}",
                                  f"{mine}_web").out.strip()  # fmt: skip
    assert int(after) > int(versions[mine])


def test_ls_services_and_ps_as_docker(manager, stacks):
    theirs, mine = stacks
    harness.assert_same(manager, "stack", "ls", tries=3)
    harness.assert_same(manager, "stack", "ls", "--format", "{{.Name}}:{{.Services}}", tries=3)
    harness.assert_same(manager, "stack", "ls", "--format", "json", tries=3)
    for stack in stacks:
        harness.assert_same(manager, "stack", "services", stack, "--format",
                            "{{.Name}} {{.Mode}} {{.Image}}", tries=3)  # fmt: skip
        harness.assert_same(manager, "stack", "services", "-q", stack, tries=3)
        harness.assert_same(manager, "stack", "ps", stack, "--format",
                            "{{.Name}} {{.Image}} {{.DesiredState}}", tries=3)  # fmt: skip
        harness.assert_same(manager, "stack", "ps", "-q", "--no-trunc", stack, tries=3)
    for args in (("ps", "nope-h15"), ("services", "nope-h15"), ("rm", "nope-h15")):
        harness.assert_same(manager, "stack", *args)


def test_rm_removes_everything_with_dockers_lines(manager, project):
    theirs, mine = harness.unique_name("rma"), harness.unique_name("rmb")
    for stack in (theirs, mine):
        harness.run_docker_ok(manager, "stack", "deploy", "-c", "compose.yml", stack, cwd=project)
    oracle = harness.run_docker(manager, "stack", "rm", theirs)
    ours = harness.run_dshell(manager, "-c", f"stack rm {mine} nope-h15")
    assert oracle.status == 0 and ours.status == 0
    assert ours.err == "Nothing found in stack: nope-h15\n"
    assert sorted(ours.out.replace(mine, "S").splitlines()) == sorted(
        oracle.out.replace(theirs, "S").splitlines()
    )
    assert ours.out.splitlines()[0].startswith(f"Removing service {mine}_")
    for kind in ("service", "secret", "config"):
        left = harness.run_docker_ok(manager, kind, "ls", "-q", "--filter", f"name={mine}_").out
        assert left == ""


@pytest.mark.parametrize("files", [("compose.yml",), ("compose.yml", "override.yml")])
def test_config_prints_the_merged_file(manager, project, files):
    flags = [arg for name in files for arg in ("-c", name)]
    for extra in ([], ["--skip-interpolation"]):
        oracle = harness.run_docker(manager, "stack", "config", *flags, *extra, cwd=project)
        ours = harness.run_dshell(manager, "-c", " ".join(["stack config", *flags, *extra]),
                                  cwd=project)  # fmt: skip
        assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
        assert oracle.status == 0


@pytest.mark.parametrize("name", [*BAD_FILES, "missing"])
@pytest.mark.parametrize("verb", ["deploy", "config"])
def test_bad_files_give_dockers_message(manager, project, name, verb):
    tail = ("bad-h15",) if verb == "deploy" else ()
    files = ["-c", f"{name}.yml"]
    if name == "version-mismatch":
        files = ["-c", "compose.yml", *files]
    oracle = harness.run_docker(manager, "stack", verb, *files, *tail, cwd=project)
    ours = harness.run_dshell(manager, "-c", " ".join(["stack", verb, *files, *tail]),
                              cwd=project)  # fmt: skip
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    if not (verb == "config" and name == "no-image"):
        assert oracle.status == 1


@pytest.mark.parametrize("words", ["", "deploy", "ls", "ps", "rm", "services", "config"])
def test_help_as_docker(manager, words):
    args = ["stack", *words.split(), "--help"]
    harness.assert_same(manager, *args)


def test_rich_file_converts_as_docker_converts(manager, project):
    """Ports, mounts, healthcheck, resources, placement, update/rollback/restart policies,
    logging, capabilities, ulimits, sysctls, a global service on two networks."""
    theirs, mine = harness.unique_name("rca"), harness.unique_name("rcb")
    ports = {theirs: ("18080", "18443"), mine: ("18081", "18444")}
    try:
        results = {}
        for stack, runner in ((theirs, harness.run_docker), (mine, harness.run_dshell)):
            env = {"PUB": ports[stack][0], "PUB_HOST": ports[stack][1]}
            args = ("stack", "deploy", "-c", "rich.yml", stack)
            if runner is harness.run_dshell:
                args = ("-c", " ".join(args))
            results[stack] = runner(manager, *args, cwd=project, env=env)
        assert results[mine].status == results[theirs].status == 0, results[mine].err
        assert results[mine].err == results[theirs].err
        for name in ("api", "globe"):
            specs = []
            for stack in (theirs, mine):
                (spec,) = _specs(manager, stack, "service", [name], "{{json .Spec}}")
                for port in (spec.get("EndpointSpec") or {}).get("Ports") or []:
                    port["PublishedPort"] = 0
                specs.append(spec)
            assert specs[1] == specs[0]
        oracle = harness.run_docker(manager, "stack", "config", "-c", "rich.yml", cwd=project,
                                    env={"PUB": "1", "PUB_HOST": "2"})  # fmt: skip
        ours = harness.run_dshell(manager, "-c", "stack config -c rich.yml", cwd=project,
                                  env={"PUB": "1", "PUB_HOST": "2"})  # fmt: skip
        assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    finally:
        harness.run_docker(manager, "stack", "rm", theirs, mine)


SMALL = "services:\n  one:\n    image: busybox\n    command: sleep 100000\n"


def test_prune_resolve_image_and_stdin(manager, project):
    """--prune removes the services the new file drops; --resolve-image changed keeps the
    image an unchanged service runs (no registry query, no warning); ``-c -`` reads stdin;
    a bad --resolve-image is refused in docker's words."""
    (project / "small.yml").write_text(SMALL)
    theirs, mine = harness.unique_name("pra"), harness.unique_name("prb")
    try:
        for stack in (theirs, mine):
            harness.run_docker_ok(manager, "stack", "deploy", "-d", "-c", "compose.yml", stack,
                                  cwd=project)  # fmt: skip
        steps = [
            ("stack", "deploy", "--prune", "--resolve-image", "never", "-c", "small.yml"),
            ("stack", "deploy", "--resolve-image", "changed", "-c", "-"),
            ("stack", "deploy", "--resolve-image", "bogus", "-c", "small.yml"),
        ]
        outputs = []
        for step in steps:
            stdin = SMALL if "-" in step else None
            oracle = harness.run_docker(manager, *step, theirs, cwd=project, input=stdin)
            ours = harness.run_dshell(manager, "-c", " ".join([*step, mine]), cwd=project,
                                      input=stdin)  # fmt: skip
            assert ours.status == oracle.status
            assert ours.err == oracle.err
            shown = [re.sub(r"id: \w+", "id: X", r.out.replace(s, "S"))
                     for r, s in ((oracle, theirs), (ours, mine))]  # fmt: skip
            assert sorted(shown[1].splitlines()) == sorted(shown[0].splitlines())
            outputs.append(shown[1])
        assert "Removing service S_web\nRemoving service S_worker\n" in outputs[0]
        template = "{{.Spec.Name}} {{.Spec.TaskTemplate.ContainerSpec.Image}}"
        listed = {
            stack: harness.run_docker_ok(manager, "service", "inspect", "-f", template,
                                         f"{stack}_one").out.replace(stack, "S")
            for stack in (theirs, mine)
        }  # fmt: skip
        # The client tags an image on every create and update, resolved or not.
        assert listed[mine] == listed[theirs] == "S_one busybox:latest\n"
    finally:
        harness.run_docker(manager, "stack", "rm", theirs, mine)


EDGE_FILES = {
    "external-net": "services:\n  web:\n    image: busybox\n    networks: [outside]\n"
    "networks:\n  outside:\n    external: true\n",
    "undefined-net": "services:\n  web:\n    image: busybox\n    networks: [nowhere]\n",
    "undefined-secret": "services:\n  web:\n    image: busybox\n    secrets: [nope]\n",
    "missing-secret-file": "services:\n  web:\n    image: busybox\n    secrets: [s]\n"
    "secrets:\n  s:\n    file: ./absent.txt\n",
    "empty": "",
    "list": "- a\n- b\n",
    "bad-mode": "services:\n  web:\n    image: busybox\n    deploy:\n      mode: sideways\n",
    "missing-env-file": "services:\n  web:\n    image: busybox\n    env_file: nope.env\n",
    "bad-version": "version: '2.1'\nservices:\n  web:\n    image: busybox\n",
    "bad-cpus": "services:\n  web:\n    image: busybox\n    deploy:\n      resources:\n"
    "        limits:\n          cpus: 'abc'\n",
}


@pytest.mark.parametrize("name", sorted(EDGE_FILES))
def test_edge_files_as_docker(manager, project, name):
    (project / f"{name}.yml").write_text(EDGE_FILES[name])
    theirs, mine = harness.unique_name("edga"), harness.unique_name("edgb")
    try:
        for verb, tail in (("config", ()), ("deploy", ("STACK",))):
            args = ("stack", verb, "-c", f"{name}.yml", *tail)
            oracle = harness.run_docker(manager, *(a.replace("STACK", theirs) for a in args),
                                        cwd=project)  # fmt: skip
            ours = harness.run_dshell(manager, "-c", " ".join(args).replace("STACK", mine),
                                      cwd=project)  # fmt: skip
            assert ours.status == oracle.status
            assert ours.out.replace(mine, "S") == oracle.out.replace(theirs, "S")
            assert ours.err.replace(mine, "S") == oracle.err.replace(theirs, "S")
    finally:
        harness.run_docker(manager, "stack", "rm", theirs, mine)


@pytest.mark.parametrize(
    "line",
    ["stack ls", "stack ps nope-h15", "stack services nope-h15", "stack rm nope-h15",
     "stack deploy -c compose.yml nope-h15"],
)  # fmt: skip
def test_a_worker_refuses_as_docker(worker, project, line):
    oracle = harness.run_docker(worker, *line.split(), cwd=project)
    ours = harness.run_dshell(worker, "-c", line, cwd=project)
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    assert oracle.status == 1


def test_config_reads_stdin(manager, project):
    oracle = harness.run_docker(manager, "stack", "config", "-c", "-", input=COMPOSE, cwd=project)
    ours = harness.run_dshell(manager, "-c", "stack config -c -", input=COMPOSE, cwd=project)
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    assert "GREETING: hello" in ours.out


SHORT_SYNTAX = """\
services:
  web:
    image: busybox
    command: sleep 100000
    deploy: {replicas: 0}
    ports:
      - "80"
      - "127.0.0.1:18181:81"
      - "18900-18901:90-91"
      - 18053:53/udp
    volumes:
      - data:/data:nocopy
      - ./rel:/rel
      - /tmp:/hosttmp:ro
      - /anon
    extra_hosts:
      - "a:1.2.3.4"
    expose: ["3000"]
    container_name: x
    restart: always
volumes:
  data:
"""


def _no_stamps(text: str) -> str:
    return re.sub(r'time="[^"]*"', 'time="T"', text)


def test_short_syntaxes_and_warnings_as_docker(manager, project):
    """Short ports (ranges, a host IP docker warns about), short volumes (nocopy, relative,
    read-only, anonymous), unsupported and deprecated keys: the same config text, the same
    warnings, the same service (deployed one after the other: the ports are the same)."""
    (project / "short.yml").write_text(SHORT_SYNTAX)
    oracle = harness.run_docker(manager, "stack", "config", "-c", "short.yml", cwd=project)
    ours = harness.run_dshell(manager, "-c", "stack config -c short.yml", cwd=project)
    assert (ours.status, ours.out, _no_stamps(ours.err)) == (
        oracle.status, oracle.out, _no_stamps(oracle.err))  # fmt: skip
    assert "ignoring IP-address" in oracle.err
    specs, outputs = [], []
    for runner, stack in ((harness.run_docker, harness.unique_name("ssa")),
                          (harness.run_dshell, harness.unique_name("ssb"))):  # fmt: skip
        args = ("stack", "deploy", "-c", "short.yml", stack)
        if runner is harness.run_dshell:
            args = ("-c", " ".join(args))
        try:
            done = runner(manager, *args, cwd=project)
            assert done.status == 0, done.err
            outputs.append((done.out.replace(stack, "S"), _no_stamps(done.err)))
            (spec,) = _specs(manager, stack, "service", ["web"], "{{json .Spec}}")
            specs.append(spec)
        finally:
            harness.run_docker(manager, "stack", "rm", stack)
            _wait_gone(manager, stack)
    assert outputs[1] == outputs[0]
    assert specs[1] == specs[0]


def _wait_gone(manager, stack: str, timeout: float = 30) -> None:
    """Until the stack's service and network are gone (their ports and names free again)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = harness.run_docker(manager, "network", "ls", "-q", "--filter",
                                  f"label=com.docker.stack.namespace={stack}").out  # fmt: skip
        if not left.strip():
            return
        time.sleep(0.3)


MERGE_BASE = """\
version: "3.8"
services:
  web:
    image: busybox
    command: sleep 1
    dns: [1.1.1.1]
    ports: ["8080:80", "9090:90"]
    volumes: ["/b:/b", "/a:/a"]
    secrets: [b, a]
    environment: {A: "1", B: "2"}
    tty: true
    deploy:
      replicas: 3
      placement: {constraints: [node.role==manager]}
      labels: {x: "1"}
secrets:
  a: {file: ./a}
  b: {file: ./b, labels: {l: "1"}}
"""
MERGE_OVERRIDE = """\
version: "3.8"
services:
  web:
    command: ["sleep", "2"]
    dns: [8.8.8.8]
    ports: ["8080:81", "7070:70"]
    volumes: ["/c:/a"]
    secrets: [{source: a, target: t}]
    environment: {B: "3"}
    tty: false
    deploy:
      replicas: 0
      placement: {constraints: [node.role==worker]}
      labels: {y: "2"}
  other:
    image: busybox
secrets:
  b: {file: ./bb}
"""


def test_merge_as_docker_merges(manager, project):
    """merge.go's rules: commands replaced, ports/volumes/secrets merged on their key and
    sorted, other lists appended, maps merged, a zero value overriding only replicas."""
    (project / "m1.yml").write_text(MERGE_BASE)
    (project / "m2.yml").write_text(MERGE_OVERRIDE)
    args = ("stack", "config", "-c", "m1.yml", "-c", "m2.yml")
    oracle = harness.run_docker(manager, *args, cwd=project)
    ours = harness.run_dshell(manager, "-c", " ".join(args), cwd=project)
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    assert "      - 1.1.1.1\n      - 8.8.8.8\n" in oracle.out


def test_env_file_as_docker_reads_it(manager, project):
    """env_file read relative to the file (a bare KEY from the environment), environment
    winning over it."""
    (project / "e.env").write_text("A=1\n# comment\nB\nC=x y\nUNSET_H15\n")
    (project / "ef.yml").write_text(
        "services:\n  web:\n    image: busybox\n    env_file: [e.env]\n    environment: {C: z}\n"
    )
    args = ("stack", "config", "-c", "ef.yml")
    env = {"B": "from-env", "UNSET_H15": None}
    oracle = harness.run_docker(manager, *args, cwd=project, env=env)
    ours = harness.run_dshell(manager, "-c", " ".join(args), cwd=project, env=env)
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    assert "      B: from-env\n      C: z\n" in oracle.out


def test_external_objects_and_waiting(manager, project):
    """External secret, config and overlay network used by name (not created, not removed);
    a named secret; -d=false -q waits for convergence and prints only the Creating lines."""
    outside = harness.unique_name("ext")
    harness.run_docker_ok(manager, "network", "create", "-d", "overlay", outside)
    harness.run_docker_ok(manager, "secret", "create", outside, "-", input="x")
    harness.run_docker_ok(manager, "config", "create", outside, "-", input="y")
    text = (
        "services:\n  web:\n    image: busybox\n    command: sleep 100000\n"
        "    networks: [outside]\n    secrets: [ext, named]\n    configs: [extc]\n"
        f"networks:\n  outside:\n    external: true\n    name: {outside}\n"
        f"secrets:\n  ext:\n    external: true\n    name: {outside}\n"
        "  named:\n    file: ./s1.txt\n    name: NAMED\n"
        f"configs:\n  extc:\n    external:\n      name: {outside}\n"
    )
    theirs, mine = harness.unique_name("exa"), harness.unique_name("exb")
    try:
        results = {}
        for stack in (theirs, mine):
            (project / f"{stack}.yml").write_text(text.replace("NAMED", f"{stack}_custom"))
            args = ("stack", "deploy", "-d=false", "-q", "-c", f"{stack}.yml", stack)
            if stack == theirs:
                results[stack] = harness.run_docker(manager, *args, cwd=project, timeout=120)
            else:
                results[stack] = harness.run_dshell(manager, "-c", " ".join(args),
                                                    cwd=project, timeout=120)  # fmt: skip
        assert results[mine].status == results[theirs].status == 0, results[mine].err
        assert results[mine].out.replace(mine, "S") == results[theirs].out.replace(theirs, "S")
        assert _no_stamps(results[mine].err) == _no_stamps(results[theirs].err)
        specs = [_specs(manager, s, "service", ["web"], "{{json .Spec}}")[0] for s in results]
        assert specs[1] == specs[0]
        running = harness.run_docker_ok(manager, "service", "ls", "--filter", f"name={mine}_web",
                                        "--format", "{{.Replicas}}").out  # fmt: skip
        assert running == "1/1\n"
    finally:
        removed = harness.run_dshell(manager, "-c", f"stack rm {theirs} {mine}")
        harness.run_docker(manager, "network", "rm", outside)
        harness.run_docker(manager, "secret", "rm", outside)
        harness.run_docker(manager, "config", "rm", outside)
    assert f"Removing secret {mine}_custom" in removed.out
    assert outside not in removed.out


@pytest.mark.parametrize("order", [("x1", "x2"), ("x2", "x1"), ("x0", "x2")])
def test_extension_fields_as_docker(manager, project, order):
    """x- keys: YAML anchors through them, kept on services, dropped from non-external
    networks, and only the first file's top-level ones printed."""
    files = {
        "x1": 'version: "3.9"\nx-common: &c\n  image: busybox\nservices:\n  web:\n    <<: *c\n'
        "    x-note: hi\n    command: [a]\nnetworks:\n  n:\n    x-foo: 1\n",
        "x2": 'version: "3.9"\nx-other: 2\nx-common: {image: z}\n',
        "x0": 'version: "3.9"\nservices: {}\n',
    }
    for name, text in files.items():
        (project / f"{name}.yml").write_text(text)
    args = ["stack", "config", *(arg for name in order for arg in ("-c", f"{name}.yml"))]
    oracle = harness.run_docker(manager, *args, cwd=project)
    ours = harness.run_dshell(manager, "-c", " ".join(args), cwd=project)
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    assert oracle.status == 0


TYPE_BODIES = [
    "    deploy:\n      replicas: abc",
    "    deploy:\n      replicas: ${NX_H15}",
    "    deploy:\n      replicas: ${N3_H15}",
    "    ports: 80",
    "    environment: 5",
    "    command: 5",
    "    labels: [1, 2]",
    "    deploy:\n      mode: 3",
    "    pid: 3",
    "    shm_size: true",
    "    ports: [[1]]",
    "    tty: 'yes'",
    "    tty: ${YES_H15}",
    "    deploy:\n      resources:\n        limits:\n          cpus: 0.5",
    "    deploy:\n      resources:\n        limits:\n          foo: 1",
    "    deploy:\n      update_config:\n        parallelism: x",
    "    healthcheck:\n      interval: abc",
    "    healthcheck:\n      bogus: 5",
    "    stop_grace_period: 1x",
    "    deploy:\n      resources:\n        reservations:\n          memory: 12qq",
    "    deploy:\n      placement:\n        preferences: [{spread: 1}]",
    "    ulimits:\n      nofile: {soft: 1, hard: 2, x: 3}",
    "    ulimits:\n      nofile: x",
    "    networks: {front: 3}",
    "    networks: [1]",
    "    secrets:\n      - source: s\n        mode: x",
    "    volumes: [{type: volume, bogus: 1}]",
    "    deploy: [1]",
    "    dns: 5",
    "    deploy:\n      update_config:\n        order: x",
    "    deploy:\n      update_config: {}\n      mode: ''",
    "    deploy:\n      placement:\n        max_replicas_per_node: 0\n      replicas: 0",
    "    ulimits:\n      nofile: {soft: 1}",
    "    volumes: [{source: a}]",
    "    ports: [1.5]",
    "    logging: {driver: true}",
    "  db:",
    "    volumes: ['']",
    "    ports: ['abc']",
    "    logging: {driver: '', options: {a: 1}}",
    "    labels: {a: null, b: 2}",
    "secrets:\n  d: {driver: x, file: ./a}",
    "secrets:",
    "configs:\n  c: {}",
    "    configs: [{source: c, a: '1'}]\n    secrets: ['']\nconfigs:\n  c: {file: ./c1.txt}",
]


@pytest.mark.parametrize("index", range(len(TYPE_BODIES)))
def test_value_types_as_docker_checks_them(manager, project, index):
    """The schema's type errors (the deepest field wins) and interpolateTypeCastMapping's
    casts, which only touch values that had a substitution."""
    (project / f"type{index}.yml").write_text(
        f"services:\n  web:\n    image: busybox\n{TYPE_BODIES[index]}\n"
        "networks:\n  front: {driver_opts: {encrypted: 1}}\n  back: {labels: []}\n"
        "secrets:\n  s: {file: ./s1.txt}\n"
    )
    env = {"NX_H15": "abc", "N3_H15": "3", "YES_H15": "yes"}
    args = ("stack", "config", "-c", f"type{index}.yml")
    oracle = harness.run_docker(manager, *args, cwd=project, env=env)
    ours = harness.run_dshell(manager, "-c", " ".join(args), cwd=project, env=env)
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)


@pytest.mark.parametrize(
    "text",
    [
        "services:\n  web:\n    image: busybox\n    image: x\nservices: 3\n",
        "services:\n  web:\n    image: busybox\n    image: x\n    labels: {a: 1, a: 2}\n"
        "  db:\n    image: b\n    image: c\n",
    ],
)
def test_repeated_keys_refused_as_go_yaml_does(manager, project, text):
    (project / "dup.yml").write_text(text)
    oracle = harness.run_docker(manager, "stack", "config", "-c", "dup.yml", cwd=project)
    ours = harness.run_dshell(manager, "-c", "stack config -c dup.yml", cwd=project)
    assert (ours.status, ours.out, ours.err) == (oracle.status, oracle.out, oracle.err)
    assert oracle.status == 1
