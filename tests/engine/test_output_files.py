"""Files written besides a command's output (issue 10, "nothing lost"): ``save -o``,
``export -o``, ``build --iidfile`` and ``run/create --cidfile``, aimed at a folder, at ``/``, at
places nobody may write (below a regular file, in /sys or /proc), at a symlink, a fifo or a
device, run through docker and through dshell from twin folders made alike. Both must print the
same, exit alike, and leave the folders alike: no temporary file, no half-written archive, no
container ID file for a container that was never made.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import stat
from pathlib import Path

import pytest

from tests import harness

#: Where the output goes, relative to the folder each tool runs in (or absolute).
PLACES = ["emptydir", "fulldir", "fulldir/", "/", "regular/x", "regular/", "nonexist/x",
          "symlink", "dirlink", "fifo", "device", "/sys/x", "/proc/x"]  # fmt: skip


def make_scene(folder: Path) -> None:
    """Folders empty and not, a regular file, symlinks to it and to a folder, a fifo, and a
    null device of the scene's own (the machine's /dev/null is never a target)."""
    folder.mkdir()
    (folder / "emptydir").mkdir()
    (folder / "fulldir").mkdir()
    (folder / "fulldir" / "f").write_bytes(b"f\n")
    (folder / "regular").write_bytes(b"old\n")
    os.symlink("regular", folder / "symlink")
    os.symlink("emptydir", folder / "dirlink")
    os.mkfifo(folder / "fifo")
    os.mknod(folder / "device", stat.S_IFCHR | 0o666, os.makedev(1, 3))


def listing(folder: Path, contents: bool = True) -> dict:
    """Every entry under ``folder``: type, mode, size, symlink target, and a digest of small
    files (ID files; archives are compared by size and mode)."""
    rows = {}
    for directory, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            detail = None
            if stat.S_ISLNK(info.st_mode):
                detail = os.readlink(path)
            elif stat.S_ISREG(info.st_mode) and info.st_size < 4096 and contents:
                detail = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            rows[os.path.relpath(path, folder)] = (
                stat.S_IFMT(info.st_mode), oct(stat.S_IMODE(info.st_mode)),
                info.st_size if stat.S_ISREG(info.st_mode) else None, detail)  # fmt: skip
    return rows


def message(err: str) -> str:
    """Standard error in common words: the legacy builder's notice, ``docker:`` and the
    pointer to ``run --help`` that docker's run adds around the daemon's errors (dshell prints
    the daemon's alone), and the random digits of a temporary file's name."""
    err = re.sub(r"^DEPRECATED:.*?\n\n", "", err, flags=re.DOTALL)
    err = re.sub(r"^docker: ", "", err)
    err = err.replace("\n\nRun 'docker run --help' for more information\n", "\n")
    return re.sub(r"(\.tmp-[^/:]*?)\d+:", r"\1<digits>:", err)


def on_twin_scenes(engine, tmp_path: Path, args, contents: bool = True):
    """``args`` through docker and through dshell, each in its own scene; what each printed
    (and its status) and what each scene holds afterwards."""
    outcomes = []
    for tool in ("docker", "dshell"):
        scene = tmp_path / tool
        make_scene(scene)
        if tool == "docker":
            result = harness.run_docker(engine, *args, cwd=scene)
        else:
            result = harness.run_dshell(engine, "-c", shlex.join(args), cwd=scene)
        outcomes.append(((result.out, message(result.err), result.status),
                         listing(scene, contents)))  # fmt: skip
    return outcomes


def assert_alike(outcomes, fails: bool = True):
    (docker_told, docker_left), (dshell_told, dshell_left) = outcomes
    assert (docker_told[2] != 0) == fails, docker_told
    assert dshell_told == docker_told
    assert dshell_left == docker_left
    assert not [name for name in dshell_left if ".tmp-" in name]


@pytest.fixture(scope="module")
def stopped(engine):
    with harness.container(engine, "--network", "none", "busybox", "true",
                           start=False) as made:  # fmt: skip
        yield made


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    folder = tmp_path_factory.mktemp("iid-context")
    (folder / "Dockerfile").write_text("FROM busybox\n")
    return folder


# -- save -o and export -o ----------------------------------------------------------------------
@pytest.mark.parametrize("place", PLACES)
def test_save_to_a_place_it_cannot_write(engine, tmp_path, place):
    assert_alike(on_twin_scenes(engine, tmp_path, ["save", "-o", place, "busybox"]))


@pytest.mark.parametrize("place", PLACES)
def test_export_to_a_place_it_cannot_write(engine, tmp_path, stopped, place):
    assert_alike(on_twin_scenes(engine, tmp_path, ["export", "-o", place, stopped.name]))


@pytest.mark.parametrize("verb", ["save", "export"])
@pytest.mark.parametrize("place", ["new.tar", "regular"])
def test_archive_written_with_mode_0600(engine, tmp_path, stopped, verb, place):
    """A new file or one replaced: whole, mode 0600 whatever the umask, nothing beside it."""
    target = "busybox" if verb == "save" else stopped.name
    outcomes = on_twin_scenes(engine, tmp_path, [verb, "-o", place, target], contents=False)
    assert_alike(outcomes, fails=False)
    kind, mode, size, _ = outcomes[1][1][place]
    assert (stat.S_ISREG(kind), mode) == (True, oct(0o600)) and size > 1024


@pytest.mark.parametrize(("verb", "target"), [("save", "nosuchimage"), ("export", "nosuch")])
def test_archive_of_nothing_leaves_no_file(engine, tmp_path, verb, target):
    outcomes = on_twin_scenes(engine, tmp_path, [verb, "-o", "new.tar", target])
    assert_alike(outcomes)
    assert "new.tar" not in outcomes[1][1]


# -- build --iidfile ------------------------------------------------------------------------------
@pytest.mark.parametrize("place", PLACES)
def test_build_iidfile(engine, tmp_path, context, place, monkeypatch):
    """docker removes what is there first (an empty folder, a symlink or a fifo goes), and only
    after the build finds out it cannot write the ID."""
    monkeypatch.setitem(engine.env, "DOCKER_BUILDKIT", "0")  # both build classically
    args = ["build", "-q", "--iidfile", place, str(context)]
    assert_alike(on_twin_scenes(engine, tmp_path, args),
                 fails=place not in ("emptydir", "symlink", "dirlink", "fifo", "device"))


# -- run/create --cidfile ------------------------------------------------------------------------
@pytest.mark.parametrize("verb", ["create", "run"])
@pytest.mark.parametrize("place", ["emptydir", "/", "regular", "regular/x", "nonexist/x",
                                   "symlink", "/sys/x", "/proc/x"])  # fmt: skip
def test_cidfile_that_cannot_be_made(engine, tmp_path, verb, place):
    """Refused before any container exists; status 1 for create, docker's 125/126/127 for run."""
    before = harness.run_docker_ok(engine, "ps", "-aq").out
    args = [verb, "--cidfile", place, "--pull=never", "--network", "none", "busybox", "true"]
    assert_alike(on_twin_scenes(engine, tmp_path, args))
    assert harness.run_docker_ok(engine, "ps", "-aq").out == before


@pytest.mark.parametrize("verb", ["create", "run"])
def test_cidfile_removed_when_no_container_is_made(engine, tmp_path, verb):
    args = [verb, "--cidfile", "cid", "--pull=never", "--network", "none", "nosuch:image"]
    outcomes = on_twin_scenes(engine, tmp_path, args)
    assert_alike(outcomes)
    assert "cid" not in outcomes[1][1]


def test_cidfile_holds_the_new_id(engine, tmp_path):
    folder = tmp_path / "scene"
    make_scene(folder)
    name = harness.unique_name("cid")
    result = harness.run_dshell(engine, "-c", f"create --cidfile new.cid --name {name} "
                                "--network none busybox true", cwd=folder)  # fmt: skip
    try:
        assert result.status == 0, result.err
        assert (folder / "new.cid").read_text() == result.out.strip()
    finally:
        harness.run_docker(engine, "rm", "-f", name)
