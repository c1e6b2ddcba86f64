"""A daemon on tcp://127.0.0.1 with --tlsverify: flags, env vars and context TLS material,
and refusals in docker's words (never a silent fall back to plain HTTP)."""

from __future__ import annotations

import re

import pytest

from tests import harness

API_PATH = re.compile(r"/v1\.\d+/")


def run_both(daemon, args, env=None):
    """docker ARGS and dshell with the same global flags, `-c` for the command part."""
    split = args.index("--") if "--" in args else len(args)
    global_flags, command = args[:split], args[split + 1:]
    pair = harness.differential(daemon, *command, env=env, global_flags=global_flags)
    return pair.docker, pair.dshell


def flags(daemon, ca="ca.pem", cert="cert.pem", key="key.pem", verify="--tlsverify"):
    out = ["-H", daemon.host, verify]
    for flag, name in (("--tlscacert", ca), ("--tlscert", cert), ("--tlskey", key)):
        if name:
            out += [flag, str(daemon.certs / name)]
    return out


def assert_same_with_any_api_version(oracle, ours):
    """docker names its own newest API version in URLs; dshell names its own."""
    harness.assert_alike(harness.Differential(docker=oracle, dshell=ours),
                         stderr=lambda err: API_PATH.sub("/v1.X/", err))


def test_verified_connection_works(tls_daemon):
    oracle, ours = run_both(tls_daemon, [*flags(tls_daemon), "--", "ps", "-a"])
    assert oracle.status == 0, oracle.err
    assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
    oracle, ours = run_both(tls_daemon, [*flags(tls_daemon), "--", "version", "--format",
                                         "{{.Server.Version}}"])
    assert (ours.out, ours.status) == (oracle.out, 0)


def test_server_certificate_from_an_unknown_ca_is_refused(tls_daemon):
    oracle, ours = run_both(tls_daemon, [*flags(tls_daemon, ca="other-ca.pem"), "--", "ps"])
    assert "x509: certificate signed by unknown authority" in ours.err
    assert_same_with_any_api_version(oracle, ours)
    assert ours.out == "" and ours.status == 1


@pytest.mark.parametrize("cert,key", [(None, None), ("other-cert.pem", "other-key.pem")])
def test_missing_or_foreign_client_certificate(tls_daemon, cert, key):
    oracle, ours = run_both(tls_daemon, [*flags(tls_daemon, cert=cert, key=key), "--",
                                         "ps", "--filter", "status=running"])
    assert ours.err.startswith("the server probably has client authentication (--tlsverify)")
    assert_same_with_any_api_version(oracle, ours)


def test_tls_without_verify_accepts_any_server_certificate(tls_daemon):
    args = [*flags(tls_daemon, ca="other-ca.pem", verify="--tls"), "--", "ps"]
    oracle, ours = run_both(tls_daemon, args)
    assert oracle.status == 0, oracle.err
    assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)


def test_tls_without_any_ca_file_fails_to_initialise(tls_daemon):
    oracle, ours = run_both(tls_daemon, ["-H", tls_daemon.host, "--tls", "--", "ps"])
    assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
    assert "ca.pem: no such file or directory" in ours.err


def test_no_silent_fallback_to_plain_http(tls_daemon):
    oracle, ours = run_both(tls_daemon, ["-H", tls_daemon.host, "--", "ps"])
    assert ours.err == "Error response from daemon: Client sent an HTTP request to an HTTPS " \
                       "server.\n"
    assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)


def test_environment_variables(tls_daemon):
    env = {"DOCKER_HOST": tls_daemon.host, "DOCKER_TLS_VERIFY": "1",
           "DOCKER_CERT_PATH": str(tls_daemon.certs)}
    oracle, ours = run_both(tls_daemon, ["--", "ps", "-a"], env)
    assert oracle.status == 0, oracle.err
    assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
    bad = tls_daemon.root / "bad-certs"
    bad.mkdir(exist_ok=True)
    for target, source in (("ca.pem", "other-ca.pem"), ("cert.pem", "cert.pem"),
                           ("key.pem", "key.pem")):
        (bad / target).write_bytes((tls_daemon.certs / source).read_bytes())
    oracle, ours = run_both(tls_daemon, ["--", "ps"], {**env, "DOCKER_CERT_PATH": str(bad)})
    assert "unknown authority" in ours.err
    assert_same_with_any_api_version(oracle, ours)


def test_context_tls_material(tls_daemon, tmp_path):
    env = {"DOCKER_CONFIG": str(tmp_path)}
    certs = tls_daemon.certs
    good = (f"host={tls_daemon.host},ca={certs / 'ca.pem'},cert={certs / 'cert.pem'},"
            f"key={certs / 'key.pem'}")
    foreign = (f"host={tls_daemon.host},ca={certs / 'other-ca.pem'},cert={certs / 'cert.pem'},"
               f"key={certs / 'key.pem'}")
    made = harness.run_dshell(
        tls_daemon, "-c",
        f"context create good --docker {good}\ncontext create foreign --docker {foreign}\n"
        f"context create lax --docker {foreign},skip-tls-verify=true", env=env)
    assert made.status == 0, made.err
    for name in ("good", "lax"):
        oracle, ours = run_both(tls_daemon, ["--context", name, "--", "ps", "-a"], env)
        assert oracle.status == 0, oracle.err
        assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
    oracle, ours = run_both(tls_daemon, ["--context", "foreign", "--", "ps"], env)
    assert "unknown authority" in ours.err
    assert_same_with_any_api_version(oracle, ours)
