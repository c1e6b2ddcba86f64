"""cp keeps what docker cp keeps, in both directions (issue 10, "nothing lost").

docker and dshell copy the same tree to twin destinations (two containers made alike, or two
host folders), and the results are compared entry by entry through the file system itself, a
container's through /proc/<pid>/root: names as bytes, type, mode, owner, link count, which
names share an inode, symlink target, content, modification time and file capabilities. A copy
that fails must print what docker prints and leave exactly what docker leaves.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import shutil
import socket
import stat
from collections import defaultdict
from pathlib import Path

import pexpect
import pytest

from tests import harness

SLEEPER = ("--network", "none", "busybox", "sleep", "600")
OWNER = (1234, 5678)
#: A version-2 security.capability value: cap_net_raw, permitted.
CAPABILITY = bytes([0, 0, 0, 2, 0, 0x20, 0, 0] + [0] * 12)
ODD_NAMES = ["with space", "new\nline", os.fsdecode(b"caf\xe9-latin1"), "\u00e9t\u00e9 utf-8",
             "n" * 120]  # fmt: skip
#: A name given on the command line: dshell's -c line keeps a newline inside quotes apart (a
#: known limit of its shell layer), so the newline stays in names inside the copied trees.
ODD_TOP = os.fsdecode(b"odd top \xff \xc3\xa9")
#: Whole seconds and a fraction: docker's tar keeps the seconds only.
STAMP_NS = 1_600_000_000_123_456_789


# -- the tree ------------------------------------------------------------------------------
def make_tree(root: Path, with_socket: bool = False) -> None:
    """Under ``root``: ``s`` (hard links within and across folders, modes, owners, symlinks of
    every kind, a fifo, odd names, a capability), ``dirlink`` -> s, a folder with an odd name
    holding a hard-linked pair, and ``escape`` whose symlink points out of any destination."""
    s = root / "s"
    (s / "sub").mkdir(parents=True)
    (s / "sticky").mkdir()
    _file(s / "a", b"alpha\n", 0o640)
    os.link(s / "a", s / "b")
    os.link(s / "a", s / "sub" / "c")
    _file(s / "sub" / "solo", b"solo\n", 0o600)
    os.link(s / "sub" / "solo", s / "twin")
    _file(s / "setuid", b"#!/bin/sh\n", 0o4755)
    _file(s / "empty", b"", 0o400)
    os.chmod(s / "sticky", 0o1777)
    os.chmod(s / "sub", 0o750)
    os.symlink("a", s / "rel")
    os.symlink("/etc/passwd", s / "abs")
    os.symlink("nowhere", s / "dangling")
    os.symlink("sub", s / "dirlink")
    os.mkfifo(s / "pipe", 0o620)
    for name in ODD_NAMES:
        _file(s / name, os.fsencode(name), 0o644)
    os.link(s / ODD_NAMES[1], s / (ODD_NAMES[2] + "-hard"))
    _file(s / "cap", b"cap\n", 0o755)
    with contextlib.suppress(OSError):
        os.setxattr(s / "cap", "security.capability", CAPABILITY)
    for name in ("a", "rel", "sub"):
        os.lchown(s / name, *OWNER)
    if with_socket:
        _bind_socket(s / "sock")
    top = root / ODD_TOP
    top.mkdir()
    _file(top / "x", b"x\n", 0o644)
    os.link(top / "x", top / "y")
    os.symlink("s", root / "dirlink")
    escape = root / "escape"
    escape.mkdir()
    _file(escape / "a", b"a\n", 0o644)
    os.symlink("../../../../../../../../../../x", escape / "m")
    _file(escape / "z", b"z\n", 0o644)
    _stamp(root)


def _file(path: Path, content: bytes, mode: int) -> None:
    path.write_bytes(content)
    os.chmod(path, mode)


def _bind_socket(path: Path) -> None:
    """A unix socket file, bound by its short relative name (socket paths are short)."""
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(path.name)
    finally:
        os.chdir(here)


def _stamp(root: Path) -> None:
    """Distinct, fractional modification times, folders last so that they keep theirs."""
    paths = []
    for directory, dirs, files in os.walk(root):
        paths += [os.path.join(directory, name) for name in dirs + files]
    for index, path in enumerate(sorted(paths, key=lambda p: (-p.count("/"), p))):
        when = STAMP_NS + index * 1_000_000_007
        os.utime(path, ns=(when, when), follow_symlinks=False)


def snapshot(top: str | Path, dir_times: bool = True) -> dict | None:
    """Every entry under ``top`` (``top`` itself as ``.``), by its name as bytes: type, mode,
    owner, link count, size, modification time, symlink target or content digest,
    capability, and the names it shares its inode with. None when ``top`` does not exist.
    Folders' times only with ``dir_times`` (a failed copy leaves them as the clock was), and
    never the time of ``top`` itself when it is a folder: a copy into it changes it."""
    base = os.fsencode(str(top))
    if not os.path.lexists(base):
        return None
    records, inodes = {}, defaultdict(list)

    def visit(path: bytes) -> None:
        info = os.lstat(path)
        name = os.path.relpath(path, base)
        detail = None
        if stat.S_ISLNK(info.st_mode):
            detail = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            detail = hashlib.sha256(Path(os.fsdecode(path)).read_bytes()).hexdigest()
        try:
            capability = os.getxattr(path, "security.capability", follow_symlinks=False)
        except OSError:
            capability = None
        is_dir = stat.S_ISDIR(info.st_mode)
        records[name] = [stat.S_IFMT(info.st_mode), oct(stat.S_IMODE(info.st_mode)),
                         info.st_uid, info.st_gid, info.st_nlink,
                         info.st_size if stat.S_ISREG(info.st_mode) else None,
                         info.st_mtime_ns if dir_times or not is_dir else None,
                         detail, capability]  # fmt: skip
        inodes[(info.st_dev, info.st_ino)].append(name)

    visit(base)
    if stat.S_ISDIR(records[b"."][0]):
        records[b"."][6] = None
    if os.path.isdir(base) and not os.path.islink(base):
        for directory, dirs, files in os.walk(base):
            for name in dirs + files:
                visit(os.path.join(directory, name))
    for group in inodes.values():
        for name in group:
            records[name].append(tuple(sorted(group)))
    return records


# -- running ---------------------------------------------------------------------------------
def run_dshell_line(engine, *args):
    return harness.run_dshell(engine, "-c", shlex.join(args))


RUNNERS = (("docker", harness.run_docker), ("dshell", run_dshell_line))


def container_root(engine, name: str) -> Path:
    pid = harness.run_docker_ok(engine, "inspect", "-f", "{{.State.Pid}}", name).out.strip()
    return Path(f"/proc/{pid}/root")


def told(result, *replacements: tuple[str, str]):
    """What a tool printed and its status, with the scene's own names put in common words and
    the logger's timestamps (and docker's closed-pipe noise) left out."""
    err = re.sub(r'time="[^"]*" ', "", result.err)
    # docker's tar goroutine races with a copy refused before sending: noise, not a message
    err = "".join(line for line in err.splitlines(keepends=True) if "on closed pipe" not in line)
    for old, new in replacements:
        err = err.replace(old, new)
    return result.out, err, result.status


@pytest.fixture(scope="module")
def source(engine, tmp_path_factory):
    """A running container holding the tree under /t, and the same tree on the host."""
    host = tmp_path_factory.mktemp("cp-source")
    make_tree(host, with_socket=True)
    with harness.container(engine, *SLEEPER) as made:
        inside = container_root(engine, made.name) / "t"
        inside.mkdir()
        make_tree(inside)
        yield made, host


# -- host → container -------------------------------------------------------------------------
TO_CONTAINER = [
    (["{src}/s", "{c}:/new"], "/new"),
    (["{src}/s", "{c}:/existing"], "/existing/s"),
    (["{src}/s/", "{c}:/made/"], "/made"),
    (["{src}/s/.", "{c}:/dotnew"], "/dotnew"),
    (["-a", "{src}/s", "{c}:/archived"], "/archived"),
    (["-L", "{src}/dirlink", "{c}:/followed"], "/followed"),
    (["{src}/dirlink/", "{c}:/existing"], "/existing/dirlink"),
    (["{src}/s/sub", "{c}:/existing/renamed"], "/existing/renamed"),
    (["{src}/s/a", "{c}:/single"], "/single"),
    (["{src}/" + ODD_TOP, "{c}:/existing"], "/existing/" + ODD_TOP),
    (["{src}/" + ODD_TOP, "{c}:/" + ODD_NAMES[2]], "/" + ODD_NAMES[2]),
    (["{src}/escape", "{c}:/new"], "/new"),
]


def copy_into_twins(engine, source_dir: Path, args, paths):
    """docker and dshell each run ``cp ARGS`` against a fresh container holding /existing and
    a regular file /file; what they printed and the snapshots of ``paths`` inside."""
    outcomes = []
    for tool, runner in RUNNERS:
        with harness.container(engine, *SLEEPER) as made:
            root = container_root(engine, made.name)
            (root / "existing").mkdir()
            (root / "file").write_bytes(b"file\n")
            for made_here in ("existing", "file"):
                os.utime(root / made_here, ns=(STAMP_NS, STAMP_NS))
            argv = [a.format(src=source_dir, c=made.name) for a in args]
            result = runner(engine, "cp", *argv)
            trees = {path: snapshot(f"{root}{path}", dir_times=result.status == 0)
                     for path in paths}  # fmt: skip
            outcomes.append((tool, told(result, (made.name, "C")), trees))
    return outcomes


@pytest.mark.parametrize(("args", "copied"), TO_CONTAINER)
def test_cp_into_a_container_keeps_everything(engine, source, args, copied):
    _container, host = source
    (_, docker_told, docker_trees), (_, dshell_told, dshell_trees) = copy_into_twins(
        engine, host, args, [copied])
    assert docker_told[2] == 0, docker_told
    assert dshell_told == docker_told
    assert docker_trees[copied] is not None
    assert dshell_trees == docker_trees


def test_hard_links_into_a_new_path_stay_links(engine, source):
    """The issue's case, spelled out: ``cp DIR c:/new`` renames link targets with the entries."""
    _container, host = source
    outcomes = copy_into_twins(engine, host, ["{src}/s", "{c}:/new"], ["/new"])
    for tool, (out, err, status), trees in outcomes:
        tree = trees["/new"]
        assert (out, status) == ("", 0), (tool, err)
        assert "sock" in err and "sockets not supported" in err
        assert tree[b"a"][-1] == (b"a", b"b", b"sub/c"), tool
        assert tree[b"a"][4] == 3 and tree[b"a"][1] == oct(0o640), tool
        assert tree[b"a"][2:4] == list(OWNER), tool
        assert tree[b"twin"][-1] == (b"sub/solo", b"twin"), tool
        assert tree[b"rel"][7] == b"a" and tree[b"abs"][7] == b"/etc/passwd", tool
        assert tree[b"setuid"][1] == oct(0o4755) and tree[b"sticky"][1] == oct(0o1777), tool
        assert tree[b"a"][6] == os.lstat(host / "s" / "a").st_mtime_ns // 10**9 * 10**9, tool
        assert tree[os.fsencode(ODD_NAMES[2] + "-hard")][-1] == tuple(
            sorted([os.fsencode(ODD_NAMES[1]), os.fsencode(ODD_NAMES[2] + "-hard")]))
        assert b"sock" not in tree and stat.S_ISFIFO(tree[b"pipe"][0])


FAILING_INTO = [
    ["{src}/s", "{c}:/missing/new"],
    ["{src}/s", "{c}:/file"],
    ["{src}/s/a", "{c}:/nodir/"],
    ["{src}/nonexistent", "{c}:/new"],
    ["{src}/nonexistent/deeper", "{c}:/new"],
    ["{src}/s/a/deeper", "{c}:/new"],
]


@pytest.mark.parametrize("args", FAILING_INTO)
def test_a_failing_copy_into_a_container_leaves_what_docker_leaves(engine, source, args):
    _container, host = source
    paths = ["/new", "/missing", "/file", "/nodir", "/existing"]
    (_, docker_told, docker_trees), (_, dshell_told, dshell_trees) = copy_into_twins(
        engine, host, args, paths)
    assert docker_told[2] != 0
    assert dshell_told == docker_told
    assert dshell_trees == docker_trees


# -- container → host -------------------------------------------------------------------------
FROM_CONTAINER = [
    (["{c}:/t/s", "{out}/new"], "new"),
    (["{c}:/t/s", "{out}/existing"], "existing/s"),
    (["{c}:/t/s/", "{out}/made"], "made"),
    (["{c}:/t/s/.", "{out}/dotnew"], "dotnew"),
    (["-a", "{c}:/t/s", "{out}/archived"], "archived"),
    (["-L", "{c}:/t/dirlink", "{out}/followed"], "followed"),
    (["{c}:/t/s/sub", "{out}/existing/renamed"], "existing/renamed"),
    (["{c}:/t/s/a", "{out}/single"], "single"),
    # the daemon's tar writer turns bytes that are not UTF-8 into U+FFFD, so the entries no
    # longer start with the name asked for and docker's client renames nothing: "plain" is
    # never made; the whole folder is compared
    (["{c}:/t/" + ODD_TOP, "{out}/plain"], "."),
    (["{c}:/t/s/" + ODD_NAMES[2], "{out}/" + ODD_NAMES[3]], "."),
    (["{c}:/t/" + ODD_TOP, "{out}/existing"], "existing"),
]


def copy_out_to_twins(engine, container, base: Path, args, result_path: str):
    """docker and dshell each run ``cp ARGS`` into their own folder under ``base``, made alike
    (an empty folder ``existing``, a file ``file``, ``clash/s/sub`` a file where the archive
    has a folder, and ``device`` a null device of its own, never the machine's /dev/null);
    what they printed and the snapshot of ``result_path``."""
    outcomes = []
    for tool, runner in RUNNERS:
        out = base / tool
        (out / "existing").mkdir(parents=True)
        (out / "clash" / "s").mkdir(parents=True)
        (out / "clash" / "s" / "sub").write_bytes(b"in the way\n")
        (out / "file").write_bytes(b"file\n")
        os.mknod(out / "device", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        _stamp(out)
        argv = [a.format(c=container.name, out=out) for a in args]
        result = runner(engine, "cp", *argv)
        tree = snapshot(out / result_path, dir_times=result.status == 0)
        outcomes.append((told(result, (str(out), "OUT")), tree))
    return outcomes


@pytest.mark.parametrize(("args", "copied"), FROM_CONTAINER)
def test_cp_out_of_a_container_keeps_everything(engine, source, tmp_path, args, copied):
    container, _host = source
    docker_side, dshell_side = copy_out_to_twins(engine, container, tmp_path, args, copied)
    assert docker_side[0][2] == 0, docker_side[0]
    assert docker_side[1] is not None
    assert dshell_side == docker_side


def test_hard_links_out_to_a_new_path_stay_links(engine, source, tmp_path):
    container, _host = source
    for side in copy_out_to_twins(engine, container, tmp_path, ["{c}:/t/s", "{out}/other"],
                                  "other"):  # fmt: skip
        (_out, _err, status), tree = side
        assert status == 0
        assert tree[b"a"][-1] == (b"a", b"b", b"sub/c") and tree[b"a"][4] == 3
        assert tree[b"a"][2:4] == [0, 0], "docker's client never chowns what it extracts"
        assert tree[b"dangling"][7] == b"nowhere" and tree[b"dirlink"][7] == b"sub"
        assert tree[b"cap"][8] == CAPABILITY


FAILING_OUT = [
    (["{c}:/t/s", "{out}/file"], "."),
    (["{c}:/t/s", "{out}/missing/new"], "."),
    (["{c}:/t/s", "{out}/file/new"], "."),
    (["{c}:/t/s/a", "{out}/missing/"], "."),
    (["{c}:/t/nonexistent", "{out}/new"], "."),
    (["{c}:/t/escape", "{out}/new"], "."),
    (["{c}:/t/s", "{out}/clash"], "."),
    (["{c}:/t/s/a", "{out}/device"], "."),
]


@pytest.mark.parametrize(("args", "watched"), FAILING_OUT)
def test_a_failing_copy_out_leaves_what_docker_leaves(engine, source, tmp_path, args, watched):
    container, _host = source
    docker_side, dshell_side = copy_out_to_twins(engine, container, tmp_path, args, watched)
    assert docker_side[0][2] != 0
    assert dshell_side == docker_side


# -- what a terminal sees ---------------------------------------------------------------------
def on_a_terminal(argv, env):
    child = pexpect.spawn(argv[0], list(argv[1:]), env=dict(env), encoding="utf-8", timeout=60)
    text = child.read()
    child.close()
    return re.sub(r'time="[^"]*" ', "", text), child.exitstatus


def test_copy_summary_on_a_terminal(engine, source, tmp_path):
    """With a terminal on stdout docker 28 reports the archive's size once the copy is done."""
    container, host = source
    root = container_root(engine, container.name)
    seen = []
    for direction in (["{src}/s", "{c}:/summary"], ["{c}:/t/s", "{out}/summary"]):
        for tool in ("docker", "dshell"):
            out = tmp_path / tool
            out.mkdir(exist_ok=True)
            argv = ["cp", *[a.format(src=host, c=container.name, out=out) for a in direction]]
            words = ([harness.DOCKER_CLI, *argv] if tool == "docker"
                     else [*harness.DSHELL_COMMAND, "-c", shlex.join(argv)])  # fmt: skip
            text, status = on_a_terminal(words, engine.env)
            seen.append((text.replace(str(out), "OUT"), status))
            shutil.rmtree(root / "summary", ignore_errors=True)
    into, out_of = seen[:2], seen[2:]
    assert re.search(rf"Successfully copied [0-9.]+kB to {container.name}:/summary\r\n$",
                     into[0][0]), into[0]  # fmt: skip
    assert re.fullmatch(r"Successfully copied [0-9.]+kB to OUT/summary\r\n", out_of[0][0])
    assert into[1] == into[0]
    assert out_of[1] == out_of[0]
