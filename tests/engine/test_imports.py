"""Cold start against the daemon: `-c version`, `ps -a` and a script of listings import the
HTTP stack (they need it) but no command module, REPL or heavy module they do not use.

The Engine-free cases are in tests/unit/test_imports.py.
"""

from __future__ import annotations

import pytest

from tests.import_probe import modules_after, unwanted


@pytest.mark.parametrize(("args", "stdin", "commands"), [
    (["-c", "version"], b"", {"system", "inspecting"}),
    (["-c", "ps -a"], b"", {"containers"}),
    (["-c", "container ls -q"], b"", {"containers"}),
    ([], b"ps -a\ninspect busybox\nimages -q\nversion\n",
     {"containers", "system", "inspecting", "images"}),
])  # fmt: skip
def test_engine_lines_import_only_what_they_use(engine, args, stdin, commands):
    loaded = modules_after(args, engine.env, stdin)
    assert "requests" in loaded, "the probe did not reach the Engine"
    assert unwanted(loaded, commands, engine=True) == []


def test_default_version_output_loads_no_template_engine(engine):
    """docker's default version template is written out directly; the template engine (its
    lexer, parser and executor) loads only for --format."""
    loaded = modules_after(["-c", "version"], engine.env)
    assert sorted(m for m in loaded if m.startswith("dshell.render.gotemplate.")) == [
        "dshell.render.gotemplate.errors"]
    formatted = modules_after(["-c", "version --format '{{.Server.Version}}'"], engine.env)
    assert "dshell.render.gotemplate.parser" in formatted
