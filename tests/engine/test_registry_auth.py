"""login/logout against a loopback registry that requires htpasswd auth; X-Registry-Auth on
push and pull; credentials in config.json and through a fake credential helper."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from tests import harness
from tests.registry_auth import install_fake_helper

UNENCRYPTED = (
    "\nWARNING! Your credentials are stored unencrypted in '{path}'.\n"
    "Configure a credential helper to remove this warning. See\n"
    "https://docs.docker.com/go/credential-store/\n\n"
)


@pytest.fixture
def configs(tmp_path):
    """Separate config directories for docker and dshell, so each writes its own."""
    pair = {"docker": tmp_path / "docker-config", "dshell": tmp_path / "dshell-config"}
    for folder in pair.values():
        folder.mkdir()
    return pair


def run_both(engine, configs, line, input=None, extra_env=None):
    """`docker LINE` and `dshell -c LINE`, each with its own config directory."""
    def config_of(tool):
        return {"DOCKER_CONFIG": str(configs[tool]), **(extra_env or {})}
    docker = harness.run_docker(engine, *shlex.split(line), input=input, env=config_of("docker"))
    dshell = harness.run_dshell(engine, "-c", line, input=input, env=config_of("dshell"))
    return docker, dshell


def same(docker, dshell, configs=None):
    assert (dshell.out, dshell.status) == (docker.out, docker.status), dshell.err
    if configs is None:
        assert dshell.err == docker.err
    else:
        assert dshell.err == docker.err.replace(str(configs["docker"]), str(configs["dshell"]))


def config_json(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


def test_login_writes_config_json_like_docker(engine, auth_registry, configs):
    address, user, password = auth_registry.address, auth_registry.username, auth_registry.password
    docker, dshell = run_both(engine, configs, f"login -u {user} --password-stdin {address}",
                              input=password + "\n")
    same(docker, dshell, configs)
    assert dshell.out == "Login Succeeded\n"
    assert dshell.err == UNENCRYPTED.format(path=configs["dshell"] / "config.json")
    assert config_json(configs["dshell"]) == config_json(configs["docker"])
    assert (configs["dshell"] / "config.json").read_text() == \
        (configs["docker"] / "config.json").read_text()
    assert oct(os.stat(configs["dshell"] / "config.json").st_mode & 0o777) == "0o600"
    # logged in already: docker reuses the stored credentials
    docker, dshell = run_both(engine, configs, f"login {address}")
    same(docker, dshell)
    assert "Authenticating with existing credentials" in dshell.err
    docker, dshell = run_both(engine, configs, f"logout {address}")
    same(docker, dshell)
    assert config_json(configs["dshell"]) == config_json(configs["docker"]) == {"auths": {}}
    for result in (docker, dshell):
        assert password not in result.out + result.err


@pytest.mark.parametrize("line", [
    "login -u {user} -p wrong {address}",
    "login -u {user} -p {password} {address}",
    "login {address}",
    "login -u {user} {address}",
    "login --password-stdin {address}",
    "login -p x --password-stdin -u {user} {address}",
    "login -u {user} -p {password} http://{address}/v2/",
    "login -u {user} -p {password} 127.0.0.1:1",
    "logout 127.0.0.1:9",
    "logout",
])  # fmt: skip
def test_login_messages_match_docker(engine, auth_registry, configs, line):
    text = line.format(user=auth_registry.username, password=auth_registry.password,
                       address=auth_registry.address)  # fmt: skip
    docker, dshell = run_both(engine, configs, text, input="")
    same(docker, dshell, configs)
    if (configs["docker"] / "config.json").exists():
        assert config_json(configs["dshell"]) == config_json(configs["docker"])


def test_push_and_pull_send_the_stored_credentials(engine, auth_registry, configs):
    ref = f"{auth_registry.address}/dshell/{harness.unique_name('auth')}:v1"
    env = {"DOCKER_CONFIG": str(configs["dshell"])}
    assert harness.run_docker(engine, "tag", "busybox", ref).status == 0
    refused = harness.run_dshell(engine, "-c", f"push {ref}", env=env)
    assert refused.status == 1 and refused.err == "no basic auth credentials\n"
    login = harness.run_dshell(
        engine, "-c", f"login -u {auth_registry.username} --password-stdin {auth_registry.address}",
        input=auth_registry.password, env=env)  # fmt: skip
    assert login.status == 0, login.err
    pushed = harness.run_dshell(engine, "-c", f"push {ref}", env=env)
    assert pushed.status == 0, pushed.err
    assert pushed.out.splitlines()[-1].startswith("v1: digest: sha256:")
    assert harness.run_docker(engine, "rmi", ref).status == 0
    pulled = harness.run_dshell(engine, "-c", f"pull {ref}", env=env)
    assert pulled.status == 0, pulled.err
    assert pulled.out.splitlines()[-1] == ref
    harness.run_docker(engine, "rmi", ref)


def test_credential_helper_round_trip(engine, auth_registry, configs, tmp_path):
    """credsStore names a helper: login stores through it, push gets from it, logout erases."""
    helpers = tmp_path / "helpers"
    store = install_fake_helper(helpers, "dshelltest")
    env = {"PATH": f"{helpers}{os.pathsep}{os.environ['PATH']}"}
    for folder in configs.values():
        (folder / "config.json").write_text('{"credsStore": "dshelltest"}')
    address = auth_registry.address
    docker, dshell = run_both(
        engine, configs, f"login -u {auth_registry.username} --password-stdin {address}",
        input=auth_registry.password, extra_env=env)  # fmt: skip
    same(docker, dshell)
    assert dshell.err == ""  # no "stored unencrypted" warning with a helper
    assert config_json(configs["dshell"]) == {"credsStore": "dshelltest", "auths": {address: {}}}
    assert auth_registry.password not in (configs["dshell"] / "config.json").read_text()
    secrets = json.loads(store.read_text())
    assert secrets[address] == {"ServerURL": address, "Username": auth_registry.username,
                                "Secret": auth_registry.password}  # fmt: skip
    ref = f"{address}/dshell/{harness.unique_name('helper')}:v1"
    assert harness.run_docker(engine, "tag", "busybox", ref).status == 0
    log = store.parent / (store.name + ".log")
    log.write_text("")
    pushed = harness.run_dshell(engine, "-c", f"push {ref}",
                                env={**env, "DOCKER_CONFIG": str(configs["dshell"])})
    assert pushed.status == 0, pushed.err
    assert log.read_text() == f"get {address}\n"
    log.write_text("")
    out = harness.run_dshell(engine, "-c", f"logout {address}",
                             env={**env, "DOCKER_CONFIG": str(configs["dshell"])})
    assert (out.status, out.out, out.err) == (0, f"Removing login credentials for {address}\n", "")
    assert log.read_text().splitlines() == [
        f"erase {address}", f"erase {address}", f"erase http://{address}",
        f"erase https://{address}"]  # fmt: skip
    assert address not in json.loads(store.read_text())
    assert config_json(configs["dshell"]) == {"credsStore": "dshelltest", "auths": {}}
    harness.run_docker(engine, "rmi", ref)


def test_interactive_login_prompts_and_keeps_the_password_out_of_history(
        engine, auth_registry, tmp_path):
    """At the prompt: `login` asks for both values (the password without echo); a `-p` line
    is stored in the history with the password masked."""
    import io

    import pexpect

    from tests.pty_session import PROMPT, session_env, spawn_dshell, terminated_after

    env = session_env(engine, tmp_path, DOCKER_CONFIG=str(tmp_path / "config"))
    transcript = io.StringIO()
    with terminated_after(spawn_dshell(env, timeout=30)) as child:
        child.logfile_read = transcript
        child.expect(PROMPT)
        child.sendline(f"login {auth_registry.address}")
        child.expect_exact("Username: ")
        child.sendline(auth_registry.username)
        child.expect_exact("Password: ")
        child.sendline(auth_registry.password)
        child.expect_exact("Login Succeeded")
        child.expect(PROMPT)
        screen = transcript.getvalue()
        child.sendline(f"login -u {auth_registry.username} -p {auth_registry.password} "
                       f"{auth_registry.address}")  # fmt: skip
        child.expect_exact("Login Succeeded")
        child.expect(PROMPT)
        child.sendline("exit")
        child.expect(pexpect.EOF)
    assert "Password: " in screen and auth_registry.password not in screen
    history = (tmp_path / "state" / "dshell" / "history").read_text()
    assert f"login -u {auth_registry.username} -p " in history
    assert auth_registry.password not in history
