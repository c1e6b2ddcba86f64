"""`build` with the classic builder, against `docker build` with DOCKER_BUILDKIT=0."""

from __future__ import annotations

import io
import shlex
import tarfile

import pytest

from tests import harness

LEGACY = {"DOCKER_BUILDKIT": "0"}


def docker_build(engine, *args, input=None, cwd=None):
    return harness.run_docker(engine, "build", *args, input=input, timeout=180, env=LEGACY,
                              cwd=cwd)  # fmt: skip


def dshell_build(engine, *args, input=None, cwd=None):
    return harness.run_dshell(engine, "-c", shlex.join(["build", *args]), input=input,
                              timeout=180, env=LEGACY, cwd=cwd)  # fmt: skip


def write_tree(root, files):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data)
    return root


@pytest.fixture
def context(tmp_path):
    return write_tree(tmp_path / "ctx", {
        "Dockerfile": "FROM busybox\nLABEL purpose=dshell-test\nCOPY . /ctx\n"
                      "RUN echo built-$((6*7))\nCMD [\"sh\"]\n",
        "a.txt": "a\n",
        "sub/b.txt": "b\n",
    })  # fmt: skip


def stderr_tail(result):
    """The message docker ends with (it prints a legacy-builder notice before it)."""
    return result.err.strip().splitlines()[-1]


def test_cached_build_output_matches_docker(engine, context):
    tag = harness.unique_name("dsh-build")
    first = docker_build(engine, "-t", tag, str(context))
    assert first.status == 0, first.err
    ours = dshell_build(engine, "-t", tag, "-t", f"{tag}:two", str(context))
    again = docker_build(engine, "-t", tag, "-t", f"{tag}:two", str(context))
    assert (ours.out, ours.status) == (again.out, again.status), ours.err
    assert "Using cache" in ours.out
    assert ours.out.startswith("Sending build context to Docker daemon  4.608kB\r\r\n")
    assert ours.out.endswith(f"Successfully tagged {tag}:latest\nSuccessfully tagged {tag}:two\n")
    harness.run_docker(engine, "rmi", tag, f"{tag}:two")


def test_fresh_build_runs_steps(engine, context):
    tag = harness.unique_name("dsh-fresh")
    result = dshell_build(engine, "--no-cache", "-t", tag, str(context))
    assert result.status == 0, result.err
    assert "Step 4/5 : RUN echo built-$((6*7))\n" in result.out
    assert "\nbuilt-42\n" in result.out
    assert "Removing intermediate container" in result.out
    image_id = harness.run_docker(engine, "inspect", "-f", "{{.Id}}", tag).out.strip()
    assert f"Successfully built {image_id[7:19]}\n" in result.out
    harness.run_docker(engine, "rmi", tag)


def test_dockerignore_decides_what_is_sent(engine, tmp_path):
    """The image's /ctx proves which files went over: the same set as docker sends."""
    files = {
        "Dockerfile": "FROM busybox\nCOPY . /ctx\nCMD [\"sh\"]\n",
        ".dockerignore": "# ignore logs and secrets\n*.log\n**/*.tmp\nsecret\n!secret/public.txt\n"
                         "Dockerfile\n.dockerignore\ndocs/**\n!docs/keep.md\n",
        "app.py": "x", "debug.log": "x", "sub/trace.log": "x", "sub/deep/cache.tmp": "x",
        "sub/deep/keep.txt": "x", "secret/key.pem": "x", "secret/public.txt": "x",
        "docs/a.md": "x", "docs/keep.md": "x",
    }  # fmt: skip
    context = write_tree(tmp_path / "ignored", files)
    listings = {}
    for name, build in (("docker", docker_build), ("dshell", dshell_build)):
        tag = harness.unique_name(f"dsh-ignore-{name}")
        result = build(engine, "-q", "--no-cache", "-t", tag, str(context))
        assert result.status == 0, result.err
        listing = harness.run_docker(engine, "run", "--rm", "--network", "none", tag,
                                     "busybox", "find", "/ctx", "-type", "f")  # fmt: skip
        listings[name] = sorted(listing.out.split())
        harness.run_docker(engine, "rmi", tag)
    assert listings["dshell"] == listings["docker"]
    # Dockerfile and .dockerignore are sent (the build needs them) but the daemon leaves
    # them out of COPY because .dockerignore names them.
    assert listings["dshell"] == sorted([
        "/ctx/app.py", "/ctx/docs/keep.md", "/ctx/secret/public.txt", "/ctx/sub/deep/keep.txt",
        "/ctx/sub/trace.log"])  # fmt: skip


def test_failing_run_fails_like_docker(engine, tmp_path):
    context = write_tree(tmp_path / "fail", {"Dockerfile": "FROM busybox\nRUN exit 3\n"})
    docker = docker_build(engine, str(context))
    ours = dshell_build(engine, str(context))
    assert ours.status == docker.status == 3
    assert stderr_tail(ours) == stderr_tail(docker) == \
        "The command '/bin/sh -c exit 3' returned a non-zero code: 3"
    quiet = dshell_build(engine, "-q", str(context))
    assert quiet.status == 3 and quiet.out == ""
    assert "Step 2/2 : RUN exit 3" in quiet.err


def test_quiet_and_iidfile(engine, context, tmp_path):
    iid = tmp_path / "iid"
    iid.write_text("stale")
    result = dshell_build(engine, "-q", "--iidfile", str(iid), str(context))
    assert result.status == 0, result.err
    assert result.out.startswith("sha256:") and result.out.count("\n") == 1
    assert iid.read_text() == result.out
    plain_iid = tmp_path / "iid2"
    loud = dshell_build(engine, "--iidfile", str(plain_iid), str(context))
    assert plain_iid.read_text() == result.out.strip()
    assert loud.out.endswith(f"Successfully built {result.out[7:19]}\n")


def test_options_reach_the_builder(engine, tmp_path):
    dockerfile = (
        "FROM busybox AS first\nARG GREETING\nARG FROM_ENV\n"
        "RUN echo \"$GREETING/$FROM_ENV\" > /greeting\n"
        "FROM first AS second\nRUN echo second > /second\n"
    )
    context = write_tree(tmp_path / "opts", {"Dockerfile": dockerfile})
    tag = harness.unique_name("dsh-opts")
    result = harness.run_dshell(
        engine, "-c", shlex.join(["build", "--build-arg", "GREETING=hello", "--build-arg",
                                  "FROM_ENV", "--target", "first", "--label", "k=v",
                                  "--label", "empty", "--network", "none", "--rm=false",
                                  "-t", tag, str(context)]),
        env={"FROM_ENV": "env-value", **LEGACY}, timeout=180)  # fmt: skip
    assert result.status == 0, result.err
    assert "Step 4/" in result.out and "second" not in result.out.split("Successfully")[0]
    out = harness.run_docker(engine, "run", "--rm", "--network", "none", tag, "cat", "/greeting")
    assert out.out == "hello/env-value\n"
    labels = harness.run_docker(engine, "inspect", "-f", "{{json .Config.Labels}}", tag).out
    assert labels.strip() == '{"empty":"","k":"v"}'
    harness.run_docker(engine, "rmi", tag)
    harness.run_docker(engine, "container", "prune", "-f")


def test_dockerfile_on_stdin_and_tar_on_stdin(engine, context):
    dockerfile = "FROM busybox\nRUN echo from-stdin\n"
    docker = docker_build(engine, "-", input=dockerfile)
    ours = dshell_build(engine, "-", input=dockerfile)
    assert ours.status == 0, ours.err
    assert ours.out.split("\n")[0] == docker.out.split("\n")[0] == \
        "Sending build context to Docker daemon  2.048kB\r\r"
    with_context = dshell_build(engine, "-f", "-", str(context), input=dockerfile)
    assert with_context.status == 0, with_context.err
    assert "Step 2/2 : RUN echo from-stdin" in with_context.out
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(context.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(context)), recursive=False)
    piped = dshell_build(engine, "-q", "-", input=buffer.getvalue())
    assert piped.status == 0, piped.err
    assert piped.out.startswith("sha256:")


@pytest.mark.parametrize("args", [
    ["nonexistent-context-dir"],
    ["-f", "no-such-dockerfile", "."],
    ["-t", "BAD", "."],
    ["-f", "-", "-"],
])  # fmt: skip
def test_context_errors_match_docker(engine, context, args):
    docker = docker_build(engine, *args, cwd=context, input="")
    ours = dshell_build(engine, *args, cwd=context, input="")
    assert ours.status == docker.status, ours.err
    assert ours.err == docker.err


@pytest.mark.parametrize("buildkit", ["0", "false", "maybe"])
def test_legacy_builder_notice_and_buildkit_setting_as_docker(engine, context, buildkit):
    """docker's processBuilder runs before the build command parses anything: the legacy
    builder's notice for DOCKER_BUILDKIT=0, a refusal when DOCKER_BUILDKIT is no boolean.
    (Unset or true without buildx, dshell builds with BuildKit itself: test_buildkit.py.)"""
    env = {"DOCKER_BUILDKIT": buildkit}
    for args in (["--help"], [], ["--bogus"], ["-m", "1x", "."]):
        docker = harness.run_docker(engine, "build", *args, env=env, cwd=context)
        ours = harness.run_dshell(engine, "-c", shlex.join(["build", *args]), env=env,
                                  cwd=context)
        assert (ours.out, ours.err, ours.status) == (docker.out, docker.err, docker.status)


def test_resource_and_host_flags_reach_the_builder(engine, tmp_path):
    dockerfile = "FROM busybox\nRUN cat /etc/hosts > /hosts; ulimit -n > /nofile\n"
    context = write_tree(tmp_path / "res", {"Dockerfile": dockerfile})
    tag = harness.unique_name("dsh-res")
    result = dshell_build(engine, "--add-host", "dshell-host:10.1.2.3", "--ulimit",
                          "nofile=512:1024", "--memory", "256m", "--memory-swap", "-1",
                          "--shm-size", "8m", "--cpu-shares", "512", "--compress",
                          "--cache-from", "busybox", "--network", "none", "-q", "-t", tag,
                          str(context))  # fmt: skip
    assert result.status == 0, result.err
    show = harness.run_docker(engine, "run", "--rm", "--network", "none", tag, "sh", "-c",
                              "cat /hosts /nofile")  # fmt: skip
    assert "10.1.2.3\tdshell-host" in show.out
    assert show.out.endswith("512\n")
    harness.run_docker(engine, "rmi", tag)


@pytest.mark.parametrize("flag", [["-m", "1x"], ["--memory-swap", "zz"], ["--shm-size", "q"],
                                  ["--ulimit", "nofile"], ["--add-host", "nocolon"],
                                  ["-t", "BAD"]])  # fmt: skip
def test_bad_flag_values_as_docker(engine, context, flag):
    docker = docker_build(engine, *flag, ".", cwd=context)
    ours = dshell_build(engine, *flag, ".", cwd=context)
    assert (ours.out, ours.err, ours.status) == (docker.out, docker.err, docker.status)
