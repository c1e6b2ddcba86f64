"""Listings through the compiled row formatter and through the executor, against docker.

Formats made of text, plain fields and ``if`` on a field take the compiled path; the others
(functions, arguments, unknown fields) the Go-template executor. Both must print docker's
bytes, on awkward rows: unicode and quotes in commands, labels, empty fields, many rows.
"""

from __future__ import annotations

import contextlib
import functools

import pytest

from tests import harness

# Ages ("5 seconds ago") may tick between the docker and the dshell run.
assert_same = functools.partial(harness.assert_same, tries=4)

ROWS = 24


@pytest.fixture(scope="module")
def rows(engine):
    """A label shared by ROWS created containers with awkward commands, and two tags."""
    label = harness.unique_name("dsh-rows")
    names = []
    commands = [
        ["echo", 'héllo "wörld" 世界世界世界 and more'],
        ["sh", "-c", "printf '%s\\t%s' a\\\\b 100%"],
        ["true"],
    ]
    with contextlib.ExitStack() as stack:
        for index in range(ROWS):
            name = f"{label}-{index}"
            harness.run_docker_ok(
                engine, "create", "--pull=never", "--network", "none", "--name", name,
                "--label", f"group={label}", "--label", f"ü{index % 3}=ß",
                "busybox", *commands[index % len(commands)],
            )  # fmt: skip
            names.append(name)
        stack.callback(lambda: harness.run_docker(engine, "rm", "-f", *names))
        tags = [f"{label}-img:v1", f"{label}-img:v2"]
        for tag in tags:
            harness.run_docker_ok(engine, "tag", "busybox", tag)
        stack.callback(lambda: harness.run_docker(engine, "rmi", *tags))
        yield label


@pytest.mark.parametrize(
    "format_",
    [
        "table {{.Names}}\t{{.Status}}",
        "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Labels}}",
        "{{if .Ports}}{{.Ports}}{{else}}-{{end}} {{.Names}} 100% %s",
        "  table  {{.Command}}|{{.Mounts}}|{{.Networks}}|{{.LocalVolumes}}  ",
        "json",
        '{{.Names}}\t{{.Label "group"}}\t{{upper .State}}',
        "{{.NoSuchField}}",
        "table {{.Label}}",
    ],
)
@pytest.mark.parametrize("trunc", [[], ["--no-trunc"]], ids=["", "no-trunc"])
def test_ps_formats(engine, rows, format_, trunc):
    pair = assert_same(
        engine, "ps", "-a", *trunc, "--filter", f"label=group={rows}", "--format", format_
    )
    assert pair.docker.status or pair.docker.out.count("\n") >= ROWS
    if pair.docker.status:
        assert pair.dshell.err == pair.docker.err


def test_ps_default_table(engine, rows):
    pair = assert_same(engine, "ps", "-a", "--filter", f"label=group={rows}")
    assert pair.docker.out.count("\n") == ROWS + 1
    pair = assert_same(engine, "ps", "-a", "--no-trunc", "--filter", f"label=group={rows}")
    assert "世界世界世界" in pair.docker.out


@pytest.mark.parametrize(
    "format_",
    [
        "table {{.Repository}}\t{{.Tag}}\t{{if .CreatedSince}}{{.CreatedSince}}{{else}}N/A{{end}}",
        "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.Containers}} 100%",
        "table {{.Tag}}\t{{.Digest}}",
    ],
)
def test_images_formats(engine, rows, format_):
    assert_same(engine, "images", f"{rows}-img", "--format", format_)
    assert_same(engine, "images", f"{rows}-img", "--no-trunc", "--format", format_)
