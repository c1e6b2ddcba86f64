"""``system df``, ``system prune`` and ``events`` against docker on the same daemon.

Prunes always carry a label filter unique to the test, so nothing else on the shared test
engine is touched (busybox:latest stays)."""

from __future__ import annotations

import functools
import json
import time

import pytest

from tests import harness

# Listings show ages that may tick between the docker and the dshell run.
assert_same = functools.partial(harness.assert_same, tries=3)


@pytest.fixture(scope="module")
def usage(engine):
    """Something in every section: a running and an exited container, a volume in use."""
    volume = harness.unique_name("df-vol")
    with harness.container(engine, "--network", "none", "-v", f"{volume}:/data", "busybox",
                           "sleep", "600"), \
            harness.container(engine, "--network", "none", "busybox", "sh", "-c",
                              "echo x > /file"):
        yield volume
    harness.run_docker(engine, "volume", "rm", "-f", volume)


@pytest.mark.parametrize("args", [
    ["system", "df"],
    ["system", "df", "-v"],
    ["system", "df", "--format", "json"],
    ["system", "df", "--format", "raw"],
    ["system", "df", "--format", "table {{.Type}}\t{{.Reclaimable}}"],
    ["system", "df", "-v", "--format", "json"],
    ["system", "df", "-v", "--format", "raw"],
    ["system", "df", "-v", "--format", "{{range .Volumes}}{{.Name}} {{.Links}},{{end}}"],
    ["system", "df", "--format", "{{.Nope}}"],
    ["system", "df", "-v", "--format", "{{.Nope}}"],
])  # fmt: skip
def test_df_matches_docker(engine, usage, args):
    if "-v" not in args:
        pair = assert_same(engine, *args, tries=8)  # "2 seconds ago" ticks on a fresh engine
        assert pair.dshell.err == pair.docker.err
        return
    # The daemon lists images by creation second, ties in its map's random order (other
    # tests' BuildKit images share a second): the rows are compared as a set, each tool
    # printing them as the daemon gave them.
    for _ in range(8):
        pair = harness.differential(engine, *args)
        ours, theirs = (_rows_in_any_order(r.out) for r in (pair.dshell, pair.docker))
        if (ours, pair.dshell.status, pair.dshell.err) == (theirs, pair.docker.status,
                                                           pair.docker.err):  # fmt: skip
            return
    assert (ours, pair.dshell.status, pair.dshell.err) == (theirs, pair.docker.status,
                                                           pair.docker.err)  # fmt: skip


def _rows_in_any_order(out: str) -> object:
    try:
        data = json.loads(out)
    except ValueError:
        return sorted(out.splitlines())
    return {key: sorted(json.dumps(item, sort_keys=True) for item in value or [])
            for key, value in data.items()}  # fmt: skip


def test_events_between_two_times(engine):
    name = harness.unique_name("events")
    start = f"{time.time() - 1:.9f}"
    with harness.container(engine, "--network", "none", "busybox", "true", start=False):
        pass
    end = f"{time.time() + 1:.9f}"
    time.sleep(1.1)  # --until must be in the past, or the stream waits for it
    for extra in ([], ["--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"],
                  ["--format", "json"], ["--format", "{{json .Actor}} {{.TimeNano}}"]):
        args = ["events", "--since", start, "--until", end, "--filter", f"container={name}",
                *extra]
        pair = assert_same(engine, *args)
        assert pair.dshell.err == pair.docker.err
    pair = assert_same(engine, "system", "events", "--since", start, "--until", end,
                       "--filter", "type=container", "--filter", "event=create")
    assert "container create" in pair.dshell.out


def test_events_with_durations_and_bad_format(engine):
    pair = assert_same(engine, "events", "--since", "1h", "--until", "1s", "--filter",
                       "container=no-such-container-ever")
    assert pair.dshell.out == ""
    pair = assert_same(engine, "events", "--until", "1s", "--format", "{{.Nope")
    assert pair.dshell.err == pair.docker.err


def test_prune_warning_and_cancel_match_docker(engine):
    label = harness.unique_name("sysprune")
    for args in (["system", "prune", "--filter", f"label={label}"],
                 ["system", "prune", "-a", "--volumes", "--filter", f"label={label}",
                  "--filter", "label!=keep"],
                 ["system", "prune"]):
        for answer in ("n\n", ""):
            oracle = harness.run_docker(engine, *args, input=answer)
            ours = harness.run_dshell(engine, "-c", harness.shlex.join(args), input=answer)
            assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
    args = ["system", "prune", "--volumes", "--filter", "until=1h"]
    oracle = harness.run_docker(engine, *args)
    ours = harness.run_dshell(engine, "-c", harness.shlex.join(args))
    assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)


def test_prune_removes_labelled_things_only(engine):
    label = harness.unique_name("sysprune")
    kept = harness.unique_name("kept")
    harness.run_docker(engine, "network", "create", "--internal", "--label", label, label)
    harness.run_docker(engine, "create", "--name", label, "--label", label, "--network", "none",
                       "busybox", "true")
    harness.run_docker(engine, "create", "--name", kept, "--network", "none", "busybox", "true")
    try:
        ours = harness.run_dshell(engine, "-c", f"system prune -f --filter label={label}")
        assert ours.status == 0, ours.err
        lines = ours.out.splitlines()
        assert lines[0] == "Deleted Containers:" and len(lines[1]) == 64
        assert lines[2:6] == ["", "Deleted Networks:", label, ""]
        assert lines[-1].startswith("Total reclaimed space: ")
        names = harness.run_docker(engine, "ps", "-a", "--format", "{{.Names}}").out.split()
        assert kept in names and label not in names
        networks = harness.run_docker(engine, "network", "ls", "--format", "{{.Name}}").out
        assert label not in networks.split()
        again = assert_same(engine, "system", "prune", "-f", "--filter", f"label={label}")
        assert again.dshell.out == "Total reclaimed space: 0B\n"
    finally:
        harness.run_docker(engine, "rm", "-f", label, kept)
        harness.run_docker(engine, "network", "rm", label)


def test_df_build_cache_as_docker(engine, tmp_path):
    """The build cache a BuildKit build leaves: docker's order (least recently used first,
    then ID), its total of the records not shared, and every field in JSON."""
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo cached > /c\nCOPY Dockerfile /d\n")
    built = harness.run_dshell(engine, "-c", f"build -q --network none {tmp_path}")
    assert built.status == 0, built.err
    for args in (["system", "df", "-v"], ["system", "df", "-v", "--format", "json"]):
        for _ in range(8):  # the ages may tick between the two runs
            pair = harness.differential(engine, *args)
            ours, theirs = (_build_cache_part(r.out) for r in (pair.dshell, pair.docker))
            if ours == theirs:
                break
        assert ours == theirs
        assert "regular" in str(ours)
    harness.run_docker(engine, "builder", "prune", "-af")
    harness.run_docker(engine, "image", "prune", "-f")


def _build_cache_part(out: str) -> object:
    if out.startswith("{"):
        return json.loads(out)["BuildCache"]
    return out[out.index("Build cache usage:") :]
