"""Differential tests for the container commands beyond run/create/exec/attach/start.

Commands that change a container's state run twice on identical scenes: docker on one, dshell
on a fresh copy made the same way and given the same name, so both print the same names.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import tarfile
import time

import pytest

from tests import harness

SLEEPER = ("--network", "none", "busybox", "sleep", "600")


def usage_message(err):
    """Standard error as it is: usage errors are docker 28's words, usage block and pointer to
    the help included (test_docker_words sweeps them all)."""
    return err


def without_ids(text):
    """Scenes rebuilt for each tool have different container IDs."""
    return re.sub(r"\b[0-9a-f]{64}\b", "<id>", text)


def same(engine, *args, input=None):
    return harness.assert_same(engine, *args, input=input, stderr=usage_message)


def docker(engine, *args):
    return harness.run_docker_ok(engine, *args).out


def remove(engine, *names):
    harness.run_docker(engine, "rm", "-f", *names)


def on_fresh_scenes(engine, setup, args, input=None):
    """Run ``args`` through docker, rebuild the scene, run them through dshell; compare."""
    results = []
    for runner in (harness.run_docker, _run_dshell_line):
        names = setup()
        try:
            results.append(runner(engine, *args, input=input))
        finally:
            remove(engine, *names)
    pair = harness.assert_alike(harness.Differential(*results),
                                stderr=lambda err: without_ids(usage_message(err)))
    return pair.dshell


def _run_dshell_line(engine, *args, input=None):
    return harness.run_dshell(engine, "-c", shlex.join(args), input=input)


@pytest.fixture
def names():
    return [harness.unique_name("cc") for _ in range(3)]


def sleepers(engine, *names, paused=()):
    def setup():
        for name in names:
            docker(engine, "run", "-d", "--name", name, *SLEEPER)
        for name in paused:
            docker(engine, "pause", name)
        return names

    return setup


# -- several targets: each success on stdout, each failure on stderr, status 1 ---------------
def test_stop_several_with_a_missing_one(engine, names):
    a, b, _ = names
    on_fresh_scenes(engine, sleepers(engine, a, b), ["stop", "-t", "1", a, "nope-" + a, b])


def test_kill_signal_and_bad_signal(engine, names):
    a, b, _ = names
    on_fresh_scenes(engine, sleepers(engine, a, b), ["kill", "-s", "KILL", a, b])
    on_fresh_scenes(engine, sleepers(engine, a), ["kill", "-s", "FOO", a])
    on_fresh_scenes(engine, sleepers(engine, a), ["container", "kill", "nope-" + a, a])


def test_restart_and_its_timeout_flag(engine, names):
    a, _, _ = names
    result = on_fresh_scenes(engine, sleepers(engine, a), ["restart", "-t", "0", a])
    assert result.out == a + "\n"
    on_fresh_scenes(engine, sleepers(engine, a), ["restart", "-t", "x", a])


def test_rm_running_needs_force_and_force_ignores_missing(engine, names):
    a, b, _ = names
    result = on_fresh_scenes(engine, sleepers(engine, a), ["rm", a])
    assert result.status == 1 and "Stop the container before attempting removal" in result.err
    on_fresh_scenes(engine, sleepers(engine, a, b), ["rm", "-f", "-v", a, "nope-" + a, b])
    same(engine, "container", "remove", "-f", "nope-" + a)
    same(engine, "rm", "/")


def test_pause_and_unpause(engine, names):
    a, b, _ = names
    on_fresh_scenes(engine, sleepers(engine, a, b, paused=[b]), ["pause", a, b])
    on_fresh_scenes(engine, sleepers(engine, a, b, paused=[b]), ["unpause", a, b])


def test_wait_prints_exit_codes_in_order(engine, names):
    a, b, _ = names

    def setup():
        harness.run_docker(engine, "run", "--name", a, "--network", "none", "busybox", "sh",
                           "-c", "exit 3")  # fmt: skip
        docker(engine, "run", "--name", b, "--network", "none", "busybox", "true")
        return [a, b]

    result = on_fresh_scenes(engine, setup, ["wait", a, "nope-" + a, b])
    assert result.out == "3\n0\n" and result.status == 1


def test_rename(engine, names):
    a, b, _ = names

    def renaming():
        sleepers(engine, a)()
        return [a, b]

    on_fresh_scenes(engine, renaming, ["rename", a, b])
    on_fresh_scenes(engine, sleepers(engine, a), ["rename", a, a])
    on_fresh_scenes(engine, sleepers(engine, a), ["rename", a, "bad name"])
    same(engine, "rename", "nope-" + a, "x")
    same(engine, "rename", a, "")


# -- read-only views -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sleeper(engine):
    with harness.container(engine, "--network", "none", "busybox", "sh", "-c",
                           "touch /made-here; rm /bin/yes; sleep 600") as made:  # fmt: skip
        deadline = time.monotonic() + 10
        while "/made-here" not in docker(engine, "diff", made.name):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        yield made


@pytest.mark.parametrize(
    "args",
    [
        ["top", "{c}", "-o", "pid,comm,args"],
        ["container", "top", "nope"],
        ["port", "{c}"],
        ["port", "{c}", "80"],
        ["port", "{c}", "80/udp"],
        ["port", "{c}", "abc"],
        ["stats", "--no-stream", "--format", "{{.Name}} {{.Container}} {{.PIDs}}", "{c}", "{c}"],
        ["stats", "--no-stream", "--format", "table {{.Name}}\t{{.ID}}", "{c}"],
        ["stats", "--no-stream", "--format", "{{.Nope}}", "{c}"],
        ["stats", "--no-stream", "nope", "{c}"],
        ["update", "{c}"],
        ["commit", "{c}", "Upper"],
        ["commit", "{c}", "x@sha256:" + "a" * 64],
        ["commit", "-c", "BOGUS x", "{c}"],
        ["logs", "--since", "yesterday", "{c}"],
        ["logs", "nope"],
        ["export", "-o", "/nonexistent-dir/x.tar", "{c}"],
        ["export", "nope"],
    ],
)
def test_views_and_refusals_match_docker(engine, sleeper, args):
    same(engine, *[a.replace("{c}", sleeper.name) for a in args])


def test_top_default_columns(engine, sleeper):
    for _ in range(3):  # the C (cpu) column may tick between the two runs
        pair = harness.differential(engine, "top", sleeper.name)
        if pair.dshell.out == pair.docker.out:
            break
    assert pair.dshell.out == pair.docker.out
    assert pair.dshell.out.startswith("UID ")


def test_diff_lists_the_changes(engine, sleeper):
    """The daemon sends the changes in no fixed order, and docker prints them as sent."""
    pair = harness.differential(engine, "diff", sleeper.name)
    assert sorted(pair.dshell.out.splitlines()) == sorted(pair.docker.out.splitlines())
    assert sorted(pair.dshell.out.splitlines()) == ["A /made-here", "C /bin", "D /bin/yes"]


def test_stats_no_stream_table_has_docker_columns(engine, sleeper):
    pair = harness.differential(engine, "stats", "--no-stream", sleeper.name)
    assert pair.dshell.status == pair.docker.status == 0
    header, row = pair.dshell.out.splitlines()
    assert header == pair.docker.out.splitlines()[0]
    assert row.split()[:2] == pair.docker.out.splitlines()[1].split()[:2]


def test_live_stats_frame_is_docker_s(engine, sleeper):
    """Streaming stats redraw: cursor home, the table, the table again with erase-line, and
    erase-below — read the first frame of each and compare."""
    fmt = "{{.Name}} {{.ID}}"
    frames = []
    for argv in ([harness.DOCKER_CLI, "stats", "--format", fmt, sleeper.name],
                 [*harness.DSHELL_COMMAND, "-c", f"stats --format '{fmt}' {sleeper.name}"]):
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, env=engine.env)
        try:
            data = b""
            deadline = time.monotonic() + 15
            while b"\x1b[J" not in data and time.monotonic() < deadline:
                data += os.read(process.stdout.fileno(), 4096)
        finally:
            process.kill()
            process.wait()
        frames.append(data[: data.index(b"\x1b[J") + 3])
    assert frames[1] == frames[0]
    assert frames[0].startswith(b"\x1b[H" + sleeper.name.encode())


def test_update_flags(engine, names):
    a, b, _ = names
    args = ["update", "--pids-limit", "50", "--cpu-shares", "512", a, "nope", b]
    result = on_fresh_scenes(engine, sleepers(engine, a, b), args)
    assert result.out.startswith(f"{a}\n{b}\n")
    for flag in (["--memory", "1x"], ["--cpus", "abc"], ["--memory-swap", "zz"]):
        pair = harness.differential(engine, "update", *flag, a)
        assert pair.dshell.status == pair.docker.status == 125
        assert usage_message(pair.dshell.err) == usage_message(pair.docker.err)


def test_commit_with_message_author_change(engine, sleeper):
    repo = harness.unique_name("commit")
    result = harness.run_dshell(engine, "-c", shlex.join(
        ["commit", "-m", "a message", "-a", "me <me@x>", "-c", "ENV A=1", "-c", "LABEL l=v",
         "--pause=false", sleeper.name, f"{repo}:v1"]))  # fmt: skip
    try:
        assert result.status == 0, result.err
        assert result.out.startswith("sha256:") and len(result.out.strip()) == 71
        shown = docker(engine, "image", "inspect", "--format",
                       "{{.Comment}}|{{.Author}}|{{.Config.Env}}|{{.Config.Labels}}",
                       f"{repo}:v1")  # fmt: skip
        assert shown.strip() == "a message|me <me@x>|[A=1]|map[l:v]"
    finally:
        harness.run_docker(engine, "rmi", f"{repo}:v1")


def test_container_prune_prompt_and_report(engine, names):
    label = harness.unique_name("prune")

    def setup():
        for name in names[:2]:
            docker(engine, "run", "--name", name, "--label", label, "--network", "none",
                   "busybox", "true")  # fmt: skip
        return names[:2]

    declined = on_fresh_scenes(engine, setup, ["container", "prune", "--filter", "label=" + label],
                               input="n\n")  # fmt: skip
    assert declined.out.endswith("Are you sure you want to continue? [y/N] ")
    on_fresh_scenes(engine, setup, ["container", "prune", "--filter", "label=" + label],
                    input="")  # fmt: skip
    # Accepting: the IDs differ between scenes, so compare the shape and the deletion.
    setup()
    result = harness.run_dshell(engine, "-c", f"container prune --filter label={label}",
                                input="y\n")  # fmt: skip
    lines = result.out.splitlines()
    assert lines[1].endswith("[y/N] Deleted Containers:"), result.out
    assert len(lines[2]) == 64 and len(lines[3]) == 64 and lines[4] == ""
    assert lines[5] == "Total reclaimed space: 0B"
    assert docker(engine, "ps", "-aq", "--filter", "label=" + label) == ""
    same(engine, "container", "prune", "-f", "--filter", "label=" + label)
    same(engine, "container", "prune", "-f", "--filter", "bogus=1")


# -- logs -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def talker(engine):
    script = "for i in 1 2 3 4; do echo out$i; echo err$i >&2; done; printf 'no newline'"
    with harness.container(engine, "--network", "none", "busybox", "sh", "-c", script) as made:
        docker(engine, "wait", made.name)
        yield made


@pytest.mark.parametrize(
    "flags",
    [[], ["--tail", "3"], ["-n", "0"], ["-t"], ["--details"], ["--since", "1h"],
     ["--until", "2000-01-01"], ["--since", "2000-01-01T00:00:00Z"], ["--since", "1700000000"],
     ["--tail", "x"]],
)  # fmt: skip
def test_logs_match_docker_on_each_stream(engine, talker, flags):
    same(engine, "logs", *flags, talker.name)


def test_logs_keep_the_interleaving_on_one_pipe(engine, talker):
    outputs = []
    for argv in ([harness.DOCKER_CLI, "logs", talker.name],
                 [*harness.DSHELL_COMMAND, "-c", f"logs {talker.name}"]):
        done = subprocess.run(argv, env=engine.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)  # fmt: skip
        outputs.append(done.stdout)
    assert outputs[1] == outputs[0]
    assert b"out1\n" in outputs[0] and b"err4\n" in outputs[0]


def test_logs_of_a_tty_container_are_raw(engine):
    with harness.container(engine, "-t", "--network", "none", "busybox", "sh", "-c",
                           "echo tty-line; echo to-err >&2") as made:  # fmt: skip
        docker(engine, "wait", made.name)
        same(engine, "logs", made.name)


# -- cp and export --------------------------------------------------------------------------
@pytest.fixture
def tree(tmp_path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("hello\n")
    (source / "sub" / "b.txt").write_text("deep\n")
    os.symlink("a.txt", source / "link")
    return tmp_path


def _listing(root):
    rows = []
    for directory, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            content = ""
            if os.path.islink(path):
                content = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path) as handle:
                    content = handle.read()
            rows.append((os.path.relpath(path, root), oct(info.st_mode), content))
    return sorted(rows)


TO_CONTAINER = [
    ["{src}", "{c}:/dst1"],
    ["{src}/", "{c}:/made/"],
    ["{src}/.", "{c}:/dot"],
    ["{src}/a.txt", "{c}:/renamed.txt"],
    ["-L", "{src}/link", "{c}:/bin/"],
    ["{src}/link", "{c}:/"],
    ["{src}/a.txt", "{c}:/nonexistent/"],
    ["{src}/a.txt", "{c}:/nonexistent/x"],
    ["/nonexistent-source", "{c}:/"],
    ["-", "{c}:/bin/sh"],
]


@pytest.mark.parametrize("args", TO_CONTAINER)
def test_cp_into_a_container(engine, tree, names, args):
    name = names[0]
    inside = []

    def setup():
        docker(engine, "run", "-d", "--name", name, *SLEEPER)
        return [name]

    for runner in (harness.run_docker, _run_dshell_line):
        setup()
        try:
            argv = [a.format(src=tree / "src", c=name) for a in args]
            result = runner(engine, "cp", *argv, input=b"" if "-" in args else None)
            listing = harness.run_docker(engine, "exec", name, "sh", "-c",
                                         "cd / && ls -lnR dst1 made dot renamed.txt bin/link "
                                         "link 2>&1 | grep -v -e total -e '^ls:'")  # fmt: skip
            inside.append((result.out, _strip_go_log(result.err), result.status,
                           listing.out))  # fmt: skip
        finally:
            remove(engine, name)
    assert inside[1] == inside[0]


def _strip_go_log(text):
    """docker's tar writer logs a level=error line when the daemon hangs up early."""
    return "".join(line for line in text.splitlines(keepends=True) if "level=error" not in line)


FROM_CONTAINER = [
    ["{c}:/dst1", "{out}/got"],
    ["{c}:/dst1/", "{out}/"],
    ["{c}:/dst1/.", "{out}/dotcopy"],
    ["{c}:/dst1/a.txt", "{out}/file.txt"],
    ["{c}:/dst1/link", "{out}/l1"],
    ["-L", "{c}:/dst1/link", "{out}/l2"],
    ["{c}:/dst1/a.txt", "{out}/missing/"],
    ["{c}:/dst1", "{out}/existing.txt"],
    ["{c}:/nonexistent", "{out}/"],
    ["{c}:/dst1/a.txt", "/nonexistent-dir/deeper/x"],
    ["nope-container:/x", "{out}/"],
    ["a", "b"],
    ["a:b", "c:d"],
]


@pytest.mark.parametrize("args", FROM_CONTAINER)
def test_cp_out_of_a_container(engine, tree, names, args):
    name = names[0]
    docker(engine, "run", "-d", "--name", name, *SLEEPER)
    try:
        docker(engine, "cp", str(tree / "src"), f"{name}:/dst1")
        results = []
        for tool, runner in (("docker", harness.run_docker), ("dshell", _run_dshell_line)):
            out = tree / tool
            out.mkdir()
            (out / "existing.txt").write_text("x")
            argv = [a.format(c=name, out=out) for a in args]
            result = runner(engine, "cp", *argv)
            results.append((result.out, result.err.replace(tool, "TOOL"), result.status,
                            _listing(out)))  # fmt: skip
        assert results[1] == results[0]
    finally:
        remove(engine, name)


def test_cp_to_stdout_is_a_tar_stream(engine, tree, names):
    name = names[0]
    docker(engine, "run", "-d", "--name", name, *SLEEPER)
    try:
        docker(engine, "cp", str(tree / "src"), f"{name}:/dst1")
        command = [*harness.DSHELL_COMMAND, "-c", f"cp {name}:/dst1 -"]
        data = subprocess.run(command, env=engine.env, capture_output=True, timeout=60).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            assert sorted(archive.getnames()) == ["dst1", "dst1/a.txt", "dst1/link", "dst1/sub",
                                                  "dst1/sub/b.txt"]  # fmt: skip
        tar = io.BytesIO()
        with tarfile.open(fileobj=tar, mode="w") as archive:
            info = tarfile.TarInfo("piped.txt")
            info.size = 3
            archive.addfile(info, io.BytesIO(b"abc"))
        result = harness.run_dshell(engine, "-c", f"cp - {name}:/dst1", input=tar.getvalue())
        assert result.status == 0, result.err
        assert docker(engine, "exec", name, "cat", "/dst1/piped.txt") == "abc"
    finally:
        remove(engine, name)


def test_export_to_a_file_and_to_a_pipe(engine, sleeper, tmp_path):
    target = tmp_path / "fs.tar"
    result = harness.run_dshell(engine, "-c", f"export -o {target} {sleeper.name}")
    assert result.status == 0 and result.out == "" and result.err == ""
    with tarfile.open(target) as archive:
        names = archive.getnames()
    assert "made-here" in names and "bin/busybox" in names
    piped = subprocess.run([*harness.DSHELL_COMMAND, "-c", f"export {sleeper.name}"],
                           env=engine.env, capture_output=True, timeout=60)  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(piped.stdout)) as archive:
        assert sorted(archive.getnames()) == sorted(names)
