"""`inspect -f '{{.ID}}'`: docker runs the template on the Go struct first, whose field is
`ID` (JSON `Id`), then on the raw JSON; containers, images and networks answer both ways."""

from __future__ import annotations

import pytest

from tests import harness

TEMPLATES = ["{{.ID}}", "{{.Id}}", "{{json .ID}}", "{{.ID}} {{.Nope}}", "{{.IDx}}",
             "{{printf \"%.12s\" .ID}}"]  # fmt: skip


@pytest.fixture(scope="module")
def made(engine):
    with harness.container(engine, "--network", "none", "busybox", "true", start=False) as c:
        yield c


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("words", [("inspect", "{c}"), ("container", "inspect", "{c}"),
                                   ("inspect", "busybox"), ("image", "inspect", "busybox"),
                                   ("inspect", "none"), ("network", "inspect", "none"),
                                   ("inspect", "--type", "image", "busybox")])  # fmt: skip
def test_typed_id_as_docker(engine, made, words, template):
    args = [word.format(c=made.name) for word in words]
    harness.assert_same(engine, *args[:-1], "-f", template, args[-1], stderr=True)


#: What only the typed run shows: a label a container lacks is <no value> (the raw run's
#: missingkey=error fails on it), nil maps print map[], nil slices [], struct{} values {}, a
#: field the daemon's JSON leaves out (omitempty) its zero value, a nil pointer <nil>.
TYPED_TEMPLATES = [
    "{{.Config.Labels.a}}", "{{.Config.Labels.nosuch}}", "{{index .Config.Labels \"nosuch\"}}",
    "{{.Config.Labels}}", "{{len .Config.Labels}}", "{{.Config.Volumes}}",
    "{{.Config.ExposedPorts}}", "{{index .Config.Volumes \"/data\"}}", "{{.Config.Env}}",
    "{{.ExecIDs}}", "{{.HostConfig.Dns}}", "{{.HostConfig.Tmpfs}}", "{{.State.Health}}",
    "{{if .State.Health}}health{{else}}none{{end}}", "{{.RepoDigests}}", "{{.Options}}",
    "{{.Labels}}", "{{.Containers}}", "{{.GraphDriver.Data}}", "{{json .Config.Labels}}",
    "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", "{{.State.Nope}}",
    "{{.Config.Nope}}", "{{.Config.Labels.a.b}}",
]  # fmt: skip


@pytest.fixture(scope="module")
def labelled(engine):
    with harness.container(engine, "--network", "none", "-l", "a=b", "-v", "/data",
                           "--expose", "80", "busybox", "true", start=False) as c:  # fmt: skip
        yield c


@pytest.mark.parametrize("template", TYPED_TEMPLATES)
@pytest.mark.parametrize("target", ["{c}", "{plain}", "busybox", "none"])
def test_typed_fields_as_docker(engine, labelled, made, target, template):
    name = target.format(c=labelled.name, plain=made.name)
    harness.assert_same(engine, "inspect", "-f", template, name, stderr=True)
