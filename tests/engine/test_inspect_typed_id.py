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
