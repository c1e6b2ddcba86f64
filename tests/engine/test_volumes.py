"""``volume …`` against docker on the same daemon."""

from __future__ import annotations

import functools
import json
import shlex

import pytest

from tests import harness
from tests.harness import run_docker_ok

# Listings show ages that may tick between the docker and the dshell run.
assert_same = functools.partial(harness.assert_same, tries=3)


@pytest.fixture(scope="module")
def volumes(engine):
    names = [harness.unique_name("vol-a10"), harness.unique_name("vol-a9")]
    run_docker_ok(engine, "volume", "create", "--label", "tier=db", "--label", "empty=", names[0])
    run_docker_ok(engine, "volume", "create", names[1])
    yield names
    harness.run_docker(engine, "volume", "rm", "-f", *names)


@pytest.mark.parametrize("args", [
    ["volume", "ls"],
    ["volume", "ls", "-q"],
    ["volume", "list", "--filter", "label=tier=db"],
    ["volume", "ls", "--filter", "dangling=true", "--format", "{{.Name}} {{.Driver}}"],
    ["volume", "ls", "--format", "json"],
    ["volume", "ls", "--format", "table {{.Name}}\t{{.Labels}}\t{{.Mountpoint}}\t{{.Size}}"],
    ["volume", "ls", "--format", "{{.Name}} {{.Label \"tier\"}} {{.Links}} {{.Scope}}"],
    ["volume", "ls", "--format", "{{.Nope}}"],
    ["volume", "ls", "--cluster"],
    ["volume", "ls", "extra"],
])  # fmt: skip
def test_volume_ls_matches_docker(engine, volumes, args):
    pair = assert_same(engine, *args)
    if args[-1] == "{{.Nope}}":
        assert pair.dshell.err == pair.docker.err


def test_inspect_matches_docker(engine, volumes):
    for args in (["volume", "inspect", *volumes],
                 ["volume", "inspect", "--format", "{{.Name}} {{.Labels}}", volumes[0]],
                 ["volume", "inspect", volumes[1], "nope-vol"]):
        pair = assert_same(engine, *args)
        assert pair.dshell.err == pair.docker.err


def test_create_named_with_options_and_anonymous(engine):
    name = harness.unique_name("vol-made")
    result = harness.run_dshell(engine, "-c", shlex.join(
        ["volume", "create", "-d", "local", "--label", "a=b", "--label", "c",
         "-o", "type=tmpfs", "-o", "device=tmpfs", name]))
    assert (result.out, result.status) == (f"{name}\n", 0), result.err
    anonymous = harness.run_dshell(engine, "-c", "volume create")
    created = anonymous.out.strip()
    try:
        assert anonymous.status == 0 and len(created) == 64, anonymous.err
        data = json.loads(run_docker_ok(engine, "volume", "inspect", name).out)[0]
        assert data["Labels"] == {"a": "b", "c": ""}
        assert data["Options"] == {"type": "tmpfs", "device": "tmpfs"}
        assert data["Driver"] == "local"
    finally:
        harness.run_docker(engine, "volume", "rm", name, created)


@pytest.mark.parametrize("args", [
    ["volume", "rm", "nope-vol"],
    ["volume", "rm", "-f", "nope-vol"],
    ["volume", "create", "a", "b"],
    ["volume", "prune", "-a", "-f"],
])  # fmt: skip
def test_refusals_match_docker(engine, args):
    pair = assert_same(engine, *args)
    if args[:2] != ["volume", "create"]:
        assert pair.dshell.err == pair.docker.err


def test_rm_reports_each_volume(engine):
    name = harness.unique_name("vol-rm")
    run_docker_ok(engine, "volume", "create", name)
    result = harness.run_dshell(engine, "-c", f"volume rm nope-vol {name}")
    assert (result.out, result.status) == (f"{name}\n", 1)
    assert result.err == "Error response from daemon: get nope-vol: no such volume\n"
    assert name not in run_docker_ok(engine, "volume", "ls", "-q").out


def test_rm_of_a_volume_in_use_fails_and_force_does_not_help(engine):
    name = harness.unique_name("vol-used")
    with harness.container(engine, "--network", "none", "-v", f"{name}:/data", "busybox",
                           "true", start=False):
        pair = assert_same(engine, "volume", "rm", name)
        assert pair.dshell.err == pair.docker.err
        assert pair.docker.status == 1
    harness.run_docker(engine, "volume", "rm", name)


def test_prune_confirms_then_reports(engine):
    label = harness.unique_name("prune")
    named = harness.unique_name("vol-prune")
    run_docker_ok(engine, "volume", "create", "--label", label, named)
    anonymous = run_docker_ok(engine, "volume", "create", "--label", label).out.strip()
    try:
        for answer in ("n\n", ""):
            result = harness.run_dshell(engine, "-c", f"volume prune --filter label={label}",
                                        input=answer)
            oracle = harness.run_docker(engine, "volume", "prune", "--filter",
                                        f"label={label}", input=answer)
            assert (result.out, result.status) == (oracle.out, oracle.status)
        assert anonymous in run_docker_ok(engine, "volume", "ls", "-q").out
        result = harness.run_dshell(engine, "-c", f"volume prune --filter label={label}",
                                    input="y\n")
        assert result.status == 0, result.err
        report = result.out.split("[y/N] ", 1)[1]
        assert report.startswith("Deleted Volumes:\n")
        assert report.endswith("\n\nTotal reclaimed space: 0B\n")
        deleted = set(report.splitlines()[1:-2])
        # API 1.41 daemons prune named volumes too; 1.42+ only anonymous ones.
        assert anonymous in deleted and deleted <= {anonymous, named}
        remaining = run_docker_ok(engine, "volume", "ls", "-q").out
        assert not deleted & set(remaining.split())
        pair = assert_same(engine, "volume", "prune", "-f", "--filter", f"label={label}")
        assert pair.docker.out == "Total reclaimed space: 0B\n"
    finally:
        harness.run_docker(engine, "volume", "rm", "-f", named, anonymous)
