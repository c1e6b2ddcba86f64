"""``trust …`` against a notary server on loopback, differential with docker.

docker and dshell share one DOCKER_CONFIG here, so each reads the trust data (the metadata
cache, the private keys) the other wrote: docker signs with keys dshell generated, dshell
reads the repositories docker signed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import harness, notary_server
from tests.harness import assert_same, run_docker, run_docker_ok, run_dshell

ROOT_PASSPHRASE = "root-passphrase-1"
REPOSITORY_PASSPHRASE = "repo-passphrase-1"


@pytest.fixture(scope="module")
def notary() -> Iterator[notary_server.NotaryServer]:
    try:
        server = notary_server.start_notary_server()
    except harness.HarnessError as problem:
        pytest.fail(f"notary server: {problem}", pytrace=False)
    try:
        yield server
    finally:
        notary_server.stop_notary_server(server)


@pytest.fixture(scope="module")
def trust_env(engine, notary, tmp_path_factory) -> dict[str, str]:
    """The engine's environment with its own DOCKER_CONFIG aimed at the notary server, and
    the passphrases docker's retriever reads from the environment."""
    config = tmp_path_factory.mktemp("trust-config")
    env = dict(engine.env, DOCKER_CONFIG=str(config))
    env.update(notary.trust_env(config))
    env.update(DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE=ROOT_PASSPHRASE,
               DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE=REPOSITORY_PASSPHRASE)  # fmt: skip
    return env


@pytest.fixture(scope="module")
def signed_repo(trust_env, registry) -> str:
    """A repository docker signed by pushing with DOCKER_CONTENT_TRUST=1 (tags v1 and v10,
    to see the natural order)."""
    repo = f"{registry.address}/{harness.unique_name('trusted')}"
    for tag in ("v10", "v1"):
        run_docker_ok(trust_env, "tag", "busybox", f"{repo}:{tag}")
        run_docker_ok(trust_env, "push", f"{repo}:{tag}", env={"DOCKER_CONTENT_TRUST": "1"})
    return repo


def test_inspect_prints_dockers_json(trust_env, signed_repo):
    for args in ([f"{signed_repo}:v1"], [signed_repo], [f"{signed_repo}:nosuchtag"],
                 [f"{signed_repo}:v10", f"{signed_repo}:v1"]):  # fmt: skip
        pair = assert_same(trust_env, "trust", "inspect", *args, stderr=True)
        assert pair.dshell.status == 0
    shown = json.loads(pair.dshell.out)
    assert [row["SignedTag"] for row in shown[1]["SignedTags"]] == ["v1"]
    assert shown[1]["SignedTags"][0]["Signers"] == ["Repo Admin"]


def test_inspect_pretty_prints_dockers_tables(trust_env, signed_repo):
    pair = assert_same(trust_env, "trust", "inspect", "--pretty", signed_repo, stderr=True)
    assert "v1 " in pair.dshell.out and pair.dshell.out.index("v1 ") < pair.dshell.out.index("v10 ")
    assert_same(trust_env, "trust", "inspect", "--pretty", f"{signed_repo}:nosuchtag",
                f"{signed_repo}:v1", stderr=True)  # fmt: skip


def test_inspect_failures_are_dockers(trust_env, registry, signed_repo):
    unsigned = f"{registry.address}/{harness.unique_name('unsigned')}"
    for args in ([unsigned], [f"{signed_repo}:v1", unsigned], ["INVALID"],
                 ["--pretty", unsigned], ["--pretty", "INVALID", signed_repo]):  # fmt: skip
        pair = assert_same(trust_env, "trust", "inspect", *args, stderr=True)
        assert pair.dshell.status == 1
    pair = assert_same(trust_env, "trust", "inspect", signed_repo, stderr=True,
                       env={"DOCKER_CONTENT_TRUST_SERVER": "http://127.0.0.1:1"})  # fmt: skip
    assert "valid https URL required for trust server" in pair.dshell.err


def _without_log_times(text: str) -> str:
    return re.sub(r'time="[^"]*"', 'time="T"', text)


def test_offline_inspect_reads_the_verified_cache_and_refuses_a_tampered_one(
        trust_env, signed_repo, notary, tmp_path):  # fmt: skip
    run_docker_ok(trust_env, "trust", "inspect", signed_repo)
    offline = {"DOCKER_CONTENT_TRUST_SERVER": "https://127.0.0.1:1"}
    pair = assert_same(trust_env, "trust", "inspect", signed_repo, env=offline,
                       stderr=_without_log_times)  # fmt: skip
    assert pair.dshell.status == 0 and "using cached timestamp" in pair.dshell.err
    # A cache whose targets no longer match their signature: both tools refuse it.
    config = Path(trust_env["DOCKER_CONFIG"])
    metadata = config / "trust" / "tuf" / signed_repo / "metadata"
    saved = tmp_path / "metadata"
    shutil.copytree(metadata, saved)
    try:
        targets = json.loads((metadata / "targets.json").read_text())
        first = next(iter(targets["signed"]["targets"].values()))
        first["length"] += 1
        (metadata / "targets.json").write_text(json.dumps(targets))
        pair = assert_same(trust_env, "trust", "inspect", signed_repo, env=offline,
                           stderr=_without_log_times)  # fmt: skip
        assert pair.dshell.status == 1
        assert "no signatures or cannot access" in pair.dshell.err
    finally:
        shutil.rmtree(metadata)
        shutil.copytree(saved, metadata)


def test_docker_signs_with_a_key_dshell_generated(trust_env, signed_repo, tmp_path):
    """dshell's key generate writes notary's encrypted PEM: docker adds it as a signer and
    signs with it (decrypting it with the passphrase); inspect shows the signer."""
    made = run_dshell(trust_env, "-c", f"trust key generate alice --dir {tmp_path}")
    assert made.status == 0, made.err
    assert made.out == (
        "Generating key for alice...\nSuccessfully generated and loaded private key. "
        f"Corresponding public key available: {tmp_path}/alice.pub\n"
    )
    assert (
        (tmp_path / "alice.pub")
        .read_text()
        .startswith("-----BEGIN PUBLIC KEY-----\nrole: alice\n\n")
    )
    assert oct((tmp_path / "alice.pub").stat().st_mode & 0o777) == "0o600"
    run_docker_ok(trust_env, "trust", "signer", "add", "--key", str(tmp_path / "alice.pub"),
                  "alice", signed_repo)  # fmt: skip
    run_docker_ok(trust_env, "tag", "busybox", f"{signed_repo}:v2")
    signed = run_docker(trust_env, "trust", "sign", f"{signed_repo}:v2")
    assert signed.status == 0, signed.err
    pair = assert_same(trust_env, "trust", "inspect", signed_repo, stderr=True)
    shown = json.loads(pair.dshell.out)[0]
    assert [s["Name"] for s in shown["Signers"]] == ["alice"]
    assert {"SignedTag": "v2", "Digest": shown["SignedTags"][1]["Digest"],
            "Signers": ["alice"]} in shown["SignedTags"]  # fmt: skip
    assert_same(trust_env, "trust", "inspect", "--pretty", signed_repo, stderr=True)


# -- key generate / key load: output and files, each tool in its own config ------------------


def _key_files(config: Path) -> list[str]:
    """Files and modes under the trust dir, and each key's headers (the key itself is
    encrypted with a random salt)."""
    found = []
    for path in sorted(config.rglob("*")):
        entry = f"{oct(path.stat().st_mode & 0o777)} {path.relative_to(config)}"
        if path.suffix == ".key":
            text = path.read_text()
            entry += " " + " ".join(line for line in text.splitlines() if ": " in line)
            entry += " " + text.splitlines()[0]
        found.append(entry)
    return found


def _each_in_own_config(env: dict[str, str], tmp_path: Path, line: str,
                        stdin: str | None = None, cwd: Path | None = None):  # fmt: skip
    """docker then dshell, each with a fresh DOCKER_CONFIG: (docker, dshell) results and
    the trust files each left."""
    results, files = [], []
    for name in ("docker", "dshell"):
        config = tmp_path / f"config-{name}"
        shutil.rmtree(config, ignore_errors=True)
        config.mkdir()
        here = None
        if cwd is not None:  # a copy of cwd each, so one tool's files never meet the other
            here = tmp_path / f"cwd-{name}"
            shutil.rmtree(here, ignore_errors=True)
            shutil.copytree(cwd, here)
        run = run_docker if name == "docker" else run_dshell
        args = line.split() if name == "docker" else ["-c", line]
        results.append(run(env, *args, input=stdin, env={"DOCKER_CONFIG": str(config)},
                           cwd=here))  # fmt: skip
        files.append(_key_files(config))
    return results, files


def _same(results, files, ids: bool = False) -> None:
    docker, dshell = results

    def plain(text: str) -> str:
        text = text.replace("/cwd-dshell/", "/cwd-docker/")
        return re.sub(r"with ID [0-9a-f]{7}", "with ID X", text) if ids else text

    assert (plain(dshell.out), plain(dshell.err), dshell.status) == \
        (plain(docker.out), plain(docker.err), docker.status)  # fmt: skip
    if ids:
        files = [[re.sub(r"[0-9a-f]{64}", "ID", f) for f in each] for each in files]
    assert files[1] == files[0]


@pytest.fixture
def key_env(engine) -> dict[str, str]:
    return {k: v for k, v in engine.env.items() if not k.startswith("DOCKER_CONTENT_TRUST")}


def test_key_generate_refusals_and_prompts_are_dockers(key_env, tmp_path):
    (tmp_path / "taken.pub").write_text("")
    for line in ("trust key generate Bad", f"trust key generate taken --dir {tmp_path}",
                 "trust key generate x --dir /no/such/dir", "trust key generate"):  # fmt: skip
        _same(*_each_in_own_config(key_env, tmp_path, line))
    # Passphrases from standard input: too short, then no more input.
    work = tmp_path / "work"
    for stdin in ("short\n", "", "abcdefgh1\nabcdefgh2\n"):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        _same(*_each_in_own_config(key_env, tmp_path, "trust key generate carol", stdin, work),
              ids=True)  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    pair, listed = _each_in_own_config(key_env, tmp_path, "trust key generate dave",
                                       "abcdefgh1\nabcdefgh1\n", work)  # fmt: skip
    _same(pair, listed, ids=True)
    assert pair[1].status == 0 and (tmp_path / "cwd-dshell" / "dave.pub").exists()
    assert "ENCRYPTED PRIVATE KEY" in listed[1][-1] and "role: dave" in listed[1][-1]


def test_key_load_is_dockers(key_env, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    plain = work / "plain.key"
    done = harness._run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                         "ec_paramgen_curve:P-256", "-out", str(plain)], key_env, None, 30,
                        None)  # fmt: skip
    assert done.status == 0, done.err
    plain.chmod(0o600)
    (work / "pub.pem").write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    (work / "pub.pem").chmod(0o600)
    # An encrypted key as notary writes it, made by docker with a known passphrase.
    env = dict(key_env, DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE="abcdefgh1")
    maker = tmp_path / "maker"
    maker.mkdir()
    run_docker_ok(env, "trust", "key", "load", str(plain), "--name", "made",
                  env={"DOCKER_CONFIG": str(maker)})  # fmt: skip
    (encrypted,) = (maker / "trust" / "private").glob("*.key")
    shutil.copyfile(encrypted, work / "enc.key")
    (work / "enc.key").chmod(0o600)
    cases = [
        ("trust key load plain.key", "abcdefgh1\nabcdefgh1\n"),
        ("trust key load plain.key --name dave", "abcdefgh1\nabcdefgh1\n"),
        ("trust key load plain.key", None),
        ("trust key load enc.key", "abcdefgh1\n"),
        ("trust key load enc.key", "wrong\nwrong\nwrong\n"),
        ("trust key load pub.pem", None),
        ("trust key load nonexist", None),
        ("trust key load plain.key --name BAD", None),
    ]
    for line, stdin in cases:
        _same(*_each_in_own_config(key_env, tmp_path, line, stdin, work))
    with_env = dict(key_env, DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE="abcdefgh2")
    for line in ("trust key load plain.key --name x", "trust key load enc.key"):
        _same(*_each_in_own_config(with_env, tmp_path, line, None, work))
    plain.chmod(0o644)
    _same(*_each_in_own_config(key_env, tmp_path, "trust key load plain.key", None, work))


def test_loaded_key_is_encrypted_with_the_passphrase_given(key_env, tmp_path):
    """What dshell writes, docker reads back with the same passphrase (and not another)."""
    config = tmp_path / "config"
    env = dict(key_env, DOCKER_CONFIG=str(config))
    made = run_dshell(env, "-c", f"trust key generate erin --dir {tmp_path}",
                      input="erin-pass-1\nerin-pass-1\n")  # fmt: skip
    assert made.status == 0, made.err
    (stored,) = (config / "trust" / "private").glob("*.key")
    copy = tmp_path / "copy.key"
    shutil.copyfile(stored, copy)
    os.chmod(copy, 0o600)
    wrong = run_docker(env, "trust", "key", "load", str(copy), input="not-it\n")
    assert wrong.status == 1 and "could not decrypt key" in wrong.err
    right = run_docker(env, "trust", "key", "load", str(copy), input="erin-pass-1\n")
    assert right.status == 0, right.err


# -- signing: docker on one repository, dshell on its twin, the same steps --------------------


def _twin_step(env: dict[str, str], line: str, ours: str, theirs: str,
               stdin: str | None = None) -> harness.Differential:  # fmt: skip
    """``line`` with REPO naming docker's repository for docker and dshell's twin for dshell;
    what each printed (the twin's name and log times made alike) must be the same."""
    docker = run_docker(env, *line.replace("REPO", theirs).split(), input=stdin)
    dshell = run_dshell(env, "-c", line.replace("REPO", ours), input=stdin)

    def plain(text: str) -> str:
        text = text.replace(ours, theirs).replace(ours.split("/", 1)[1], theirs.split("/", 1)[1])
        return _without_log_times(text)

    assert (plain(dshell.out), plain(dshell.err), dshell.status) == \
        (docker.out, _without_log_times(docker.err), docker.status), line  # fmt: skip
    return harness.Differential(docker=docker, dshell=dshell)


def _signatures(env: dict[str, str], repo: str) -> tuple:
    """What docker's inspect says of a repository, less the repository's own keys."""
    shown = json.loads(run_docker_ok(env, "trust", "inspect", repo).out)[0]
    return shown["SignedTags"], shown["Signers"]


def test_sign_signers_and_revoke_as_docker_does_them(trust_env, registry, tmp_path):
    theirs, ours = (f"{registry.address}/{harness.unique_name(n)}" for n in ("docker", "dsh"))
    for repo in (theirs, ours):
        run_docker_ok(trust_env, "tag", "busybox", f"{repo}:v1")
        run_docker_ok(trust_env, "push", f"{repo}:v1", env={"DOCKER_CONTENT_TRUST": "1"})
        run_docker_ok(trust_env, "tag", "busybox", f"{repo}:v2")
    made = run_dshell(trust_env, "-c", f"trust key generate gina --dir {tmp_path}")
    assert made.status == 0, made.err
    steps = [
        ("trust sign REPO:v1", None),
        (f"trust signer add --key {tmp_path}/gina.pub gina REPO", None),
        ("trust sign REPO:v1", None),
        ("trust sign REPO:v2", None),  # not signed yet: pushed, then signed
        ("trust revoke REPO:v2", None),
        ("trust revoke REPO:nosuch", None),
        ("trust signer remove gina REPO", None),
        ("trust signer remove nobody REPO", None),
        ("trust signer remove gina REPO", "y\n"),
        ("trust revoke REPO", "n\n"),
        ("trust revoke -y REPO", None),
        ("trust revoke -y REPO", None),
    ]
    for line, stdin in steps:
        _twin_step(trust_env, line, ours, theirs, stdin)
        assert _signatures(trust_env, ours) == _signatures(trust_env, theirs), line
        assert_same(trust_env, "trust", "inspect", ours, stderr=_without_log_times)


def test_signer_add_initialises_a_repository_docker_then_signs(trust_env, registry, tmp_path):
    """A repository dshell creates (root certificate, keys, first publish) is one docker
    reads and signs into with the signer's key; and the steps print what docker's do."""
    theirs, ours = (f"{registry.address}/{harness.unique_name(n)}" for n in ("docker", "dsh"))
    made = run_docker(trust_env, "trust", "key", "generate", "hana", "--dir", str(tmp_path))
    assert made.status == 0, made.err
    pair = _twin_step(trust_env, f"trust signer add --key {tmp_path}/hana.pub hana REPO", ours,
                      theirs)  # fmt: skip
    assert "Initializing signed repository for" in pair.dshell.out
    run_docker_ok(trust_env, "tag", "busybox", f"{ours}:v1")
    signed = run_docker(trust_env, "trust", "sign", f"{ours}:v1")
    assert signed.status == 0, signed.err
    pair = assert_same(trust_env, "trust", "inspect", "--pretty", ours, stderr=True)
    assert "hana" in pair.dshell.out and "v1 " in pair.dshell.out
    for line in ("trust signer add --key /no/such.pub x REPO", "trust signer add releases REPO",
                 "trust signer add Bad REPO", "trust signer add x REPO",
                 "trust sign REPO", "trust sign REPO@sha256:" + "0" * 64,
                 "trust revoke REPO@sha256:" + "0" * 64):  # fmt: skip
        _twin_step(trust_env, line, ours, theirs)


# -- DOCKER_CONTENT_TRUST on pull and push ---------------------------------------------------

_LAYER_LINE = re.compile(r"^[0-9a-f]{12}: (Mounted from \S+|Layer already exists|Pushed)$",
                         re.MULTILINE)  # fmt: skip


def test_content_trust_pull_resolves_signed_digests_as_docker(trust_env, signed_repo, registry):
    env = dict(trust_env, DOCKER_CONTENT_TRUST="1")
    run_docker_ok(env, "pull", f"{signed_repo}:v1")  # present: both then say it is up to date
    for args in (["pull", f"{signed_repo}:v1"], ["pull", f"{signed_repo}:nosuchtag"],
                 ["pull", f"{registry.address}/{harness.unique_name('nosuch')}:v1"],
                 ["pull", "--disable-content-trust", f"{signed_repo}:v1"],
                 ["pull", "--disable-content-trust=false", f"{signed_repo}:v1"]):  # fmt: skip
        pair = assert_same(env, *args, stderr=True)
    pair = assert_same(trust_env, "pull", "--disable-content-trust=false", f"{signed_repo}:v1",
                       stderr=True)  # fmt: skip
    assert pair.dshell.out.startswith(f"Pull (1 of 1): {signed_repo}:v1@sha256:")
    assert pair.dshell.err.startswith(f"Tagging {signed_repo}@sha256:")


def test_content_trust_push_signs_as_docker(trust_env, registry):
    env = dict(trust_env, DOCKER_CONTENT_TRUST="1")
    theirs, ours = (f"{registry.address}/{harness.unique_name(n)}" for n in ("docker", "dsh"))
    for repo in (theirs, ours):
        run_docker_ok(env, "tag", "busybox", f"{repo}:v1")
    docker = run_docker(env, "push", f"{theirs}:v1")
    dshell = run_dshell(env, "-c", f"push {ours}:v1")
    assert _LAYER_LINE.sub("L", dshell.out.replace(ours, theirs)) == \
        _LAYER_LINE.sub("L", docker.out)  # fmt: skip
    assert (dshell.err, dshell.status) == (docker.err, docker.status) == ("", 0)
    assert "Successfully signed" in dshell.out
    assert _signatures(trust_env, ours) == _signatures(trust_env, theirs)
    _twin_step(env, "pull -a REPO", ours, theirs)
    _twin_step(env, "push REPO", ours, theirs)


def test_content_trust_run_and_create_use_the_signed_digest(trust_env, signed_repo):
    env = dict(trust_env, DOCKER_CONTENT_TRUST="1")
    run_docker_ok(env, "pull", f"{signed_repo}:v1")
    for args in (
        ["run", "--rm", f"{signed_repo}:v1", "true"],
        ["run", "--rm", f"{signed_repo}:nosuchtag", "true"],
        ["run", "--rm", "--disable-content-trust", f"{signed_repo}:v1", "true"],
    ):
        assert_same(env, *args, stderr=True)
    # --pull always: pulled by its signed digest, then tagged, as docker does.
    pair = assert_same(env, "run", "--rm", "--pull", "always", f"{signed_repo}:v1", "true",
                       stderr=True)  # fmt: skip
    assert f"Tagging {signed_repo}@sha256:" in pair.dshell.err
    name = harness.unique_name("trusted")
    made = run_dshell(env, "-c", f"create --name {name} {signed_repo}:v1 true")
    assert made.status == 0, made.err
    try:
        image = run_docker_ok(env, "inspect", "-f", "{{.Config.Image}}", name).out.strip()
        assert image.startswith(f"{signed_repo}@sha256:")
    finally:
        run_docker(env, "rm", "-f", name)


def test_content_trust_classic_build_pins_from_to_the_signed_digest(trust_env, signed_repo,
                                                                    tmp_path):  # fmt: skip
    env = dict(trust_env, DOCKER_CONTENT_TRUST="1", DOCKER_BUILDKIT="0")
    (tmp_path / "Dockerfile").write_text(f"FROM {signed_repo}:v1\nRUN true\n")
    (tmp_path / "data.txt").write_text("some context\n")
    tag = harness.unique_name("trusted-build")
    run_docker_ok(env, "build", "-t", tag, str(tmp_path))  # the cache both then use
    try:
        pair = assert_same(env, "build", "-t", tag, str(tmp_path), stderr=True)
        assert f"Step 1/2 : FROM {signed_repo}@sha256:" in pair.dshell.out
        assert f"Tagging {signed_repo}@sha256:" in pair.dshell.err
    finally:
        run_docker(env, "rmi", tag)
