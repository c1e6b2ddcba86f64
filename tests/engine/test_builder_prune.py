"""``builder`` and ``builder prune`` against docker on the suite's engine: help, docker's
confirmation (a no ends quietly with status 0), flag and filter errors, the report."""

from __future__ import annotations

import json

import pytest

from tests import harness
from tests.harness import assert_same


@pytest.fixture(scope="module", autouse=True)
def empty_build_cache(engine):
    """Both tools prune the same cache, the one after the other: it starts empty, whatever
    the builds of earlier tests (BuildKit's among them) left in it, so that each reports the
    same objects (none)."""
    harness.run_docker(engine, "builder", "prune", "-af")


@pytest.mark.parametrize("args", [
    ["builder"],
    ["builder", "--help"],
    ["builder", "bogus"],
    ["builder", "prune", "--help"],
    ["builder", "prune", "extra"],
    ["builder", "prune", "-f"],
    ["builder", "prune", "-af", "--keep-storage", "1.5m", "--filter", "until=1h"],
    ["builder", "prune", "-f", "--keep-storage", "x"],
    ["builder", "prune", "-f", "--keep-storage", "5q"],
    ["builder", "prune", "-f", "--filter", "bogus=1"],
    ["builder", "prune", "--force", "--filter", "until=nonsense"],
], ids=" ".join)  # fmt: skip
def test_builder_prune_is_dockers(engine, args):
    assert_same(engine, *args, stderr=True)


@pytest.mark.parametrize("answer", ["n\n", "y\n", "", "Y\n", "yes\n"])
@pytest.mark.parametrize("flags", [[], ["--all"]], ids=["dangling", "all"])
def test_the_confirmation(engine, answer, flags):
    pair = assert_same(engine, "builder", "prune", *flags, input=answer, stderr=True)
    assert pair.docker.out.startswith("WARNING! This will remove all ")
    assert ("Total reclaimed space" in pair.docker.out) == (answer.strip().lower() == "y")


def test_config_prune_filters_are_merged(engine, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"pruneFilters": ["bogus=1"]}))
    pair = assert_same(engine, "builder", "prune", "-f", env={"DOCKER_CONFIG": str(config)},
                       stderr=True)  # fmt: skip
    assert "bogus" in pair.docker.err
