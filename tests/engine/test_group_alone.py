"""A management command typed alone (`container`, `image`, `swarm`…): docker prints the
group's help on standard error and exits 0; so does dshell, for every group it declares."""

from __future__ import annotations

import pytest

from dshell.session import DockerSession
from tests import harness

GROUPS = sorted(
    " ".join(cmd.words)
    for cmd in DockerSession.registry.commands
    if cmd.is_group
    and cmd.is_docker
    and not cmd.hidden
    and len(cmd.words) == 1
    and not cmd.experimental  # refused on the suite's engine (checkpoint): test_checkpoint.py
)


def test_every_docker_group_is_swept():
    assert {"container", "image", "network", "volume", "context", "system"} <= set(GROUPS)


@pytest.mark.parametrize("group", GROUPS)
def test_group_alone_prints_help_on_stderr(engine, group):
    pair = harness.assert_same(engine, group, stderr=True)
    assert pair.dshell.out == ""
    assert f"Usage:  docker {group} " in pair.dshell.err  # after builder's DEPRECATED notice
