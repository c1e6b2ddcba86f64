"""docker hides the commands and flags a daemon lacks (its API version, experimental
setting) and refuses them when used anyway; dshell does the same, compared with docker on
the suite's engine (API 1.41, not experimental), with the client pinned to a newer API
(DOCKER_API_VERSION: docker then shows them, and the daemon refuses the request), and with
no daemon at all (docker's help shows everything).

Cluster volumes (``volume update``, ``volume create --scope``…: API 1.42, swarm managers),
``images --tree`` (1.47), ``image inspect --platform`` (1.49), ``rmi --platform`` (1.50) and
``build --squash`` (experimental daemons only).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import experimental_engine
from tests.harness import Engine, HarnessError, assert_same, run_docker, run_dshell

NO_DAEMON = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}

CLUSTER_VOLUME_LINES = [
    ["volume", "--help"],
    ["volume", "create", "--help"],
    ["volume", "update", "--help"],
    ["volume", "update"],
    ["volume", "update", "a", "b"],
    ["volume", "update", "nosuch"],
    ["volume", "update", "--availability", "drain", "nosuch"],
    ["volume", "create", "--scope", "multi", "cv"],
    ["volume", "create", "--group", "g", "--sharing", "all", "--type", "mount", "cv"],
    ["volume", "create", "--topology-required", "a=b", "--secret", "k=v", "cv"],
    ["volume", "create", "--limit-bytes", "1g", "--required-bytes", "1m", "cv"],
]


def shows_cluster_volumes(help_text: str) -> bool:
    return "Cluster Volume" in help_text or "\n  update " in help_text


@pytest.mark.parametrize("pinned", [None, "1.42"], ids=["daemon-1.41", "pinned-1.42"])
@pytest.mark.parametrize("args", CLUSTER_VOLUME_LINES, ids=" ".join)
def test_cluster_volumes(engine, pinned, args):
    pair = assert_same(engine, *args, env={"DOCKER_API_VERSION": pinned}, stderr=True)
    if args[-1] == "--help":
        assert shows_cluster_volumes(pair.docker.out) == bool(pinned)


@pytest.mark.parametrize("args", CLUSTER_VOLUME_LINES[:3], ids=" ".join)
def test_cluster_volume_help_without_a_daemon(engine, args):
    pair = assert_same(engine, *args, env=NO_DAEMON, stderr=True)
    assert shows_cluster_volumes(pair.docker.out)


def test_update_refuses_a_local_volume(engine):
    """The one answer this engine gives past the version check (pinned to 1.41 itself)."""
    assert_same(engine, "volume", "update", "nosuch", env={"DOCKER_API_VERSION": "1.41"},
                stderr=True)  # fmt: skip


IMAGE_LINES = [
    ["images", "--help"],
    ["image", "ls", "--help"],
    ["rmi", "--help"],
    ["image", "rm", "--help"],
    ["image", "inspect", "--help"],
    ["images", "--tree"],
    ["images", "--tree", "-q"],
    ["images", "--tree", "--no-trunc", "--digests"],
    ["image", "ls", "--tree", "--digests", "--format", "json"],
    ["images", "--tree", "--format", "json"],
    ["rmi", "--platform", "linux/amd64", "nosuch"],
    ["image", "rm", "--platform", "linux/amd64,linux/arm/v7", "nosuch"],
    ["rmi", "--platform", "foo", "nosuch"],
    ["rmi", "--platform", ",", "nosuch"],
    ["rmi", "--platform", "a.b/amd64", "nosuch"],
    ["rmi", "--platform", "linux/a@b", "nosuch"],
    ["rmi", "--platform", "a/b/c/d/e", "nosuch"],
    ["image", "inspect", "--platform", "linux/amd64", "busybox"],
    ["image", "inspect", "--platform", "windows(10.0)/amd64", "busybox"],
    ["image", "inspect", "--platform", "l*", "busybox"],
    ["image", "inspect", "--platform", "arm", "busybox"],
]


@pytest.mark.parametrize("pinned", [None, "1.47", "1.49", "1.50"])
@pytest.mark.parametrize("args", IMAGE_LINES, ids=" ".join)
def test_image_flags_by_api_version(engine, pinned, args):
    pair = assert_same(engine, *args, env={"DOCKER_API_VERSION": pinned}, stderr=True)
    if "--tree" in args and not pinned:
        assert '"--tree" requires API version 1.47' in pair.docker.err


@pytest.mark.parametrize("args", IMAGE_LINES[:5], ids=" ".join)
def test_image_flag_help_without_a_daemon(engine, args):
    pair = assert_same(engine, *args, env=NO_DAEMON, stderr=True)
    assert "--tree" in pair.docker.out or "--platform" in pair.docker.out


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


CLASSIC = {"DOCKER_BUILDKIT": "0"}  # --squash is the classic builder's (POST /build?squash=1)


def test_build_squash_is_hidden_and_refused_without_experimental_features(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    for args in (["build", "--help"], ["image", "build", "--help"],
                 ["builder", "build", "--help"]):  # fmt: skip
        pair = assert_same(engine, *args, env=CLASSIC, stderr=True)
        assert "--squash" not in pair.docker.out
    pair = assert_same(engine, "build", "--squash", str(tmp_path), env=CLASSIC, stderr=True)
    assert '"--squash" is only supported on a Docker daemon with experimental' in pair.docker.err


def test_build_squash_on_an_experimental_daemon(experimental, tmp_path: Path):
    pair = assert_same(experimental, "build", "--help", env=CLASSIC, stderr=True)
    assert "--squash" in pair.docker.out
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo a > /a\nRUN echo b > /b\n")
    layers = []
    for tool, tag in ((run_docker, "squashed-d"), (run_dshell, "squashed-s"),
                      (run_docker, "plain")):  # fmt: skip
        words = ["build", "-q", "-t", tag, *(("--squash",) if tag != "plain" else ()),
                 str(tmp_path)]  # fmt: skip
        built = tool(experimental, *(("-c", " ".join(words)) if tool is run_dshell else words),
                     env=CLASSIC)  # fmt: skip
        assert built.status == 0, built.err
        shown = run_docker(experimental, "image", "inspect", "-f", "{{len .RootFS.Layers}}", tag)
        layers.append(int(shown.out))
    assert layers[0] == layers[1] == layers[2] - 1
