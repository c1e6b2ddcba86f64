"""``checkpoint create/ls/rm`` and ``start --checkpoint`` against docker, on the suite's
engine (not experimental: docker hides and refuses the whole group) and on a second engine
started with ``--experimental``.

CRIU cannot dump a process in this sandbox (its vDSO check fails), so ``checkpoint create``
ends with the daemon's CRIU error for both tools; listing and removing are tested on
checkpoint directories the test makes itself, which is all the daemon looks at for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import experimental_engine
from tests.harness import Engine, HarnessError, assert_same, container, run_docker, run_dshell

#: What docker answers without its experimental features: the group is refused whatever
#: follows (help on stdout with status 0, everything else on stderr with status 1).
REFUSED = [
    ["checkpoint"],
    ["checkpoint", "--help"],
    ["checkpoint", "bogus"],
    ["checkpoint", "ls"],
    ["checkpoint", "list", "--help"],
    ["checkpoint", "create", "-x"],
    ["checkpoint", "create", "--help"],
    ["checkpoint", "rm", "a", "b", "c"],
    ["help", "checkpoint"],
]


@pytest.fixture(scope="module")
def experimental() -> Iterator[Engine]:
    try:
        started = experimental_engine.start_experimental_engine()
    except HarnessError as problem:
        pytest.fail(f"experimental engine: {problem}", pytrace=False)
    try:
        yield started
    finally:
        experimental_engine.stop_experimental_engine(started)


@pytest.mark.parametrize("args", REFUSED, ids=" ".join)
def test_refused_without_experimental_features(engine, args):
    pair = assert_same(engine, *args, stderr=True)
    assert "only supported on a Docker daemon with experimental features" in (
        pair.docker.out + pair.docker.err
    )


def test_start_hides_its_checkpoint_flags_without_experimental_features(engine, experimental):
    plain = assert_same(engine, "start", "--help").docker.out
    assert "--checkpoint" not in plain
    assert "--checkpoint-dir" in assert_same(experimental, "start", "--help").docker.out
    pair = assert_same(engine, "start", "--checkpoint", "c1", "nosuch", stderr=True)
    assert "experimental" in pair.docker.err


@pytest.mark.parametrize("args", [
    ["checkpoint"],
    ["checkpoint", "--help"],
    ["checkpoint", "ls", "--help"],
    ["checkpoint", "list", "--help"],
    ["checkpoint", "create", "--help"],
    ["checkpoint", "rm", "--help"],
    ["checkpoint", "remove", "--help"],
    ["checkpoint", "bogus"],
    ["checkpoint", "ls"],
    ["checkpoint", "create", "one"],
    ["checkpoint", "create", "-x", "a", "b"],
    ["checkpoint", "rm", "a"],
    ["checkpoint", "ls", "nosuch"],
    ["checkpoint", "create", "nosuch", "c1"],
    ["checkpoint", "rm", "nosuch", "c1"],
], ids=" ".join)  # fmt: skip
def test_experimental_daemon_usage_and_errors(experimental, args):
    assert_same(experimental, *args, stderr=True)


def _create_on_own_container(engine: Engine, tool, *flags: str) -> tuple[str, str, int]:  # noqa: ANN001
    """``checkpoint create FLAGS CONTAINER c1`` on a running container of the tool's own, its
    name in the output replaced: where CRIU works the first create succeeds, so the two
    tools cannot share one container."""
    with container(engine, "busybox", "sleep", "600") as running:
        words = ["checkpoint", "create", *flags, running.name, "c1"]
        done = tool(engine, *(("-c", " ".join(words)) if tool is run_dshell else words))
        return (done.out.replace(running.name, "CTR"), done.err.replace(running.name, "CTR")
                .replace(running.id, "ID"), done.status)  # fmt: skip


@pytest.mark.parametrize("flags", [[], ["--leave-running"], ["--checkpoint-dir", "DIR"]],
                         ids=" ".join)  # fmt: skip
def test_create_is_dockers_whatever_criu_does(experimental, flags, tmp_path: Path):
    """Here CRIU fails (the daemon's error, the same for both); where it works, both print
    the checkpoint's name."""
    flags = [str(tmp_path) if flag == "DIR" else flag for flag in flags]
    ours = _create_on_own_container(experimental, run_dshell, *flags)
    assert ours == _create_on_own_container(experimental, run_docker, *flags)


def test_create_refusals(experimental):
    with container(experimental, "busybox", "sleep", "600") as running:
        pair = assert_same(experimental, "checkpoint", "create", running.name, "bad/name",
                           stderr=True)  # fmt: skip
        assert "Invalid checkpoint ID" in pair.docker.err
    with container(experimental, "busybox", "true", start=False) as stopped:
        pair = assert_same(experimental, "checkpoint", "create", stopped.name, "c1",
                           stderr=True)  # fmt: skip
        assert "not running" in pair.docker.err


def test_ls_and_rm_read_the_checkpoint_directory(experimental, tmp_path: Path):
    for name in ("first", "second", "third"):
        (tmp_path / name).mkdir()
    (tmp_path / "not-a-checkpoint").write_text("a file is not listed\n")
    directory = str(tmp_path)
    with container(experimental, "busybox", "sleep", "600") as running:
        assert_same(experimental, "checkpoint", "ls", running.name, stderr=True)
        listed = assert_same(experimental, "checkpoint", "ls", "--checkpoint-dir", directory,
                             running.name, stderr=True)  # fmt: skip
        assert listed.docker.out == "CHECKPOINT NAME\nfirst\nsecond\nthird\n"
        assert_same(experimental, "checkpoint", "list", running.id[:12], "--checkpoint-dir",
                    directory, stderr=True)  # fmt: skip

        removed = run_dshell(experimental, "-c", f"checkpoint rm --checkpoint-dir {directory} "
                                                 f"{running.name} second")  # fmt: skip
        assert (removed.out, removed.err, removed.status) == ("", "", 0)
        assert not (tmp_path / "second").exists()
        after = run_docker(experimental, "checkpoint", "ls", "--checkpoint-dir", directory,
                           running.name)  # fmt: skip
        assert after.out == "CHECKPOINT NAME\nfirst\nthird\n"
        assert_same(experimental, "checkpoint", "rm", "--checkpoint-dir", directory,
                    running.name, "second", stderr=True)  # fmt: skip
        assert_same(experimental, "checkpoint", "remove", running.name, "first", stderr=True)


def test_start_from_a_checkpoint(experimental, tmp_path: Path):
    """The daemon restores from the directory: an empty one is not a CRIU image, and both
    tools print its failure the same way."""
    (tmp_path / "empty").mkdir()
    with container(experimental, "busybox", "true", start=False) as stopped:
        for args in (["start", "--checkpoint", "nosuch", stopped.name],
                     ["start", "--checkpoint", "nosuch", stopped.name, "another"],
                     ["start", "--checkpoint", "empty", "--checkpoint-dir", str(tmp_path),
                      stopped.name]):  # fmt: skip
            pair = assert_same(experimental, *args, stderr=True)
            assert pair.docker.status != 0


def test_a_checkpoint_dir_without_a_checkpoint_is_not_sent(experimental, tmp_path: Path):
    """docker starts the containers as without the flag (the daemon would refuse a custom
    directory with no checkpoint)."""
    with container(experimental, "busybox", "true", start=False) as stopped:
        pair = assert_same(experimental, "start", "--checkpoint-dir", str(tmp_path),
                           stopped.name, stderr=True)  # fmt: skip
        assert (pair.docker.out, pair.docker.status) == (f"{stopped.name}\n", 0)
