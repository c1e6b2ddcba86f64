"""``context …`` in docker's own store: what one CLI writes, the other reads."""

from __future__ import annotations

import json
import os
import shlex

import pytest

from tests import harness


@pytest.fixture
def store(engine, tmp_path, monkeypatch):
    """An empty DOCKER_CONFIG with no DOCKER_HOST, so contexts decide the endpoint; both
    CLIs run in a scratch directory (``context export`` writes NAME.dockercontext there)."""
    config = tmp_path / "config"
    config.mkdir()
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    env = {**engine.env, "DOCKER_CONFIG": str(config)}
    env.pop("DOCKER_HOST")
    return env


def docker(env, *args, input=None):
    return harness.run_docker(env, *args, input=input, cwd=".")


def dshell(env, line, input=None):
    return harness.run_dshell(env, "-c", line, input=input, cwd=".")


def same(env, *args):
    """Each CLI in its own directory: docker leaves an empty NAME.dockercontext behind when
    an export fails, which would change what the second one sees."""
    for name in ("docker-cwd", "dshell-cwd"):
        os.makedirs(name, exist_ok=True)
    pair = harness.Differential(
        docker=harness.run_docker(env, *args, cwd="docker-cwd"),
        dshell=harness.run_dshell(env, "-c", shlex.join(args), cwd="dshell-cwd"))
    return harness.assert_alike(pair, stderr=True).dshell


def test_contexts_made_by_docker_list_the_same(engine, store, tmp_path):
    assert docker(store, "context", "create", "c10", "--description", "ten",
                  "--docker", f"host={engine.host}").status == 0
    assert docker(store, "context", "create", "c9", "--docker",
                  "host=tcp://127.0.0.1:9,skip-tls-verify=true").status == 0
    for args in (["context", "ls"], ["context", "ls", "-q"], ["context", "ls", "--format", "json"],
                 ["context", "list", "--format", "{{.Name}} {{.Current}} {{.DockerEndpoint}}"],
                 ["context", "show"], ["context", "inspect", "c10", "c9"],
                 ["context", "inspect"], ["context", "inspect", "default", "nope"],
                 ["context", "inspect", "--format", "{{.Endpoints.docker.Host}}", "c9"]):
        same(store, *args)
    assert docker(store, "context", "use", "c10").status == 0
    for args in (["context", "ls"], ["context", "show"], ["ps"]):
        same(store, *args)
    same({**store, "DOCKER_HOST": engine.host}, "context", "ls")


def test_contexts_made_by_dshell_work_in_docker(engine, store, tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    for name in ("ca", "cert", "key"):
        (certs / f"{name}.pem").write_text(f"-----{name}-----\n")
    result = dshell(store, f"context create mine --description 'my engine' --docker "
                           f"host={engine.host}\n"
                           f"context create tls1 --docker host=tcp://127.0.0.1:1,ca={certs}/ca.pem,"
                           f"cert={certs}/cert.pem,key={certs}/key.pem")
    assert result.out == "mine\ntls1\n"
    assert result.err.splitlines() == ['Successfully created context "mine"',
                                       'Successfully created context "tls1"']
    listed = docker(store, "context", "ls", "--format", "{{.Name}}|{{.Description}}|"
                                                         "{{.DockerEndpoint}}|{{.Error}}")
    assert listed.out.splitlines() == [
        "default|Current DOCKER_HOST based configuration|unix:///var/run/docker.sock|",
        f"mine|my engine|{engine.host}|",
        "tls1||tcp://127.0.0.1:1|",
    ]
    inspected = json.loads(docker(store, "context", "inspect", "tls1").out)[0]
    assert inspected["TLSMaterial"] == {"docker": ["ca.pem", "cert.pem", "key.pem"]}
    assert docker(store, "--context", "mine", "ps", "-q").status == 0
    same(store, "context", "inspect", "mine", "tls1")
    result = dshell(store, "context use mine")
    assert (result.out, result.err) == ("mine\n", 'Current context is now "mine"\n')
    assert docker(store, "context", "show").out == "mine\n"
    config = json.loads((tmp_path / "config" / "config.json").read_text())
    assert config["currentContext"] == "mine"
    result = dshell(store, "context update mine --description changed")
    assert result.status == 0
    assert json.loads(docker(store, "context", "inspect", "mine").out)[0]["Metadata"] == {
        "Description": "changed"}
    same(store, "context", "rm", "mine")
    result = dshell(store, "context rm -f mine\ncontext show")
    assert result.out == "mine\ndefault\n"
    assert docker(store, "context", "show").out == "default\n"


def test_export_and_import_across_the_two_clis(engine, store, tmp_path):
    assert docker(store, "context", "create", "exp", "--description", "d",
                  "--docker", f"host={engine.host}").status == 0
    by_docker, by_dshell = tmp_path / "docker.tar", tmp_path / "dshell.tar"
    assert docker(store, "context", "export", "exp", str(by_docker)).status == 0
    result = dshell(store, f"context export exp {by_dshell}")
    assert (result.err, result.status) == (f'Written file "{by_dshell}"\n', 0)
    result = dshell(store, f"context import from-docker {by_docker}")
    assert (result.out, result.err) == ("from-docker\n",
                                        'Successfully imported context "from-docker"\n')
    assert docker(store, "context", "import", "from-dshell", str(by_dshell)).status == 0
    hosts = docker(store, "context", "ls", "--format", "{{.Name}} {{.DockerEndpoint}}").out
    assert f"from-docker {engine.host}" in hosts and f"from-dshell {engine.host}" in hosts
    assert docker(store, "--context", "from-dshell", "ps", "-q").status == 0


@pytest.mark.parametrize("line", [
    "context create default",
    "context create 'bad name'",
    "context create dup",
    "context create x1 --from nope",
    "context create x2 --docker host=tcp://x:1,ca=/nonexistent/ca.pem",
    "context create x3 --docker host=tcp://x:1,skip-tls-verify=maybe",
    "context create x4 --docker host=tcp://x:1,foo=bar",
    "context use nope",
    "context update nope --description x",
    "context export nope",
    "context export nope -",
    "context export dup /nonexistent-dir/x.tar",
    "context import dup /nonexistent.tar",
    "context import new /nonexistent.tar",
    "context rm default nope",
    "context rm -f nope",
])  # fmt: skip
def test_refusals_match_docker(engine, store, line):
    assert docker(store, "context", "create", "dup", "--docker", "host=tcp://x:1").status == 0
    same(store, *shlex.split(line))


def test_unknown_context_fails_to_initialise_like_docker(engine, store):
    oracle = docker(store, "--context", "nope", "ps")
    ours = harness.run_dshell(store, "--context", "nope", "-c", "ps")
    assert (ours.err, ours.status) == (oracle.err, oracle.status)


@pytest.mark.parametrize(
    "args",
    [["context", "ls"], ["context", "show"], ["version", "--format", "x"], ["ps"],
     ["context", "use", "default"]],
)  # fmt: skip
def test_a_missing_current_context_still_lets_context_commands_run(engine, store, args):
    """docker resolves the endpoint lazily: with DOCKER_CONTEXT naming no context, `context
    ls` shows it with an ERROR column and `context use` repairs it; Engine commands fail."""
    same({**store, "DOCKER_CONTEXT": "nope"}, *args)
