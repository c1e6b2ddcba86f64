"""`stats --no-stream` with several containers: a row for each, as docker prints them.

The daemon answers a one-shot stats request only once it has two samples, which takes longer
for containers that have just started; dshell must wait for that answer as docker does, not
time out. So each test starts its containers afresh and runs dshell first, while they are
still new. CPU and memory figures change from one run to the next: the comparisons keep to
the names, the IDs and the number of rows.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator

import pytest

from tests import harness

CONTAINERS = 5


@pytest.fixture
def fresh(engine) -> Iterator[list[harness.Container]]:
    """Containers started just now (one test's worth)."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(harness.container(engine, "busybox", "sleep", "1000"))
               for _ in range(CONTAINERS)]  # fmt: skip


def _dshell_then_docker(engine, *args: str) -> harness.Differential:
    ours = harness.run_dshell(engine, "-c", shlex.join(args))
    return harness.Differential(docker=harness.run_docker(engine, *args), dshell=ours)


def _name_and_id_columns(table: str) -> list[tuple[str, ...]]:
    """(CONTAINER ID, NAME) of each line of the default table, header included."""
    return [tuple(line.split()[:2]) for line in table.splitlines()]


def test_every_named_container_has_its_row(engine, fresh):
    names = [c.name for c in fresh]
    pair = _dshell_then_docker(engine, "stats", "--no-stream", "--format", "{{.Name}} {{.ID}}",
                               *names)  # fmt: skip
    harness.assert_alike(pair, stderr=True)
    assert pair.dshell.out.splitlines() == [f"{c.name} {c.id[:12]}" for c in fresh]


def test_the_table_of_named_containers_is_docker_s(engine, fresh):
    pair = _dshell_then_docker(engine, "stats", "--no-stream", *[c.name for c in fresh])
    assert (pair.dshell.status, pair.dshell.err) == (pair.docker.status, pair.docker.err)
    assert _name_and_id_columns(pair.dshell.out) == _name_and_id_columns(pair.docker.out)
    assert len(pair.dshell.out.splitlines()) == CONTAINERS + 1
    assert "--" not in pair.dshell.out


def test_without_names_every_running_container_has_a_row(engine, fresh):
    pair = _dshell_then_docker(engine, "stats", "--no-stream", "--format",
                               "{{.Name}} {{.ID}} {{.Container}}")  # fmt: skip
    harness.assert_alike(pair, stderr=True)
    rows = pair.dshell.out.splitlines()
    for container in fresh:
        assert f"{container.name} {container.id[:12]} {container.id[:12]}" in rows


def test_the_table_without_names_has_no_blank_rows(engine, fresh):
    pair = _dshell_then_docker(engine, "stats", "--no-stream")
    assert (pair.dshell.status, pair.dshell.err) == (pair.docker.status, pair.docker.err)
    assert _name_and_id_columns(pair.dshell.out) == _name_and_id_columns(pair.docker.out)
    assert " -- " not in pair.dshell.out
