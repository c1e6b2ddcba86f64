"""Endpoint resolution follows the docker CLI's precedence and host parsing."""

import json
from pathlib import Path

import pytest

from dshell.engine.config import ConfigFile, context_id
from dshell.engine.endpoint import ConnectionOptions, parse_host, resolve_endpoint
from dshell.engine.errors import EndpointError


@pytest.mark.parametrize(
    "value, tls, expected",
    [
        ("", False, ("unix:///var/run/docker.sock", "unix", "/var/run/docker.sock")),
        ("unix:///tmp/d.sock", False, ("unix:///tmp/d.sock", "unix", "/tmp/d.sock")),
        ("unix://", False, ("unix:///var/run/docker.sock", "unix", "/var/run/docker.sock")),
        ("tcp://127.0.0.1", False, ("tcp://127.0.0.1:2375", "tcp", "127.0.0.1:2375")),
        ("tcp://127.0.0.1", True, ("tcp://127.0.0.1:2376", "tcp", "127.0.0.1:2376")),
        ("tcp://:4000", False, ("tcp://localhost:4000", "tcp", "localhost:4000")),
        ("127.0.0.1:5000", False, ("tcp://127.0.0.1:5000", "tcp", "127.0.0.1:5000")),
        ("tcp://[::1]:2375", False, ("tcp://[::1]:2375", "tcp", "[::1]:2375")),
        ("ssh://me@host", False, ("ssh://me@host", "ssh", "me@host")),
    ],
)
def test_parse_host(value, tls, expected):
    assert parse_host(value, tls) == expected


@pytest.mark.parametrize("value", ["bogus://x", "tcp://host:port", "ssh://"])
def test_bad_hosts_are_docker_errors(value):
    with pytest.raises(EndpointError) as caught:
        parse_host(value)
    assert str(caught.value) == (
        f"Failed to initialize: unable to resolve docker endpoint: invalid bind address format: "
        f"{value}"
    )


def make_context(directory: Path, name: str, host: str, tls_files=(), skip=False) -> None:
    meta = directory / "contexts" / "meta" / context_id(name)
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({
        "Name": name, "Metadata": {"Description": "d"},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip}},
    }))  # fmt: skip
    if tls_files:
        tls = directory / "contexts" / "tls" / context_id(name) / "docker"
        tls.mkdir(parents=True)
        for file_name in tls_files:
            (tls / file_name).write_text("x")


def resolve(tmp_path, env=None, config=None, **options):
    cfg = ConfigFile(tmp_path / "config.json", config or {})
    return resolve_endpoint(ConnectionOptions(**options), tmp_path, cfg, env or {})


def test_default_is_the_unix_socket(tmp_path):
    endpoint = resolve(tmp_path)
    assert (endpoint.host, endpoint.context, endpoint.tls) == (
        "unix:///var/run/docker.sock", "default", None)  # fmt: skip


def test_precedence_flag_host_over_env_over_context(tmp_path):
    make_context(tmp_path, "ctx-env", "unix:///ctx-env.sock")
    make_context(tmp_path, "ctx-cfg", "unix:///ctx-cfg.sock")
    env = {"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "ctx-env"}
    config = {"currentContext": "ctx-cfg"}
    assert resolve(tmp_path, env, config, hosts=["unix:///flag.sock"]).host == "unix:///flag.sock"
    assert resolve(tmp_path, env, config).host == "unix:///env.sock"
    del env["DOCKER_HOST"]
    assert resolve(tmp_path, env, config).host == "unix:///ctx-env.sock"
    assert resolve(tmp_path, {}, config).host == "unix:///ctx-cfg.sock"
    assert resolve(tmp_path, {}, config, context="ctx-env").context == "ctx-env"
    assert resolve(tmp_path, env, config, context="default").host == "unix:///var/run/docker.sock"


def test_context_and_host_together_conflict(tmp_path):
    with pytest.raises(EndpointError) as caught:
        resolve(tmp_path, hosts=["unix:///x"], context="a")
    assert str(caught.value) == "conflicting options: cannot specify both --host and --context"


def test_missing_context_says_where_it_looked(tmp_path):
    with pytest.raises(EndpointError) as caught:
        resolve(tmp_path, context="foo")
    meta = tmp_path / "contexts" / "meta" / context_id("foo") / "meta.json"
    assert str(caught.value) == (
        'Failed to initialize: unable to resolve docker endpoint: context "foo": '
        f"context not found: open {meta}: no such file or directory"
    )


def test_context_tls_material(tmp_path):
    make_context(tmp_path, "remote", "tcp://127.0.0.1:2376", ("ca.pem", "cert.pem", "key.pem"))
    endpoint = resolve(tmp_path, context="remote")
    assert endpoint.scheme == "https" and endpoint.tls.verify
    assert endpoint.tls.ca_file.endswith("ca.pem") and endpoint.tls.key_file.endswith("key.pem")


def test_tlsverify_needs_a_ca(tmp_path):
    with pytest.raises(EndpointError) as caught:
        resolve(tmp_path, hosts=["tcp://127.0.0.1:1"], tlsverify=True)
    assert str(caught.value).endswith(f"open {tmp_path / 'ca.pem'}: no such file or directory")


def test_tls_from_env_and_cert_path(tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("x")
    env = {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path),
           "DOCKER_HOST": "tcp://127.0.0.1"}  # fmt: skip
    endpoint = resolve(tmp_path / "elsewhere", env)
    assert endpoint.host == "tcp://127.0.0.1:2376"
    assert endpoint.tls.verify and endpoint.tls.ca_file == str(tmp_path / "ca.pem")


def test_tls_without_verify_still_needs_a_ca_file_as_docker_28(tmp_path):
    """docker 28: `--tls` without ca.pem fails to initialise; with one it does not verify."""
    with pytest.raises(EndpointError, match="ca.pem: no such file or directory"):
        resolve(tmp_path, hosts=["tcp://127.0.0.1:9"], tls=True)
    (tmp_path / "ca.pem").write_text("ca")
    endpoint = resolve(tmp_path, hosts=["tcp://127.0.0.1:9"], tls=True)
    assert endpoint.tls is not None and not endpoint.tls.verify
    assert endpoint.tls.ca_file == str(tmp_path / "ca.pem")
