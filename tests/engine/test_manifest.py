"""``manifest inspect/create/annotate/push/rm`` against the loopback registry, differential
against docker 28: output, exit status, error messages, and the local store's files (docker
and dshell must read each other's manifest lists)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import os
import shlex
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests import harness, token_registry
from tests.registry_auth import install_fake_helper


def _rearch(image_tar: bytes, architecture: str, tag: str) -> bytes:
    """A `docker save` archive whose image claims another architecture (a new config, so a
    new image and manifest digest), tagged ``tag``: a second platform without a download."""
    source = tarfile.open(fileobj=io.BytesIO(image_tar))
    manifest = json.load(source.extractfile("manifest.json"))
    config_name = manifest[0]["Config"]
    config = json.load(source.extractfile(config_name))
    config["architecture"] = architecture
    config_bytes = json.dumps(config, separators=(",", ":")).encode()
    new_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest[0]["Config"], manifest[0]["RepoTags"] = new_name, [tag]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as target:
        for member in source.getmembers():
            if member.name in (config_name, "manifest.json", "repositories"):
                continue
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        for name, body in (
            (new_name, config_bytes),
            ("manifest.json", json.dumps(manifest).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            target.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def images(engine, registry):
    """busybox pushed to the registry as REPO:amd64 and REPO:arm64 (two image manifests),
    and as OTHER:amd64 (the same image in another repository)."""
    repo = f"{registry.address}/{harness.unique_name('mf')}"
    other = f"{registry.address}/{harness.unique_name('mf-other')}"
    status, _, saved = engine.api("GET", "/images/busybox/get", timeout=120)
    assert status == 200
    arm = _rearch(saved, "arm64", f"{repo}:arm64")
    harness.run_docker_ok(engine, "load", input=arm)
    for tag in (f"{repo}:amd64", f"{other}:amd64"):
        harness.run_docker_ok(engine, "tag", "busybox", tag)
    for tag in (f"{repo}:amd64", f"{repo}:arm64", f"{other}:amd64"):
        harness.run_docker_ok(engine, "push", tag)
    yield {"repo": repo, "other": other, "registry": registry.address}
    for tag in (f"{repo}:amd64", f"{repo}:arm64", f"{other}:amd64"):
        harness.run_docker(engine, "rmi", tag)


@pytest.fixture
def config(tmp_path):
    """One DOCKER_CONFIG for both tools: they must read each other's store."""
    folder = tmp_path / "config"
    folder.mkdir()
    return {"DOCKER_CONFIG": str(folder)}


@pytest.fixture
def configs(tmp_path):
    """Separate but equal config directories, to compare what each tool writes."""
    pair = {}
    for tool in ("docker", "dshell"):
        pair[tool] = tmp_path / tool
        pair[tool].mkdir()
    return pair


def same(engine, env, *args, stderr=True):
    return harness.assert_same(engine, *args, env=env, stderr=stderr)


def store_files(folder: Path) -> dict[str, bytes]:
    root = folder / "manifests"
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_inspect_image_manifest(engine, images, config):
    for flags in ((), ("-v",)):
        pair = same(
            engine, config, "manifest", "inspect", "--insecure", *flags, f"{images['repo']}:amd64"
        )
        assert pair.dshell.status == 0
    assert '"architecture": "amd64"' in pair.dshell.out and '"Raw": "' in pair.dshell.out
    arm = same(engine, config, "manifest", "inspect", "-v", "--insecure", f"{images['repo']}:arm64")
    assert '"architecture": "arm64"' in arm.dshell.out


def test_loopback_registry_needs_insecure_to_be_read(engine, images, config):
    """docker tries https, then skips the plain-http endpoint without --insecure."""
    ref = f"{images['repo']}:amd64"
    pair = same(engine, config, "manifest", "inspect", ref)
    assert (pair.dshell.status, pair.dshell.err) == (1, f"no such manifest: {ref}\n")


def test_create_annotate_writes_dockers_files(engine, images, configs):
    repo = images["repo"]
    lines = [
        f"manifest create --insecure {repo}:list {repo}:amd64 {repo}:arm64",
        f"manifest create {repo}:list {repo}:amd64",
        f"manifest create --amend {repo}:list {repo}:amd64",
        f"manifest annotate {repo}:list {repo}:arm64 --variant v8 --os-features a,b "
        "--os-features a --os-version 1.0",
        f"manifest annotate {repo}:list {repo}:arm64 --arch bogus",
        f"manifest annotate {repo}:list {repo}:nosuch --os linux",
        f"manifest annotate {repo}:list BAD",
        f"manifest create --insecure {repo}:other {repo}:nosuch",
    ]
    for line in lines:
        docker = harness.run_docker(
            engine, *shlex.split(line), env={"DOCKER_CONFIG": str(configs["docker"])}
        )
        dshell = harness.run_dshell(
            engine, "-c", line, env={"DOCKER_CONFIG": str(configs["dshell"])}
        )
        assert (dshell.out, dshell.err, dshell.status) == (docker.out, docker.err, docker.status), (
            line
        )
    files = store_files(configs["dshell"])
    assert files == store_files(configs["docker"])
    assert len(files) == 2 and b'"variant":"v8"' in b"".join(files.values())


def test_lists_are_shared_with_docker(engine, images, config):
    """A list docker created is inspected and annotated by dshell, and the other way."""
    repo = images["repo"]
    harness.run_docker_ok(
        engine, "manifest", "create", "--insecure", f"{repo}:shared", f"{repo}:amd64", env=config
    )
    run = harness.run_dshell(
        engine, "-c", f"manifest create --amend --insecure {repo}:shared {repo}:arm64", env=config
    )
    assert run.status == 0, run.err
    harness.run_docker_ok(
        engine,
        "manifest",
        "annotate",
        f"{repo}:shared",
        f"{repo}:arm64",
        "--variant",
        "v8",
        env=config,
    )
    for args in (
        (f"{repo}:shared",),
        ("-v", f"{repo}:shared"),
        (f"{repo}:shared", f"{repo}:arm64"),
        ("-v", f"{repo}:shared", f"{repo}:amd64"),
        (f"{repo}:shared", f"{repo}:nosuch"),
    ):
        same(engine, config, "manifest", "inspect", *args)
    pair = same(engine, config, "manifest", "inspect", f"{repo}:shared")
    assert '"variant": "v8"' in pair.dshell.out


def test_push_then_both_tools_read_the_list(engine, images, configs):
    """dshell pushes a list whose images live in another repository (blobs mounted, each
    manifest pushed by digest) exactly as docker pushes the same list to a twin repository."""
    registry = images["registry"]
    targets = {
        "docker": f"{registry}/{harness.unique_name('mf-d')}:v1",
        "dshell": f"{registry}/{harness.unique_name('mf-s')}:v1",
    }
    results = {}
    for tool, runner in (("docker", harness.run_docker), ("dshell", harness.run_dshell)):
        env = {"DOCKER_CONFIG": str(configs[tool])}
        create = (
            f"manifest create --insecure {targets[tool]} {images['repo']}:amd64 "
            f"{images['repo']}:arm64"
        )
        annotate = f"manifest annotate {targets[tool]} {images['repo']}:arm64 --variant v8"
        push = f"manifest push --purge {targets[tool]}"
        for line in (create, annotate, push):
            args = shlex.split(line) if tool == "docker" else ["-c", line]
            results[tool] = runner(engine, *args, env=env)
            assert results[tool].status == 0, (line, results[tool].err)
    name = {tool: target.rsplit(":", 1)[0] for tool, target in targets.items()}
    assert results["dshell"].out == results["docker"].out.replace(name["docker"], name["dshell"])
    assert results["dshell"].out.count("Pushed ref ") == 2
    assert store_files(configs["dshell"]) == {}
    env = {"DOCKER_CONFIG": str(configs["docker"])}
    for flags in ((), ("-v",)):
        pair = same(engine, env, "manifest", "inspect", "--insecure", *flags, targets["dshell"])
        twin = harness.run_docker(
            engine, "manifest", "inspect", "--insecure", *flags, targets["docker"], env=env
        )
        assert pair.docker.out == twin.out.replace(name["docker"], name["dshell"])


def test_push_errors(engine, images, config):
    repo = images["repo"]
    harness.run_docker_ok(
        engine, "manifest", "create", "--insecure", f"{repo}:noarch", f"{repo}:amd64", env=config
    )
    harness.run_docker_ok(
        engine,
        "manifest",
        "create",
        "--insecure",
        "127.0.0.1:1/mf:foreign",
        f"{repo}:amd64",
        env=config,
    )
    stored = next((Path(config["DOCKER_CONFIG"]) / "manifests").glob("*noarch/*"))
    record = json.loads(stored.read_text())
    del record["Descriptor"]["platform"]
    stored.write_text(json.dumps(record, separators=(",", ":")))
    for args in (
        (f"{repo}:noarch",),
        (f"{repo}:nosuch",),
        ("127.0.0.1:1/mf:foreign",),
        ("BAD",),
        (),
    ):
        same(engine, config, "manifest", "push", *args)


def test_rm(engine, images, configs):
    """Each tool removes from its own copy of the same store: same output, same files."""
    repo = images["repo"]
    for tag in ("one", "two"):
        harness.run_docker_ok(
            engine,
            "manifest",
            "create",
            "--insecure",
            f"{repo}:{tag}",
            f"{repo}:amd64",
            env={"DOCKER_CONFIG": str(configs["docker"])},
        )
    shutil.copytree(configs["docker"] / "manifests", configs["dshell"] / "manifests")
    line = f"manifest rm {repo}:one nosuch BAD"
    docker = harness.run_docker(
        engine, *shlex.split(line), env={"DOCKER_CONFIG": str(configs["docker"])}
    )
    dshell = harness.run_dshell(engine, "-c", line, env={"DOCKER_CONFIG": str(configs["dshell"])})
    assert (dshell.out, dshell.err, dshell.status) == (docker.out, docker.err, docker.status)
    assert dshell.err.splitlines() == [
        "No such manifest: docker.io/library/nosuch:latest",
        "invalid reference format: repository name (library/BAD) must be lowercase",
    ]
    files = store_files(configs["dshell"])
    assert files == store_files(configs["docker"])
    assert [name.split("/")[0].rsplit("-", 1)[-1] for name in files] == ["two"]
    run = harness.run_dshell(
        engine, "-c", f"manifest rm {repo}:two", env={"DOCKER_CONFIG": str(configs["dshell"])}
    )
    assert (run.out, run.err, run.status) == ("", "", 0)
    assert store_files(configs["dshell"]) == {}


@pytest.mark.parametrize("args", [
    ("manifest",),
    ("manifest", "nosuchcommand"),
    ("manifest", "inspect"),
    ("manifest", "inspect", "a", "b", "c"),
    ("manifest", "inspect", "BAD:ref"),
    ("manifest", "inspect", "a b"),
    ("manifest", "inspect", "--insecure", "127.0.0.1:1/busybox:x"),
    ("manifest", "inspect", "nolist", "image"),
    ("manifest", "create"),
    ("manifest", "create", "only-one"),
    ("manifest", "create", "Bad", "busybox"),
    ("manifest", "annotate", "one"),
    ("manifest", "annotate", "list", "image"),
    ("manifest", "push", "nosuchlist"),
    ("manifest", "rm"),
    ("manifest", "inspect", "--help"),
    ("manifest", "annotate", "--help"),
])  # fmt: skip
def test_errors_and_help_are_dockers(engine, config, args):
    same(engine, config, *args)


def test_unknown_tags_and_repositories(engine, images, config):
    for ref in (f"{images['repo']}:nosuch", f"{images['registry']}/nosuchrepo:x"):
        pair = same(engine, config, "manifest", "inspect", "--insecure", ref)
        assert pair.dshell.err == f"no such manifest: {ref}\n"


def test_image_given_as_list_member_is_refused(engine, images, config):
    """create takes image manifests only: a list is 'a manifest list'."""
    repo = images["repo"]
    harness.run_docker_ok(
        engine,
        "manifest",
        "create",
        "--insecure",
        f"{repo}:pushed",
        f"{repo}:amd64",
        f"{repo}:arm64",
        env=config,
    )
    harness.run_docker_ok(
        engine,
        "manifest",
        "annotate",
        f"{repo}:pushed",
        f"{repo}:arm64",
        "--variant",
        "v8",
        env=config,
    )
    harness.run_docker_ok(engine, "manifest", "push", "--purge", f"{repo}:pushed", env=config)
    pair = same(
        engine, config, "manifest", "create", "--insecure", f"{repo}:again", f"{repo}:pushed"
    )
    assert pair.dshell.err == f"{repo}:pushed is a manifest list\n"
    same(engine, config, "manifest", "inspect", "--insecure", f"{repo}:pushed")
    same(engine, config, "manifest", "inspect", "--insecure", "-v", f"{repo}:pushed")


@pytest.fixture(scope="module")
def auth_image(engine, auth_registry, tmp_path_factory):
    """busybox pushed to the htpasswd registry; a config directory logged in to it."""
    folder = tmp_path_factory.mktemp("auth-config")
    env = {"DOCKER_CONFIG": str(folder)}
    address = auth_registry.address
    harness.run_docker_ok(
        engine,
        "login",
        "-u",
        auth_registry.username,
        "--password-stdin",
        address,
        input=auth_registry.password + "\n",
        env=env,
    )
    ref = f"{address}/{harness.unique_name('mf-auth')}:amd64"
    harness.run_docker_ok(engine, "tag", "busybox", ref)
    harness.run_docker_ok(engine, "push", ref, env=env)
    yield {"ref": ref, "config": folder, "address": address}
    harness.run_docker(engine, "rmi", ref)


def test_credentials_from_config_json(engine, auth_image, tmp_path):
    """Basic auth with what `login` stored: inspect, create and push as docker does."""
    ref = auth_image["ref"]
    logged_in = {"DOCKER_CONFIG": str(auth_image["config"])}
    same(engine, logged_in, "manifest", "inspect", "--insecure", ref)
    same(engine, logged_in, "manifest", "inspect", "--insecure", "-v", ref)
    configs = {}
    for tool in ("docker", "dshell"):
        configs[tool] = tmp_path / tool
        shutil.copytree(auth_image["config"], configs[tool])
    target = ref.rsplit(":", 1)[0] + ":list"
    for line in (f"manifest create --insecure {target} {ref}", f"manifest push {target}"):
        docker = harness.run_docker(
            engine, *shlex.split(line), env={"DOCKER_CONFIG": str(configs["docker"])}
        )
        dshell = harness.run_dshell(
            engine, "-c", line, env={"DOCKER_CONFIG": str(configs["dshell"])}
        )
        assert (dshell.out, dshell.err, dshell.status) == (docker.out, docker.err, docker.status)
        assert dshell.status == 0, dshell.err
    assert dshell.out.startswith("sha256:")


def test_missing_or_wrong_credentials(engine, auth_image, tmp_path):
    ref = auth_image["ref"]
    folder = tmp_path / "config"
    shutil.copytree(auth_image["config"], folder)
    anonymous = {"DOCKER_CONFIG": str(folder)}
    target = ref.rsplit(":", 1)[0] + ":anon"
    harness.run_docker_ok(engine, "manifest", "create", "--insecure", target, ref, env=anonymous)
    (folder / "config.json").unlink()
    pair = same(engine, anonymous, "manifest", "inspect", "--insecure", ref)
    assert pair.dshell.err.endswith(": no basic auth credentials\n")
    pair = same(engine, anonymous, "manifest", "push", target)
    assert pair.dshell.err.startswith(f"failed to put manifest {target}: Put ")
    wrong = base64.b64encode(b"dshell-user:wrong").decode()
    (folder / "config.json").write_text(
        json.dumps({"auths": {auth_image["address"]: {"auth": wrong}}})
    )
    pair = same(engine, anonymous, "manifest", "inspect", "--insecure", ref)
    assert pair.dshell.err == f"no such manifest: {ref}\n"
    pair = same(engine, anonymous, "manifest", "push", target)
    assert pair.dshell.err.endswith(": unauthorized: authentication required\n")


@pytest.fixture(scope="module")
def oci_ref(images):
    """An OCI image manifest (with an annotation holding <, & and >) put in the registry by
    hand, over busybox's blobs: docker 28's builders push OCI manifests."""
    address, repo = images["registry"], images["repo"].split("/", 1)[1]
    status, body = _registry_call(
        address,
        "GET",
        f"/v2/{repo}/manifests/amd64",
        {"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    assert status == 200
    schema2 = json.loads(body)
    oci = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(schema2["config"], mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
                   for layer in schema2["layers"]],
        "annotations": {"org.example.note": "<a & b>"},
    }  # fmt: skip
    status, _ = _registry_call(address, "PUT", f"/v2/{repo}/manifests/oci",
                               {"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
                               json.dumps(oci, indent=2).encode())  # fmt: skip
    assert status == 201
    return f"{images['repo']}:oci"


def _registry_call(address, method, path, headers, body=None):
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_oci_manifest_and_index(engine, images, oci_ref, config):
    """An OCI manifest inspected, listed alone (an OCI image index), pushed by dshell to
    another repository and read back by both tools."""
    for flags in ((), ("-v",)):
        pair = same(engine, config, "manifest", "inspect", "--insecure", *flags, oci_ref)
    assert '"OCIManifest": {' in pair.dshell.out and "\\u003ca \\u0026 b\\u003e" in pair.dshell.out
    target = f"{images['registry']}/{harness.unique_name('mf-oci')}:v1"
    run = harness.run_dshell(
        engine, "-c", f"manifest create --insecure {target} {oci_ref}", env=config
    )
    assert run.status == 0, run.err
    pair = same(engine, config, "manifest", "inspect", target)
    assert '"mediaType": "application/vnd.oci.image.index.v1+json"' in pair.dshell.out
    same(engine, config, "manifest", "inspect", "-v", target)
    run = harness.run_dshell(engine, "-c", f"manifest push --purge {target}", env=config)
    assert run.status == 0 and run.out.startswith("Pushed ref "), run.err
    for flags in ((), ("-v",)):
        same(engine, config, "manifest", "inspect", "--insecure", *flags, target)


@pytest.fixture(scope="module")
def tls_image(engine, tmp_path_factory):
    """A registry serving https on 127.0.0.1 with a self-signed certificate, busybox pushed
    to it: a loopback registry is not secure, so docker reads it over https unverified."""
    folder = tmp_path_factory.mktemp("tls-registry")
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True, text=True, check=False)  # fmt: skip
    if made.returncode != 0:
        pytest.fail(f"openssl: {made.stderr}", pytrace=False)
    harness.check_can_run_registry()
    root = harness._short_temp_dir("dsh-treg-")
    address = f"127.0.0.1:{harness.free_loopback_port()}"
    registry = harness.serve_registry(
        root, address,
        "version: 0.1\nlog:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: {address}\n  tls:\n    certificate: {folder / 'cert.pem'}\n"
        f"    key: {folder / 'key.pem'}\n",
        ready_status=400, what="docker-registry (TLS)")  # fmt: skip
    ref = f"{address}/{harness.unique_name('mf-tls')}:amd64"
    try:
        harness.run_docker_ok(engine, "tag", "busybox", ref)
        harness.run_docker_ok(engine, "push", ref)
        yield ref
    finally:
        harness.run_docker(engine, "rmi", ref)
        harness.stop_registry(registry)


def test_loopback_tls_registry_is_read_unverified(engine, tls_image, config):
    for flags in ((), ("-v",), ("--insecure",)):
        pair = same(engine, config, "manifest", "inspect", *flags, tls_image)
        assert pair.dshell.status == 0
    target = tls_image.rsplit(":", 1)[0] + ":list"
    run = harness.run_dshell(engine, "-c", f"manifest create {target} {tls_image}", env=config)
    assert run.status == 0, run.err
    same(engine, config, "manifest", "inspect", "-v", target)


def test_tag_and_digest_that_disagree(engine, images, oci_ref, config):
    """A tag is fetched, then checked against the digest given with it: the image check
    fails, and the list attempt prints the image as Go's %v prints it."""
    repo = images["repo"]
    run = harness.run_docker_ok(engine, "manifest", "inspect", "--insecure", "-v",
                                f"{repo}:amd64", env=config)  # fmt: skip
    digest = json.loads(run.out)["Descriptor"]["digest"]
    for ref in (f"{repo}:amd64@{digest}", f"{repo}:arm64@{digest}", f"{oci_ref}@{digest}"):
        for flags in ((), ("-v",)):
            same(engine, config, "manifest", "inspect", "--insecure", *flags, ref)
    pair = same(engine, config, "manifest", "inspect", "--insecure", f"{repo}:arm64@{digest}")
    assert pair.dshell.err.startswith("unsupported manifest format: &{{{2 application/")


@pytest.fixture(scope="module")
def token_image(engine, tmp_path_factory):
    """busybox pushed to a registry behind bearer-token auth; a config logged in to it."""
    try:
        served = token_registry.start_token_registry()
    except harness.HarnessError as problem:
        pytest.fail(f"token registry: {problem}", pytrace=False)
    folder = tmp_path_factory.mktemp("token-config")
    env = {"DOCKER_CONFIG": str(folder)}
    ref = f"{served.address}/{harness.unique_name('mf-tok')}:amd64"
    try:
        harness.run_docker_ok(
            engine,
            "login",
            "-u",
            token_registry.USERNAME,
            "--password-stdin",
            served.address,
            input=token_registry.PASSWORD + "\n",
            env=env,
        )
        harness.run_docker_ok(engine, "tag", "busybox", ref)
        harness.run_docker_ok(engine, "push", ref, env=env)
        yield {"ref": ref, "config": folder, "served": served}
    finally:
        harness.run_docker(engine, "rmi", ref)
        token_registry.stop_token_registry(served)


def test_bearer_tokens(engine, token_image, tmp_path):
    """The token dance docker does with Docker Hub: anonymous tokens grant nothing here,
    the logged-in ones pull and push; a blob mount from a repository the token does not
    cover is refused in docker's words."""
    ref = token_image["ref"]
    anonymous = {"DOCKER_CONFIG": str(tmp_path)}
    pair = same(engine, anonymous, "manifest", "inspect", "--insecure", ref)
    assert pair.dshell.err.startswith("errors:\ndenied: requested access to the resource")
    configs = {}
    for tool in ("docker", "dshell"):
        configs[tool] = tmp_path / tool
        shutil.copytree(token_image["config"], configs[tool])
    logged_in = {"DOCKER_CONFIG": str(configs["dshell"])}
    for flags in ((), ("-v",)):
        same(engine, logged_in, "manifest", "inspect", "--insecure", *flags, ref)
    before = len(token_image["served"].requests)
    harness.run_dshell(engine, "-c", f"manifest inspect --insecure {ref}", env=logged_in)
    asked = token_image["served"].requests[before:]
    name = ref.split("/", 1)[1].rsplit(":", 1)[0]
    assert asked and all(request == (token_registry.USERNAME, f"repository:{name}:pull", True)
                         for request in asked)  # fmt: skip
    repo = ref.rsplit(":", 1)[0]
    other = f"{token_image['served'].address}/{harness.unique_name('mf-tok2')}:list"
    for line in (
        f"manifest create --insecure {repo}:list {ref}",
        f"manifest push {repo}:list",
        f"manifest create --insecure {other} {ref}",
        f"manifest push {other}",
    ):
        docker = harness.run_docker(
            engine, *shlex.split(line), env={"DOCKER_CONFIG": str(configs["docker"])}
        )
        dshell = harness.run_dshell(engine, "-c", line,
                                    env={"DOCKER_CONFIG": str(configs["dshell"])})  # fmt: skip
        assert (dshell.out, dshell.err, dshell.status) == (docker.out, docker.err, docker.status)
    assert dshell.status == 1 and dshell.err.startswith("failed to mount blob ")


@pytest.mark.parametrize("digest", ["sha256:abc", "md5:abc", "", "sha256:" + "A" * 64])
def test_bad_digests_in_the_store(engine, images, config, digest):
    """A store file whose digest go-digest refuses: inspect and push say why, as docker."""
    list_ref = f"{images['repo']}:digest"
    harness.run_docker_ok(engine, "manifest", "create", "--insecure", list_ref,
                          f"{images['repo']}:amd64", env=config)  # fmt: skip
    stored = next((Path(config["DOCKER_CONFIG"]) / "manifests").glob("*digest/*"))
    record = json.loads(stored.read_text())
    record["Descriptor"]["digest"] = digest
    stored.write_text(json.dumps(record))
    pair = same(engine, config, "manifest", "inspect", list_ref)
    assert "failed to assemble ManifestDescriptor: digest parse of image" in pair.dshell.err
    same(engine, config, "manifest", "push", list_ref)


def test_bearer_token_refused(engine, token_image, tmp_path):
    """Wrong credentials: the token endpoint's refusal, as docker words it."""
    ref = token_image["ref"]
    wrong = base64.b64encode(f"{token_registry.USERNAME}:wrong".encode()).decode()
    address = token_image["served"].address
    (tmp_path / "config.json").write_text(json.dumps({"auths": {address: {"auth": wrong}}}))
    pair = same(engine, {"DOCKER_CONFIG": str(tmp_path)}, "manifest", "inspect", "--insecure", ref)
    assert pair.dshell.err.endswith('": unauthorized: incorrect username or password\n')


def test_credentials_from_a_credential_helper(engine, auth_registry, auth_image, tmp_path):
    """credsStore names a helper: manifest asks it for the registry's credentials."""
    helpers = tmp_path / "helpers"
    store = install_fake_helper(helpers, "dshelltest")
    address = auth_image["address"]
    store.write_text(json.dumps({address: {"ServerURL": address,
                                           "Username": auth_registry.username,
                                           "Secret": auth_registry.password}}))  # fmt: skip
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps({"credsStore": "dshelltest", "auths": {address: {}}})
    )
    env = {"DOCKER_CONFIG": str(folder), "PATH": f"{helpers}{os.pathsep}{os.environ['PATH']}"}
    log = store.parent / (store.name + ".log")
    log.write_text("")
    run = harness.run_dshell(engine, "-c", f"manifest inspect --insecure {auth_image['ref']}",
                             env=env)  # fmt: skip
    assert run.status == 0, run.err
    assert set(log.read_text().splitlines()) == {f"get {address}"}
    same(engine, env, "manifest", "inspect", "--insecure", "-v", auth_image["ref"])
