"""docker hides the commands and flags a daemon lacks (its API version, experimental
setting) and refuses them when used anyway; dshell does the same, compared with docker on
the suite's engine (API 1.41, not experimental), with the client pinned to a newer API
(DOCKER_API_VERSION: docker then shows them, and the daemon refuses the request), and with
no daemon at all (docker's help shows everything).

Cluster volumes (``volume update``, ``volume create --scope``…: API 1.42, swarm managers).
"""

from __future__ import annotations

import pytest

from tests.harness import assert_same

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
