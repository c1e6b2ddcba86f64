"""secret and config create/inspect/ls/rm against docker 28 on the shared swarm's manager.
Each tool creates its own objects (separately named); they are compared through inspect and
ls formats, and removed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import harness

DATA = "s3cr3t-data\n"
KINDS = ("secret", "config")


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("swarm-data") / "data.txt"
    path.write_text(DATA)
    return path


@pytest.fixture
def names(manager) -> Iterator[dict[str, list[str]]]:
    """Names to create per kind; whatever exists under them is removed afterwards."""
    made: dict[str, list[str]] = {kind: [] for kind in KINDS}
    yield made
    for kind, created in made.items():
        if created:
            harness.run_docker(manager, kind, "rm", *created)


def _described(manager: harness.Engine, kind: str, name: str) -> str:
    template = "{{.Spec.Name}} {{json .Spec.Labels}} {{json .Spec.Templating}}"
    if kind == "secret":
        template += " {{json .Spec.Driver}}"
    else:
        template += ' {{printf "%s" .Spec.Data}}'
    return harness.run_docker_ok(manager, kind, "inspect", "-f", template, name).out


@pytest.mark.parametrize("kind", KINDS)
def test_create_from_a_file_and_from_redirected_stdin(manager, names, data_file, kind):
    theirs, mine, piped = (harness.unique_name(f"dsh-{kind}") for _ in range(3))
    names[kind] += [theirs, mine, piped]
    labels = ("-l", "app=web", "--label", "bare")
    oracle = harness.run_docker(manager, kind, "create", *labels, theirs, str(data_file))
    ours = harness.run_dshell(
        manager, "-c", f"{kind} create -l app=web --label bare {mine} {data_file}"
    )
    assert (ours.status, ours.err) == (oracle.status, oracle.err) == (0, "")
    assert len(ours.out.strip()) == len(oracle.out.strip()) == 25
    # The shell language's redirection feeds the session's stdin.
    redirected = harness.run_dshell(
        manager, "-c", f"{kind} create -l app=web --label bare {piped} - < {data_file}"
    )
    assert redirected.status == 0, redirected.err
    expected = _described(manager, kind, theirs).replace(theirs, "NAME")
    assert _described(manager, kind, mine).replace(mine, "NAME") == expected
    assert _described(manager, kind, piped).replace(piped, "NAME") == expected
    if kind == "config":
        assert expected.endswith(DATA + "\n")


@pytest.mark.parametrize("kind", KINDS)
def test_create_from_stdin_given_by_the_caller(manager, names, kind):
    theirs, mine = harness.unique_name(f"dsh-{kind}"), harness.unique_name(f"dsh-{kind}")
    names[kind] += [theirs, mine]
    harness.run_docker_ok(manager, kind, "create", theirs, "-", input=DATA)
    ours = harness.run_dshell(manager, "-c", f"{kind} create {mine} -", input=DATA)
    assert ours.status == 0 and ours.err == ""
    assert _described(manager, kind, mine).replace(mine, "N") == _described(
        manager, kind, theirs
    ).replace(theirs, "N")


@pytest.mark.parametrize("kind", KINDS)
def test_template_driver_reaches_the_daemon(manager, names, kind):
    theirs, mine = harness.unique_name(f"dsh-{kind}"), harness.unique_name(f"dsh-{kind}")
    names[kind] += [theirs, mine]
    harness.run_docker_ok(
        manager, kind, "create", "--template-driver", "golang", theirs, "-", input=DATA
    )
    ours = harness.run_dshell(
        manager, "-c", f"{kind} create --template-driver golang {mine} -", input=DATA
    )
    assert ours.status == 0, ours.err
    described = _described(manager, kind, mine).replace(mine, "N")
    assert described == _described(manager, kind, theirs).replace(theirs, "N")
    assert '{"Name":"golang"}' in described


@pytest.mark.parametrize("args,stdin", [
    (("secret", "create", "NAME"), None),
    (("secret", "create", "NAME", "/nonexistent/file"), None),
    (("secret", "create", "NAME", "-"), ""),
    (("secret", "create", "-d", "somedriver", "NAME", "DATA"), None),
    (("secret", "create", "-l", "=oops", "NAME", "DATA"), None),
    (("config", "create", "NAME", "/nonexistent/file"), None),
    (("config", "create", "NAME", "-"), ""),
    (("config", "create", "--label", "=x", "NAME", "DATA"), None),
    (("secret", "rm", "nosuch-1", "nosuch-2"), None),
    (("config", "rm", "nosuch-1"), None),
    (("secret", "inspect", "nosuch"), None),
    (("config", "inspect", "--pretty", "nosuch"), None),
    (("secret", "inspect", "--format", "prettyish", "nosuch"), None),
])  # fmt: skip
def test_refusals(manager, data_file, args, stdin):
    argv = [
        str(data_file) if a == "DATA" else harness.unique_name("x") if a == "NAME" else a
        for a in args
    ]
    harness.assert_same(manager, *argv, input=stdin, stderr=True)


@pytest.fixture(scope="module")
def objects(manager, data_file) -> Iterator[dict[str, list[str]]]:
    """Two labelled secrets and configs for the read-only comparisons."""
    made: dict[str, list[str]] = {}
    for kind in KINDS:
        made[kind] = [harness.unique_name(f"dsh-ro-{kind}") for _ in range(2)]
        harness.run_docker_ok(
            manager, kind, "create", "-l", "tier=front", "-l", "flag", made[kind][0], str(data_file)
        )
        harness.run_docker_ok(manager, kind, "create", made[kind][1], str(data_file))
    yield made
    for kind, created in made.items():
        harness.run_docker(manager, kind, "rm", *created)


LS_FLAGS = [
    (),
    ("-q",),
    ("--format", "json"),
    ("--format", '{{.Name}} {{.Labels}} {{.Label "tier"}}'),
    ("--format", "table {{.Name}}\t{{.CreatedAt}}"),
    ("-f", "label=tier"),
    ("-f", "label=tier=front", "--format", "{{.Name}}"),
    ("--format", "{{.Driver}}"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("flags", LS_FLAGS, ids=lambda f: " ".join(f) or "table")
def test_ls(manager, objects, kind, flags):
    harness.assert_same(manager, kind, "ls", *flags, stderr=True, tries=3)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("flags", [
    (),
    ("--pretty",),
    ("--format", "pretty"),
    ("-f", "{{.Spec.Name}} {{.Spec.Labels}}"),
    ("-f", "json"),
    ("-f", "{{.CreatedAt}} {{json .UpdatedAt}} {{.Spec.Labels.nope}}"),
    ("-f", "{{.Nope}}"),
    ("-f", "{{.Spec.Name"),
])  # fmt: skip
def test_inspect(manager, objects, kind, flags):
    harness.assert_same(manager, kind, "inspect", *flags, *objects[kind], stderr=True)


@pytest.mark.parametrize("kind", KINDS)
def test_pretty_with_a_missing_one_prints_nothing_but_the_error(manager, objects, kind):
    pair = harness.assert_same(
        manager, kind, "inspect", "--pretty", objects[kind][0], "nosuch", stderr=True
    )
    assert pair.dshell.out == "" and pair.dshell.status == 1


def test_secret_data_is_never_printed(manager, objects):
    for flags in ((), ("--pretty",), ("--format", "json")):
        out = harness.run_dshell(
            manager, "-c", f"secret inspect {' '.join(flags)} {objects['secret'][0]}"
        ).out
        assert out and "s3cr3t" not in out and "czNjcjN0" not in out


@pytest.mark.parametrize("kind", KINDS)
def test_rm(manager, data_file, kind):
    theirs, mine = harness.unique_name(f"dsh-{kind}"), harness.unique_name(f"dsh-{kind}")
    for name in (theirs, mine):
        harness.run_docker_ok(manager, kind, "create", name, str(data_file))
    oracle = harness.run_docker(manager, kind, "rm", theirs, "nosuch-x")
    ours = harness.run_dshell(manager, "-c", f"{kind} rm {mine} nosuch-x")
    assert ours.out == f"{mine}\n" and oracle.out == f"{theirs}\n"
    assert (ours.err, ours.status) == (oracle.err, oracle.status) == (ours.err, 1)
    assert harness.run_docker(manager, kind, "inspect", mine).status == 1
