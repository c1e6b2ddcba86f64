"""`build` with BuildKit through the Engine's session API (no buildx binary), against the
private engine: what was built is checked from inside the images it made.

RUNs use ``--network none``: the private engine has no bridge (``--bridge=none``), and
BuildKit's default network for RUN is the bridge ("network bridge not found").
The reference for byte-level checks is docker 20.10's own BuildKit client
(/usr/bin/docker with DOCKER_BUILDKIT=1), which speaks the same session protocol.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time

import pytest

from tests import harness

BUILDKIT = {"DOCKER_BUILDKIT": None, "BUILDKIT_PROGRESS": None}
OLD_DOCKER = "/usr/bin/docker"


def dshell_build(engine, *args, cwd=None, input=None):
    return harness.run_dshell(engine, "-c", shlex.join(["build", "--network", "none", *args]),
                              timeout=180, env=BUILDKIT, cwd=cwd, input=input)  # fmt: skip


def write_tree(root, files):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data)
    return root


def run_in(engine, image, *command):
    result = harness.run_docker(engine, "run", "--rm", "--network", "none", image, *command)
    assert result.status == 0, result.err
    return result.out


def image_id(engine, image):
    return harness.run_docker_ok(engine, "image", "inspect", "-f", "{{.Id}}", image).out.strip()


@pytest.fixture(scope="module", autouse=True)
def no_images_left(engine):
    """The images these builds leave untagged (a tag built again) go with the module: a
    BuildKit image that only adds metadata keeps its base's creation time, and the daemon
    lists such ties in random order, which would make other tests' listings differ between
    two runs."""
    yield
    harness.run_docker(engine, "image", "prune", "-f")


@pytest.fixture
def tag(engine):
    name = harness.unique_name("dsh-bk")
    yield name
    harness.run_docker(engine, "image", "rm", "-f", name)


def test_unused_failing_stage_is_never_built(engine, tmp_path, tag):
    dockerfile = (
        "FROM busybox AS broken\nRUN echo never-run && exit 7\n"
        'FROM busybox\nRUN echo built-$((6*7)) > /built\nCMD ["cat", "/built"]\n'
    )
    context = write_tree(tmp_path / "ctx", {"Dockerfile": dockerfile})
    result = dshell_build(engine, "-t", tag, str(context))
    assert result.status == 0, result.err
    assert result.out == ""
    assert "[broken" not in result.err and "never-run" not in result.err
    assert re.search(r"^#\d+ \[stage-1 2/2\] RUN echo built-\$\(\(6\*7\)\) > /built$",
                     result.err, re.M), result.err  # fmt: skip
    assert re.search(rf"^#\d+ naming to docker.io/library/{tag}( \d+\.\ds)? done$", result.err,
                     re.M)  # fmt: skip
    assert harness.run_docker(engine, "run", "--rm", "--network", "none", tag).out == "built-42\n"


def old_docker_build(engine, *args):
    """docker 20.10's own BuildKit client on the same engine."""
    env = {**engine.env, "DOCKER_BUILDKIT": "1"}
    argv = [OLD_DOCKER, "build", "--network", "none", "--progress", "plain", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)


def transfers(text):
    """The final ``transferring … done`` lines of a plain progress, their step numbers and
    times left out (the lines before them are updates whose number depends on timing)."""
    return sorted(re.sub(r"^#\d+ | \d+\.\ds(?= done)", "", line)
                  for line in text.splitlines()
                  if " transferring " in line and line.endswith(" done"))  # fmt: skip


needs_old_docker = pytest.mark.skipif(shutil.which(OLD_DOCKER) is None,
                                      reason="docker 20.10 client not installed")  # fmt: skip


@needs_old_docker
def test_plain_progress_opens_as_buildx_does(engine, tmp_path, tag):
    dockerfile = "FROM busybox\nCOPY a.txt /a.txt\n"
    context = write_tree(tmp_path / "ctx", {"Dockerfile": dockerfile, "a.txt": "a\n"})
    result = dshell_build(engine, "-t", tag, str(context))
    assert result.status == 0, result.err
    blocks = result.err.split("\n\n")
    definition = next(b for b in blocks if "load build definition" in b).splitlines()
    number = definition[0].split()[0]
    assert definition[0] == f"{number} [internal] load build definition from Dockerfile"
    assert re.fullmatch(rf"{number} transferring dockerfile: \d+B( \d\.\ds)? done",
                        definition[1])  # fmt: skip
    assert re.fullmatch(rf"{number} DONE \d\.\ds", definition[2]) and len(definition) == 3
    assert result.err.startswith("#1 ")
    assert re.search(r"^#\d+ \[2/2\] COPY a.txt /a.txt$", result.err, re.M)
    assert re.search(r"\n#\d+ DONE \d+\.\ds\n\Z", result.err), result.err
    # the byte counts the Engine reports are those of docker's own client sending the same
    # files (from another folder: the Engine keeps what it got per folder, and counts only
    # what is sent again)
    twin = write_tree(tmp_path / "twin", {"Dockerfile": dockerfile, "a.txt": "a\n"})
    theirs = old_docker_build(engine, str(twin))
    assert theirs.returncode == 0, theirs.stderr
    assert transfers(result.err) == transfers(theirs.stderr)
    assert len(transfers(result.err)) == 3


def test_target_and_build_args(engine, tmp_path, tag):
    context = write_tree(tmp_path / "ctx", {"Dockerfile": (
        "FROM busybox AS first\nARG GREETING=hello\nARG WHO\n"
        "RUN echo \"$GREETING $WHO\" > /said\n"
        "FROM first AS second\nRUN exit 9\n")})  # fmt: skip
    result = dshell_build(engine, "--target", "first", "--build-arg", "WHO=world", "-t", tag,
                          str(context))  # fmt: skip
    assert result.status == 0, result.err
    assert "exit 9" not in result.err
    assert run_in(engine, tag, "cat", "/said") == "hello world\n"
    result = dshell_build(engine, "--target", "first", "--build-arg", "GREETING=bye",
                          "--build-arg", "WHO=all", "-t", tag, str(context))  # fmt: skip
    assert result.status == 0, result.err
    assert run_in(engine, tag, "cat", "/said") == "bye all\n"


def test_dockerignore_keeps_files_out_of_the_image(engine, tmp_path, tag):
    files = {
        "Dockerfile": "FROM busybox\nCOPY . /ctx\n",
        ".dockerignore": "*.log\n**/*.tmp\nsecret\n!secret/public.txt\ndocs/**\n!docs/keep.md\n",
        "app.py": "x", "debug.log": "x", "sub/trace.log": "x", "sub/deep/cache.tmp": "x",
        "sub/deep/keep.txt": "x", "secret/key.pem": "x", "secret/public.txt": "x",
        "docs/a.md": "x", "docs/keep.md": "x",
    }  # fmt: skip
    context = write_tree(tmp_path / "ctx", files)
    result = dshell_build(engine, "-t", tag, str(context))
    assert result.status == 0, result.err
    listing = run_in(engine, tag, "busybox", "find", "/ctx", "-type", "f")
    assert sorted(listing.split()) == [
        "/ctx/.dockerignore", "/ctx/Dockerfile", "/ctx/app.py", "/ctx/docs/keep.md",
        "/ctx/secret/public.txt", "/ctx/sub/deep/keep.txt", "/ctx/sub/trace.log"]  # fmt: skip
    # the context is sent owned by root, whoever owns the files here
    assert run_in(engine, tag, "busybox", "stat", "-c", "%u:%g", "/ctx/app.py") == "0:0\n"


def test_dockerfile_elsewhere_and_on_stdin(engine, tmp_path, tag):
    context = write_tree(tmp_path / "ctx", {"data.txt": "from the context\n"})
    elsewhere = write_tree(tmp_path / "df", {"Build.file": "FROM busybox\nCOPY data.txt /\n"})
    result = dshell_build(engine, "-f", str(elsewhere / "Build.file"), "-t", tag, str(context))
    assert result.status == 0, result.err
    assert run_in(engine, tag, "cat", "/data.txt") == "from the context\n"
    result = dshell_build(engine, "-f", "-", "-t", tag, str(context),
                          input="FROM busybox\nCOPY data.txt /copied\n")  # fmt: skip
    assert result.status == 0, result.err
    assert run_in(engine, tag, "cat", "/copied") == "from the context\n"


def test_failing_step_shows_its_output_and_docker_words(engine, tmp_path):
    context = write_tree(
        tmp_path / "ctx",
        {"Dockerfile": "FROM busybox\nRUN echo out-line && echo err-line >&2 && exit 3\n"},
    )
    result = dshell_build(engine, str(context))
    assert result.status == 1
    assert result.out == ""
    step = "[2/2] RUN echo out-line && echo err-line >&2 && exit 3"
    message = ("executor failed running [/bin/sh -c echo out-line && echo err-line >&2 && "
               "exit 3]: exit code: 3")  # fmt: skip
    # the RUN's block: its two lines (stdout and stderr, in the order the Engine got them),
    # each with its time since the step started, then the error
    block = re.search(rf"^(#\d+) {re.escape(step)}\n((?:\1 \d\.\d{{3}} .*\n)+)"
                      rf"\1 ERROR: {re.escape(message)}\n", result.err, re.M)  # fmt: skip
    assert block, result.err
    assert sorted(line.split()[-1] for line in block.group(2).splitlines()) == [
        "err-line", "out-line"]  # fmt: skip
    tail = re.search(rf"------\n > {re.escape(step)}:\n((?:\d\.\d{{3}} .*\n)+)------\n",
                     result.err)  # fmt: skip
    assert tail, result.err
    assert sorted(line.split()[-1] for line in tail.group(1).splitlines()) == [
        "err-line", "out-line"]  # fmt: skip
    assert result.err.endswith(f"ERROR: failed to solve: {message}\n")


def test_quiet_prints_the_image_id_and_iidfile_keeps_it(engine, tmp_path, tag):
    context = write_tree(tmp_path / "ctx", {"Dockerfile": "FROM busybox\nRUN echo q > /q\n"})
    iid = tmp_path / "iid"
    iid.write_text("stale")
    result = dshell_build(engine, "-q", "--iidfile", str(iid), "-t", tag, str(context))
    assert result.status == 0, result.err
    assert result.err == ""
    assert result.out == image_id(engine, tag) + "\n"
    assert iid.read_text() == image_id(engine, tag)
    failing = write_tree(tmp_path / "bad", {"Dockerfile": "FROM busybox\nRUN exit 4\n"})
    quiet = dshell_build(engine, "-q", str(failing))
    assert quiet.status == 1 and quiet.out == ""
    assert "ERROR: failed to solve: executor failed running [/bin/sh -c exit 4]: exit code: 4\n" \
        in quiet.err  # fmt: skip
    assert "RUN exit 4" in quiet.err


@needs_old_docker
def test_same_cache_keys_as_dockers_own_buildkit_client(engine, tmp_path, tag):
    """docker 20.10's BuildKit client builds first; dshell's build of the same context is
    then all cache hits and names the same image: the context dshell sent (names, modes,
    owners, contents) hashes as docker's did."""
    context = write_tree(tmp_path / "ctx", {
        "Dockerfile": "FROM busybox\nCOPY . /ctx\nRUN ls -lR /ctx > /listing\n",
        "run.sh": "#!/bin/sh\necho hi\n", "sub/data.bin": "0123456789" * 1000,
        ".dockerignore": "*.skip\n", "x.skip": "no\n",
    })  # fmt: skip
    (context / "run.sh").chmod(0o755)
    first = old_docker_build(engine, "-t", tag, str(context))
    assert first.returncode == 0, first.stderr
    theirs = image_id(engine, tag)
    harness.run_docker_ok(engine, "image", "rm", tag)
    ours = dshell_build(engine, "-t", tag, str(context))
    assert ours.status == 0, ours.err
    assert image_id(engine, tag) == theirs
    assert re.search(r"^#\d+ \[3/3\] RUN ls -lR /ctx > /listing\n#\d+ CACHED$", ours.err, re.M)


@pytest.mark.parametrize("setting", [None, "1", "true"])
def test_buildkit_without_buildx_has_no_legacy_notice(engine, tmp_path, setting):
    """Without buildx docker 28 warns (unset) or refuses (DOCKER_BUILDKIT=1); dshell builds
    with its own BuildKit client instead. DOCKER_BUILDKIT=0 keeps the classic builder."""
    context = write_tree(tmp_path / "ctx", {"Dockerfile": "FROM busybox\n"})
    env = {"DOCKER_BUILDKIT": setting}
    shown = harness.run_dshell(engine, "-c", "build --help", env=env)
    assert shown.status == 0 and shown.err == ""
    assert shown.out.startswith("Usage:  docker build [OPTIONS] PATH | URL | -\n")
    built = harness.run_dshell(engine, "-c", f"build -q {shlex.quote(str(context))}", env=env)
    assert built.status == 0 and built.err == "", built.err
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", built.out)
    legacy = harness.run_dshell(engine, "-c", f"build {shlex.quote(str(context))}",
                                env={"DOCKER_BUILDKIT": "0"})  # fmt: skip
    assert legacy.status == 0
    assert legacy.err.startswith("DEPRECATED: The legacy builder is deprecated")
    assert "Step 1/1 : FROM busybox\n" in legacy.out


def test_cache_mount_is_kept_between_builds(engine, tmp_path, tag):
    context = write_tree(tmp_path / "ctx", {"Dockerfile": (
        "FROM busybox\nARG N\nRUN --mount=type=cache,target=/cache "
        "echo run-$N >> /cache/log && cat /cache/log > /seen\n")})  # fmt: skip
    for number in ("1", "2"):
        result = dshell_build(engine, "-q", "--build-arg", f"N={number}", "-t", tag, str(context))
        assert result.status == 0, result.err
    assert run_in(engine, tag, "cat", "/seen") == "run-1\nrun-2\n"
    assert run_in(engine, tag, "ls", "/cache") == ""  # the cache is not in the image


def spawn_build(engine, args, env=None, columns=100):
    """dshell's build in a pseudo-terminal, BuildKit's settings as the test gives them."""
    import pexpect

    argv = [*harness.DSHELL_COMMAND, "-c", shlex.join(["build", "--network", "none", *args])]
    environment = {k: v for k, v in engine.env.items() if k not in BUILDKIT}
    environment.update(env or {})
    return pexpect.spawn(argv[0], argv[1:], env=environment, dimensions=(30, columns),
                         encoding="utf-8", timeout=120)  # fmt: skip


def read_all(child) -> str:
    import pexpect

    data = ""
    while True:
        try:
            data += child.read_nonblocking(65536, timeout=120)
        except pexpect.EOF:
            child.close()
            return data


def test_terminal_shows_the_building_view(engine, tmp_path, tag):
    import pyte

    context = write_tree(tmp_path / "ctx", {"Dockerfile": (
        "FROM busybox\nRUN for i in 1 2 3 4 5; do echo tick-$i; sleep 0.3; done\n")})  # fmt: skip
    child = spawn_build(engine, ["--no-cache", "-t", tag, str(context)])
    data = read_all(child)
    assert child.exitstatus == 0, data
    screen = pyte.Screen(100, 30)
    pyte.Stream(screen).feed(data)
    lines = [line.rstrip() for line in screen.display if line.strip()]
    assert re.fullmatch(r"\[\+\] Building \d+\.\ds \((\d+)/\1\) FINISHED", lines[0]), lines
    step = r" => \[2/2\] RUN for i in 1 2 3 4 5; do echo tick-\$i; sleep 0\.3; done +1\.\ds"
    assert any(re.fullmatch(step, line) for line in lines), lines
    assert re.fullmatch(rf" => => naming to docker.io/library/{tag} +0\.\ds", lines[-1]), lines
    assert all(len(line) <= 100 for line in lines)
    # while the loop ran its output showed beneath it; the last drawing leaves it out
    assert " => => # tick-1" in data and "tick-1" not in "\n".join(lines)
    assert "\x1b[34m" in data  # steps done in progressui's blue


def test_ctrl_c_cancels_the_build_on_the_engine(engine, tmp_path):
    context = write_tree(
        tmp_path / "ctx", {"Dockerfile": "FROM busybox\nRUN echo started && sleep 60\n"}
    )
    child = spawn_build(engine, ["--no-cache", str(context)], env={"BUILDKIT_PROGRESS": "plain"})
    child.expect(r"#\d+ \d\.\d{3} started")
    begun = time.monotonic()
    child.sendintr()
    rest = read_all(child)
    assert time.monotonic() - begun < 20  # not the 60 s of the step
    assert child.exitstatus == 1
    assert re.search(r"#\d+ CANCELED\r$", rest, re.M), rest
    assert rest.endswith("ERROR: failed to solve: context canceled\r\n"), rest


def test_from_a_registry_that_needs_login(engine, auth_registry, tmp_path, tag):
    """The Engine asks the session for the registry's credentials; dshell answers from
    config.json as docker's auth provider does. Logged out, the pull is refused."""
    config = tmp_path / "config"
    logged_in = {"DOCKER_CONFIG": str(config)}
    harness.run_docker_ok(engine, "login", "-u", auth_registry.username, "--password-stdin",
                          auth_registry.address, input=auth_registry.password + "\n",
                          env=logged_in)  # fmt: skip
    image = f"{auth_registry.address}/{harness.unique_name('bk-auth')}:1"
    harness.run_docker_ok(engine, "tag", "busybox", image)
    harness.run_docker_ok(engine, "push", image, env=logged_in)
    harness.run_docker_ok(engine, "image", "rm", image)
    context = write_tree(tmp_path / "ctx", {"Dockerfile": f"FROM {image}\nRUN echo p > /p\n"})
    argv = ["build", "--network", "none", "-q", "-t", tag, str(context)]
    refused = harness.run_dshell(engine, "-c", shlex.join(argv), env=BUILDKIT, timeout=180)
    assert refused.status == 1 and "ERROR: failed to solve: " in refused.err
    assert "401 Unauthorized" in refused.err or "no basic auth credentials" in refused.err, \
        refused.err  # fmt: skip
    pulled = harness.run_dshell(engine, "-c", shlex.join(argv), env={**BUILDKIT, **logged_in},
                                timeout=180)  # fmt: skip
    assert pulled.status == 0, pulled.err
    assert run_in(engine, tag, "cat", "/p") == "p\n"
    harness.run_docker(engine, "image", "rm", image)


def test_secret_from_a_file_and_from_the_environment(engine, tmp_path, tag):
    import hashlib

    context = write_tree(tmp_path / "ctx", {"Dockerfile": (
        "FROM busybox\n"
        "RUN --mount=type=secret,id=token sha256sum /run/secrets/token | cut -c1-64 > /file\n"
        "RUN --mount=type=secret,id=API_KEY sha256sum /run/secrets/API_KEY | cut -c1-64 > /env\n"
        "RUN ls /run/secrets > /listed 2>&1 || true\n")})  # fmt: skip
    (tmp_path / "token.txt").write_text("from-a-file")
    args = ["build", "--network", "none", "-q", "--secret", f"id=token,src={tmp_path}/token.txt",
            "--secret", "id=API_KEY,env=API_KEY", "-t", tag, str(context)]  # fmt: skip
    result = harness.run_dshell(engine, "-c", shlex.join(args), timeout=180,
                                env={**BUILDKIT, "API_KEY": "from-the-env"})  # fmt: skip
    assert result.status == 0, result.err
    digest = lambda text: hashlib.sha256(text.encode()).hexdigest() + "\n"  # noqa: E731
    assert run_in(engine, tag, "cat", "/file") == digest("from-a-file")
    assert run_in(engine, tag, "cat", "/env") == digest("from-the-env")
    assert run_in(engine, tag, "cat", "/listed") == ""  # mounted for its RUN only
    history = harness.run_docker_ok(engine, "history", "--no-trunc", tag).out
    assert "from-a-file" not in history and "from-the-env" not in history
    missing = dshell_build(engine, "--secret", "id=x,src=/nonexistent/secret", str(context))
    assert missing.status == 1
    assert missing.err == ("ERROR: failed to read secret x: No such file or directory: "
                           "/nonexistent/secret\n")  # fmt: skip


def test_output_local_and_tar(engine, tmp_path):
    import io
    import tarfile

    context = write_tree(tmp_path / "ctx", {"Dockerfile": (
        "FROM busybox AS made\nRUN mkdir /out && echo made > /out/result\n"
        "FROM scratch\nCOPY --from=made /out /\n")})  # fmt: skip
    dest = tmp_path / "dest"
    local = dshell_build(engine, "-o", f"type=local,dest={dest}", str(context))
    assert local.status == 0, local.err
    assert re.search(r"^#\d+ exporting to client$", local.err, re.M), local.err
    assert (dest / "result").read_text() == "made\n"
    bare = dshell_build(engine, "--output", str(tmp_path / "bare"), str(context))
    assert bare.status == 0 and (tmp_path / "bare" / "result").read_text() == "made\n"
    argv = [*harness.DSHELL_COMMAND, "-c", shlex.join(["build", "--network", "none", "-o", "-",
                                                       str(context)])]  # fmt: skip
    env = {k: v for k, v in engine.env.items() if k not in BUILDKIT}
    done = subprocess.run(argv, env=env, capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        assert archive.extractfile("result").read() == b"made\n"
    many = dshell_build(engine, "-o", "a", "-o", "b", str(context))
    assert (many.status, many.err) == (1, "ERROR: multiple outputs not supported\n")


def test_context_files_arrive_whole(engine, tmp_path):
    """A file longer than several of the sender's batches (and not a multiple of a packet),
    an empty one and many small ones reach the build byte for byte."""
    from dshell.buildkit.filesync import CHUNK, SEND_BATCH

    context = tmp_path / "ctx"
    files = {"big.bin": os.urandom(3 * SEND_BATCH + CHUNK + 123), "empty": b""}
    files.update({f"small/{i:03d}": os.urandom(i * 37) for i in range(60)})
    for name, data in files.items():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_bytes(data)
    (context / "Dockerfile").write_text(
        "FROM busybox AS made\nRUN --mount=type=bind,target=/ctx mkdir /out && "
        "cat /ctx/big.bin > /out/big.bin && cat /ctx/empty > /out/empty && "
        "cd /ctx/small && for f in *; do cat $f; done > /out/small\n"
        "FROM scratch\nCOPY --from=made /out /\n")  # fmt: skip
    dest = tmp_path / "dest"
    done = dshell_build(engine, "-o", f"type=local,dest={dest}", str(context))
    assert done.status == 0, done.err
    assert (dest / "big.bin").read_bytes() == files["big.bin"]
    assert (dest / "empty").read_bytes() == b""
    small = b"".join(files[f"small/{i:03d}"] for i in range(60))
    assert (dest / "small").read_bytes() == small


def test_progress_flag(engine, tmp_path):
    context = write_tree(tmp_path / "ctx", {"Dockerfile": "FROM busybox\n"})
    quiet = dshell_build(engine, "--progress", "quiet", str(context))
    assert quiet.status == 0 and quiet.err == "" and quiet.out == ""
    plain = dshell_build(engine, "--progress=plain", str(context))
    assert plain.status == 0 and plain.err.startswith("#1 ")
    bad = dshell_build(engine, "--progress", "fancy", str(context))
    assert (bad.status, bad.err) == (1, 'ERROR: invalid progress mode "fancy"\n')


def test_progress_rawjson_is_one_solve_status_a_line(engine, tmp_path):
    """--progress rawjson: each status update as a JSON line on standard error, as buildx's
    rawjson display writes client.SolveStatus; the RUN's vertex named, completed, and its
    output in the logs' base64 data."""
    import base64
    import json

    token = harness.unique_name("raw")
    context = write_tree(tmp_path / "ctx", {"Dockerfile": f"FROM busybox\nRUN echo {token}\n"})
    result = dshell_build(engine, "--no-cache", "--progress", "rawjson", str(context))
    assert result.status == 0, result.err
    assert result.out == ""
    lines = result.err.splitlines()
    assert result.err.endswith("\n") and len(lines) > 3
    updates = [json.loads(line) for line in lines]
    assert all(set(u) <= {"vertexes", "statuses", "logs", "warnings"} and u for u in updates)
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z"
    vertexes = [v for u in updates for v in u.get("vertexes", [])]
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", v["digest"]) for v in vertexes)
    for v in vertexes:
        assert list(v) == [k for k in ("digest", "inputs", "name", "started", "completed",
                                       "cached", "error", "progressGroup") if k in v]  # fmt: skip
        assert all(re.fullmatch(stamp, v[k]) for k in ("started", "completed") if k in v)
    run_name = f"[2/2] RUN echo {token}"
    run = [v for v in vertexes if v.get("name") == run_name]
    assert run and "completed" in run[-1] and "error" not in run[-1], run
    digest = run[-1]["digest"]
    assert run[-1]["inputs"] and all(i.startswith("sha256:") for i in run[-1]["inputs"])
    definition = [v for v in vertexes if v["name"].startswith("[internal] load build definition")]
    assert definition and "completed" in definition[-1]
    logs = [log for u in updates for log in u.get("logs", []) if log.get("vertex") == digest]
    assert b"".join(base64.b64decode(log["data"]) for log in logs) == f"{token}\n".encode()
    assert all(log["stream"] == 1 and re.fullmatch(stamp, log["timestamp"]) for log in logs)
    statuses = [s for u in updates for s in u.get("statuses", [])]
    assert any(s["id"].startswith("transferring ") and s["current"] > 0 for s in statuses)
    assert all(list(s)[:1] == ["id"] and re.fullmatch(stamp, s["timestamp"]) for s in statuses)
    assert any(v["name"].startswith("[1/2] FROM docker.io/library/busybox") for v in vertexes)


@pytest.mark.parametrize("args", [
    ["--secret", "id=x", "."], ["--ssh", "default", "."], ["-o", "out", "."],
    ["-qo", "out", "."], ["--output=out", "."], ["--progress", "plain", "."],
    ["--progress=rawjson"], ["-m", "1x", "--secret", "x", "."], ["--secret", "x", "-m", "1x"],
    ["image", "build", "--ssh", "default", "."],
])  # fmt: skip
def test_classic_builder_refuses_the_buildkit_flags_as_docker(engine, tmp_path, args):
    """DOCKER_BUILDKIT=0: docker 28's legacy build has no --secret, --ssh, -o/--output or
    --progress; pflag refuses the first of them where it stands (after a bad value before
    it, before the argument count), with the legacy notice, the usage lines and status 125."""
    write_tree(tmp_path, {"Dockerfile": "FROM busybox\n"})
    words = args if args[0] == "image" else ["build", *args]
    env = {"DOCKER_BUILDKIT": "0"}
    docker = harness.run_docker(engine, *words, env=env, cwd=tmp_path)
    ours = harness.run_dshell(engine, "-c", shlex.join(words), env=env, cwd=tmp_path)
    assert (ours.out, ours.err, ours.status) == (docker.out, docker.err, docker.status)
    assert docker.status == 125 and ("unknown " in docker.err) != (args[0] == "-m")


@pytest.fixture
def ssh_agent(tmp_path):
    """An ssh-agent of the test's own holding one new key; its socket and the key's line."""
    for tool in ("ssh-agent", "ssh-add", "ssh-keygen"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: install Debian's openssh-client (tests/run does)")
    folder = tmp_path / "agent"
    folder.mkdir()
    sock = folder / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dshell-test",
                        "-f", str(folder / "key")], check=True)  # fmt: skip
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", "-q", str(folder / "key")], env=env, check=True,
                       capture_output=True)  # fmt: skip
        listed = subprocess.run(["ssh-add", "-l"], env=env, check=True, capture_output=True,
                                text=True).stdout  # fmt: skip
        yield sock, listed
    finally:
        agent.terminate()
        agent.wait(timeout=10)


def test_ssh_agent_is_reachable_from_a_run(engine, tmp_path, tag, ssh_agent):
    """ssh-add (with the libraries it needs) runs inside the build and lists the agent's key
    through the session: the agent's bytes relayed both ways."""
    sock, listed = ssh_agent
    root = tmp_path / "ctx" / "root"
    binary = shutil.which("ssh-add")
    needed = [binary]
    for line in subprocess.run(["ldd", binary], capture_output=True, text=True).stdout.split("\n"):
        found = re.search(r"(/\S+) \(0x", line)
        if found:
            needed.append(found.group(1))
    for path in needed:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(path), target)
    run = (
        f'RUN --mount=type=ssh {binary} -l > /keys; echo "$SSH_AUTH_SOCK" > /sock; '
        f"{binary} -D > /removed 2>&1; {binary} -l > /after\n"
    )  # read-only: -D refused
    write_tree(tmp_path / "ctx", {"Dockerfile": "FROM busybox\nCOPY root/ /\n" + run})
    argv = ["build", "--network", "none", "-q", "--ssh", "default", "-t", tag,
            str(tmp_path / "ctx")]  # fmt: skip
    result = harness.run_dshell(engine, "-c", shlex.join(argv), timeout=180,
                                env={**BUILDKIT, "SSH_AUTH_SOCK": str(sock)})  # fmt: skip
    assert result.status == 0, result.err
    assert "dshell-test" in listed
    assert run_in(engine, tag, "cat", "/keys") == listed
    assert run_in(engine, tag, "cat", "/after") == listed
    assert run_in(engine, tag, "cat", "/removed") == "Failed to remove all identities.\n"
    host = subprocess.run(["ssh-add", "-l"], env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
                          capture_output=True, text=True).stdout  # fmt: skip
    assert host == listed
    assert run_in(engine, tag, "cat", "/sock").startswith("/run/buildkit/ssh_agent.")
    unset = harness.run_dshell(engine, "-c", shlex.join([
        "build", "--network", "none", "--ssh", "default", str(tmp_path / "ctx")]),
        env={**BUILDKIT, "SSH_AUTH_SOCK": None})  # fmt: skip
    assert (unset.status, unset.err) == (
        1,
        "ERROR: invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set\n",
    )


def copy_with_libraries(root, *binaries):
    """Host binaries and the libraries ldd names, under ``root`` (busybox has no ssh tools)."""
    needed = list(binaries)
    for binary in binaries:
        listing = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
        needed += [m.group(1) for m in re.finditer(r"(/\S+) \(0x", listing)]
    for path in needed:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(path), target)


KINDS = ("ed25519", "rsa", "ecdsa")


def test_ssh_key_files_are_served_by_dshells_own_agent(engine, tmp_path, tag):
    """--ssh default=KEY,KEY: inside the RUN, ssh-add lists both keys (no comments, as
    BuildKit's keyring) and ssh-keygen -Y sign signs with each through the agent; the
    signatures verify on the host against the public halves."""
    add, keygen = shutil.which("ssh-add"), shutil.which("ssh-keygen")
    assert add and keygen, "install Debian's openssh-client (tests/run does)"
    context = tmp_path / "ctx"
    copy_with_libraries(context / "root", add, keygen)
    write_tree(context, {"root/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"})  # getpwuid
    keys = []
    for kind in KINDS:
        key = tmp_path / f"id_{kind}"
        subprocess.run([keygen, "-q", "-t", kind, "-N", "", "-C", f"c-{kind}", "-f", str(key)],
                       check=True)  # fmt: skip
        shutil.copy(f"{key}.pub", context / "root" / f"{kind}.pub")
        keys.append(key)
    signs = "; ".join(f"echo {kind} > /{kind}.data; {keygen} -Y sign -f /{kind}.pub -n file "
                      f"/{kind}.data 2>/{kind}.err" for kind in KINDS)  # fmt: skip
    write_tree(context, {"Dockerfile": "FROM busybox\nCOPY root/ /\n"
                         f"RUN --mount=type=ssh {add} -l > /keys; {signs}; true\n"})  # fmt: skip
    argv = ["build", "--network", "none", "-q", "--ssh", f"default={keys[0]},{keys[1]}",
            "--ssh", f"other={keys[2]}", "-t", tag, str(context)]  # fmt: skip
    result = harness.run_dshell(engine, "-c", shlex.join(argv), timeout=180, env=BUILDKIT)
    assert result.status == 0, result.err
    listed = run_in(engine, tag, "cat", "/keys").splitlines()
    expected = []
    for key in keys[:2]:
        bits, digest, *_rest, kind = subprocess.run(
            [keygen, "-l", "-f", f"{key}.pub"], capture_output=True, text=True, check=True
        ).stdout.split()  # fmt: skip
        expected.append(f"{bits} {digest}  {kind}")
    assert listed == expected

    def verify(kind, signature_file):
        signature = tmp_path / f"{kind}.sig"
        signature.write_text(run_in(engine, tag, "cat", signature_file))
        allowed = tmp_path / "allowed"
        allowed.write_text(f"me {(tmp_path / f'id_{kind}.pub').read_text()}")
        verified = subprocess.run([keygen, "-Y", "verify", "-f", str(allowed), "-I", "me", "-n",
                                   "file", "-s", str(signature)], input=f"{kind}\n",
                                  capture_output=True, text=True)  # fmt: skip
        assert verified.returncode == 0, (kind, verified.stderr)

    verify("ed25519", "/ed25519.data.sig")
    verify("rsa", "/rsa.data.sig")
    # the ecdsa key is the other ID's: not in the default agent
    assert "No private key found" in run_in(engine, tag, "cat", "/ecdsa.err")
    other = (
        "FROM busybox\nCOPY root/ /\n"
        f"RUN --mount=type=ssh,id=other echo ecdsa > /e.data && {keygen} -Y sign -f /ecdsa.pub"
        " -n file /e.data\n"
    )
    write_tree(context, {"Dockerfile": other})
    again = harness.run_dshell(engine, "-c", shlex.join(argv), timeout=180, env=BUILDKIT)
    assert again.status == 0, again.err
    verify("ecdsa", "/e.data.sig")
    locked = tmp_path / "locked"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "pw", "-f", str(locked)], check=True)
    line = shlex.join(["build", "--ssh", f"k={locked}", str(context)])
    refused = harness.run_dshell(engine, "-c", line, env=BUILDKIT)
    assert (refused.status, refused.err) == (1, (
        f'ERROR: failed to convert agent config for ID: "k": failed to parse {locked}: '
        "ssh: this private key is passphrase protected\n"))  # fmt: skip


def test_tar_context_and_dockerfile_on_stdin(engine, tmp_path, tag):
    import io
    import tarfile

    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w") as archive:
        for name, data in (("Build.file", b"FROM busybox\nCOPY a /from-tar\n"), ("a", b"tar\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    result = dshell_build(engine, "-f", "Build.file", "-t", tag, "-", input=packed.getvalue())
    assert result.status == 0, result.err
    assert run_in(engine, tag, "cat", "/from-tar") == "tar\n"
    alone = dshell_build(engine, "-q", "-t", tag, "-", input="FROM busybox\nRUN echo x > /x\n")
    assert alone.status == 0, alone.err
    assert run_in(engine, tag, "cat", "/x") == "x\n"
