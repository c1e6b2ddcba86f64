"""Image commands against the private engine and the loopback registry, docker as oracle."""

from __future__ import annotations

import functools
import io
import json
import tarfile

import pytest

from tests import harness

# Standard error too, and retries: listings show ages that may tick between the two runs.
assert_same = functools.partial(harness.assert_same, tries=3, stderr=True)


def dshell(engine, line, **kwargs):
    return harness.run_dshell(engine, "-c", line, **kwargs)


docker = harness.run_docker_ok


@pytest.fixture(scope="module")
def layered(engine):
    """An image with three layers of its own (built by docker), removed afterwards."""
    name = harness.unique_name("dsh-layered")
    dockerfile = (
        "FROM busybox\nLABEL stage=one\nRUN echo one > /one\n"
        "RUN dd if=/dev/zero of=/blob bs=1024 count=300 2>/dev/null\nCMD [\"sh\"]\n"
    )
    result = harness.run_docker(engine, "build", "-t", f"{name}:v1", "-", input=dockerfile,
                                timeout=120, env={"DOCKER_BUILDKIT": "0"})
    assert result.status == 0, result.err
    yield f"{name}:v1"
    harness.run_docker(engine, "rmi", "-f", f"{name}:v1")


@pytest.mark.parametrize("flags", [
    [], ["-H=false"], ["-q"], ["--no-trunc"], ["--format", "{{json .}}"],
    ["--format", "table {{.ID}}\t{{.Size}}\t{{.CreatedBy}}"], ["--human=false", "-q"],
])  # fmt: skip
def test_history_matches_docker(engine, layered, flags):
    assert_same(engine, "history", *flags, layered)


def test_history_errors_match_docker(engine):
    assert_same(engine, "image", "history", "no-such-image-here")
    assert_same(engine, "history", "--format", "{{.Nope}}", "busybox")


def test_tag_and_rmi(engine):
    name = harness.unique_name("dsh-tag")
    result = dshell(engine, f"tag busybox {name}:one")
    assert (result.status, result.out, result.err) == (0, "", "")
    assert dshell(engine, f"image tag busybox {name}").status == 0
    images = docker(engine, "images", "--format", "{{.Tag}}", name).out.split()
    assert sorted(images) == ["latest", "one"]
    result = dshell(engine, f"rmi {name}:one {name} {name}:missing")
    assert result.out == f"Untagged: {name}:one\nUntagged: {name}:latest\n"
    assert result.err == f"Error response from daemon: No such image: {name}:missing\n"
    assert result.status == 1


@pytest.mark.parametrize("args", [
    ["tag", "no-such-image:1", "x:1"],
    ["tag", "busybox", "BAD:x"],
    ["tag", "busybox", "ok:bad tag"],
    ["tag", "busybox"],
    ["rmi"],
    ["rmi", "no-such-image:zz"],
])  # fmt: skip
def test_tag_and_rmi_errors_match_docker(engine, args):
    # argument-count messages are dshell's own (parse.py); the rest are docker's words
    wrong_count = args in (["tag", "busybox"], ["rmi"])
    assert_same(engine, *args, stderr=not wrong_count)


def test_rmi_deletes_layers_and_no_prune_keeps_parents(engine, layered):
    name = harness.unique_name("dsh-rmi")
    docker(engine, "tag", layered, f"{name}:a")
    image_id = docker(engine, "inspect", "--format", "{{.Id}}", layered).out.strip()
    # remove the fixture's tag too: only the -f removal of the last tag deletes layers
    copy = harness.unique_name("dsh-rmi-copy")
    docker(engine, "commit", "--change", "LABEL copy=1",
           docker(engine, "create", "--network", "none", f"{name}:a").out.strip(), copy)
    result = dshell(engine, f"rmi --no-prune {copy}")
    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"Untagged: {copy}:latest"
    assert [line.split(":")[0] for line in lines[1:]] == ["Deleted"]
    assert docker(engine, "inspect", "--format", "{{.Id}}", f"{name}:a").out.strip() == image_id
    docker(engine, "container", "prune", "-f")
    docker(engine, "rmi", f"{name}:a")


@pytest.mark.parametrize("filters", [
    ["dangling=false"], ["dangling=true"], ["label=stage=one"], ["label=stage"],
    ["reference=busy*"], ["before={layered}"], ["since=busybox"],
])  # fmt: skip
def test_image_ls_filters_match_docker(engine, layered, filters):
    args = []
    for item in filters:
        args += ["--filter", item.format(layered=layered)]
    assert_same(engine, "images", *args, "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")


def test_save_load_round_trip(engine, tmp_path, layered):
    archive = tmp_path / "image.tar"
    result = dshell(engine, f"save -o {archive} {layered}")
    assert (result.status, result.out, result.err) == (0, "", "")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest[0]["RepoTags"] == [layered]
    piped = harness.run_dshell(engine, "-c", f"save {layered}")
    with tarfile.open(fileobj=io.BytesIO(piped.out.encode("utf-8", "surrogateescape"))) as tar:
        assert "manifest.json" in tar.getnames()
    assert_same(engine, "load", "-i", str(archive))
    assert_same(engine, "load", "-q", "-i", str(archive))
    assert dshell(engine, "load", input=archive.read_bytes()).out == f"Loaded image: {layered}\n"


def test_save_and_load_errors_match_docker(engine, tmp_path):
    assert_same(engine, "save", "-o", str(tmp_path / "x.tar"), "no-such-image")
    assert_same(engine, "save", "-o", "/nonexistent-dir/x.tar", "busybox")
    assert_same(engine, "load", "-i", "/nonexistent-file.tar")
    assert_same(engine, "import", "/nonexistent-file.tar")
    assert_same(engine, "import", "-", "BAD", input=b"")


def test_import_with_changes_and_message(engine, tmp_path):
    name = harness.unique_name("dsh-imported")
    archive = tmp_path / "rootfs.tar"
    archive.write_bytes(harness.busybox_tarball())
    result = dshell(engine, f"import -c 'ENV A=b' -c 'CMD [\"sh\"]' -m hello {archive} {name}:1")
    assert result.status == 0, result.err
    assert result.out.startswith("sha256:") and len(result.out.strip()) == 71
    fmt = "{{json .Config.Env}} {{json .Config.Cmd}} {{.Comment}}"
    assert docker(engine, "inspect", "--format", fmt, f"{name}:1").out == \
        '["A=b"] ["sh"] hello\n'
    piped = dshell(engine, f"import - {name}:2", input=archive.read_bytes())
    assert piped.status == 0 and piped.out.startswith("sha256:")
    docker(engine, "rmi", f"{name}:1", f"{name}:2")


def test_image_prune_asks_and_reports(engine):
    label = harness.unique_name("prune")
    for _ in range(2):
        docker(engine, "import", "-c", f"LABEL dshprune={label}", "-", input=b"")
    declined = dshell(engine, f"image prune --filter label=dshprune={label}", input="n\n")
    assert declined.out == ("WARNING! This will remove all dangling images.\n"
                            "Are you sure you want to continue? [y/N] ")  # fmt: skip
    assert declined.status == 0
    accepted = dshell(engine, f"image prune --filter label=dshprune={label}", input="y\n")
    lines = accepted.out.split("[y/N] ", 1)[1].splitlines()
    assert lines[0] == "Deleted Images:"
    assert [line.split(":")[0] for line in lines[1:-2]] == ["deleted"] * (len(lines) - 3)
    assert lines[-2:] == ["", "Total reclaimed space: 0B"]
    assert_same(engine, "image", "prune", "-f", "--filter", f"label=dshprune={label}")
    all_prompt = dshell(engine, "image prune -a", input="\n").out
    assert all_prompt.startswith("WARNING! This will remove all images without at least one")


# --- registry round trip -------------------------------------------------------------------


def test_push_rmi_pull_run_round_trip(engine, registry, layered):
    ref = f"{registry.address}/dshell/{harness.unique_name('rt')}:v1"
    assert dshell(engine, f"tag {layered} {ref}").status == 0
    pushed = dshell(engine, f"push {ref}")
    assert pushed.status == 0, pushed.err
    lines = pushed.out.splitlines()
    assert lines[0] == f"The push refers to repository [{ref.rsplit(':', 1)[0]}]"
    assert lines[-1].startswith("v1: digest: sha256:") and lines[-1].split()[-2] == "size:"
    assert "\x1b" not in pushed.out
    docker(engine, "rmi", ref)
    first = harness.run_docker(engine, "pull", ref)
    docker(engine, "rmi", ref)
    pulled = dshell(engine, f"pull {ref}")
    assert (pulled.out, pulled.status) == (first.out, first.status)
    assert pulled.out.splitlines()[-1] == ref
    ran = dshell(engine, f"run --rm --network none {ref} cat /one")
    if ran.status == 0:  # `run` belongs to another issue; check it only once it exists
        assert ran.out == "one\n"
    quiet = assert_same(engine, "pull", "-q", ref)
    assert quiet.dshell.out == f"{ref}\n"
    assert_same(engine, "push", "-q", ref)
    docker(engine, "rmi", ref)


def test_pull_all_tags_and_default_tag(engine, registry):
    repo = f"{registry.address}/dshell/{harness.unique_name('all')}"
    for tag in ("a", "b"):
        docker(engine, "tag", "busybox", f"{repo}:{tag}")
        docker(engine, "push", f"{repo}:{tag}")
    assert_same(engine, "pull", "-a", repo)
    missing = assert_same(engine, "pull", repo)
    assert missing.dshell.out == "Using default tag: latest\n"
    assert_same(engine, "push", repo)
    assert_same(engine, "push", "-a", repo)
    docker(engine, "rmi", f"{repo}:a", f"{repo}:b")


@pytest.mark.parametrize("args", [
    ["pull", "BAD"], ["pull", "a b"], ["pull", "-a", "busybox:1"], ["pull", ""],
    ["push", "-a", "busybox:1"], ["push", "127.0.0.1:1/nothing-here:v1"],
    ["image", "pull", "127.0.0.1:1/x:1"],
])  # fmt: skip
def test_pull_push_errors_match_docker(engine, args):
    assert_same(engine, *args)


def test_search_errors_match_docker(engine, registry):
    assert_same(engine, "search", "127.0.0.1:1/anything")
    assert_same(engine, "search", f"{registry.address}/anything")


def test_pull_image_method_for_the_run_flow(engine, registry):
    """`pull_image` (what `run` calls after a 404) prints progress to the given stream and
    raises EngineError in docker's words."""
    from pathlib import Path

    from dshell.engine.config import ConfigFile
    from dshell.engine.endpoint import ConnectionOptions
    from dshell.engine.errors import EngineError
    from dshell.session import DockerSession
    from dshell.streams import Stream

    ref = f"{registry.address}/dshell/{harness.unique_name('pi')}:v1"
    docker(engine, "tag", "busybox", ref)
    docker(engine, "push", ref)
    docker(engine, "rmi", ref)
    out, err = io.StringIO(), io.StringIO()
    config_dir = Path(engine.env["DOCKER_CONFIG"])
    session = DockerSession(ConnectionOptions(hosts=[engine.host]), config_dir,
                            ConfigFile.load(config_dir),
                            streams=(Stream(io.StringIO()), Stream(out), Stream(err)))
    try:
        session.pull_image(ref, out=session.stderr)
        assert out.getvalue() == ""
        assert err.getvalue().splitlines()[-1] == f"Status: Downloaded newer image for {ref}"
        with pytest.raises(EngineError, match="manifest unknown"):
            session.pull_image(f"{registry.address}/dshell/none-such")
    finally:
        session.close()
        docker(engine, "rmi", ref)


def test_help_lists_image_commands(engine):
    result = dshell(engine, "image")  # a group alone: its help on standard error, as docker
    for word in ("pull", "push", "tag", "rm", "history", "save", "load", "import", "prune"):
        assert f"\n  {word} " in result.err or f"  {word}  " in result.err, word



def test_save_refuses_to_write_to_a_terminal(engine):
    import pexpect

    outputs = {}
    for name, argv in (("docker", [harness.DOCKER_CLI, "save", "busybox"]),
                       ("dshell", [*harness.DSHELL_COMMAND, "-c", "save busybox"])):
        child = pexpect.spawn(argv[0], argv[1:], env=engine.env, timeout=30)
        child.expect(pexpect.EOF)
        child.close()
        outputs[name] = (child.before, child.exitstatus)
    assert outputs["dshell"] == outputs["docker"]
    assert b"cowardly refusing to save to a terminal" in outputs["dshell"][0]
