"""``system df``, ``system prune`` and ``events`` against docker on the same daemon.

Prunes always carry a label filter unique to the test, so nothing else on the shared test
engine is touched (busybox:latest stays)."""

from __future__ import annotations

import difflib
import functools
import json
import re
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
    _same_in_any_order(engine, args, _rows_in_any_order)


#: An age as docker prints it ("2 seconds ago", "Less than a second ago", "About an hour").
_AGE = re.compile(r"(?:\d+|Less than a|About an?) (?:second|minute|hour|day|week|month|year)s?"
                  r"(?: ago)?")  # fmt: skip


def _same_in_any_order(engine, args, canonical) -> None:  # noqa: ANN001
    """Both tools' outputs alike, rows in any order and ages left out: with dozens of build
    cache records created at scattered instants, some age ticks between any two runs (ages
    are compared exactly where a listing has few: ps, images, df without -v)."""
    pair = harness.differential(engine, *args)
    # (an age's length moves the table's columns: runs of spaces count as one)
    ours, theirs = (canonical(re.sub(" +", " ", _AGE.sub("AGE", r.out)))
                    for r in (pair.dshell, pair.docker))  # fmt: skip
    assert (pair.dshell.status, pair.dshell.err) == (pair.docker.status, pair.docker.err)
    assert ours == theirs, "\n".join(difflib.unified_diff(
        _lines(theirs), _lines(ours), "docker", "dshell", lineterm="", n=0))  # fmt: skip


def _lines(canonical: object) -> list[str]:
    if isinstance(canonical, dict):
        return [f"{key}: {row}" for key, rows in canonical.items() for row in rows]
    if isinstance(canonical, list):
        return [str(row) for row in canonical]
    return str(canonical).splitlines()


def _rows_in_any_order(out: str) -> object:
    """Rows as a set (and the items a one-line ``{{range}}`` prints), without what a df call
    itself moves: the daemon's disk-usage pass counts as a use of BuildKit's cache mounts
    (their last use and usage count change between two calls)."""
    try:
        data = json.loads(out)
    except ValueError:
        rows = []
        for line in out.splitlines():
            if re.match(r"(usage_count|last_used_since|last_used_at): ", line):
                continue
            if re.fullmatch(r"\w{12,} \S+ \S+ AGE (AGE|) ?\d+ (true|false)", line):
                line = re.sub(r" (AGE )?\d+ (true|false)$", r" \2", line)
            if line.endswith(","):  # a {{range}} of items on one line, in the daemon's order
                line = ",".join(sorted(line.split(",")))
            rows.append(line)
        return sorted(rows)
    moved = ("LastUsedAt", "LastUsedSince", "UsageCount")
    return {key: sorted(json.dumps({k: v for k, v in item.items() if k not in moved},
                                   sort_keys=True) for item in value or [])
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
    harness.run_docker(engine, "builder", "prune", "-af")  # only this build's records
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo cached > /c\nCOPY Dockerfile /d\n")
    built = harness.run_dshell(engine, "-c", f"build -q --network none {tmp_path}")
    assert built.status == 0, built.err
    for args in (["system", "df", "-v"], ["system", "df", "-v", "--format", "json"]):
        _same_in_any_order(engine, args, _build_cache_part)
        assert "regular" in str(_build_cache_part(harness.run_docker(engine, *args).out))
    harness.run_docker(engine, "builder", "prune", "-af")
    harness.run_docker(engine, "image", "prune", "-f")


def _build_cache_part(out: str) -> object:
    if out.startswith("{"):
        return json.loads(out)["BuildCache"]
    return out[out.index("Build cache usage:") :]
