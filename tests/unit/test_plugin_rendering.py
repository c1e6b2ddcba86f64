"""docker's plugin formatter and privilege lines, without an engine."""

from __future__ import annotations

import json

import pytest

from dshell.commands.plugins import go_list, plugin_path
from dshell.engine.errors import EngineError
from dshell.render.plugins import plugin_format, render_plugins


def plugin(name: str, description: str = "", enabled: bool = False) -> dict:
    return {"Id": name.encode().hex().ljust(64, "0"), "Name": name, "Enabled": enabled,
            "PluginReference": f"docker.io/library/{name}",
            "Config": {"Description": description}}  # fmt: skip


@pytest.mark.parametrize(("value", "shown"), [
    (None, "[]"), ([], "[]"), (["host"], "[host]"), (["CAP_A", "CAP_B"], "[CAP_A CAP_B]"),
])  # fmt: skip
def test_privilege_values_print_as_gos_percent_v(value, shown):
    assert go_list(value) == shown


@pytest.mark.parametrize(("fmt", "config", "quiet", "expected"), [
    (None, "", False, "table {{.ID}}\t{{.Name}}\t{{.Description}}\t{{.Enabled}}"),
    (None, "", True, "{{.ID}}"),
    (None, "{{.Name}}", False, "{{.Name}}"),
    (None, "{{.Name}}", True, "{{.ID}}"),  # -q wins over pluginsFormat
    ("raw", "", True, "plugin_id: {{.ID}}"),
    ("{{.Enabled}}", "{{.Name}}", False, "{{.Enabled}}"),
])  # fmt: skip
def test_format_is_chosen_as_docker_chooses_it(fmt, config, quiet, expected):
    assert plugin_format(fmt, config, quiet) == expected


def test_table_sorts_naturally_cuts_ids_and_descriptions():
    long_text = "line one\nline two\r and a tail that runs well past forty-five columns"
    plugins = [plugin("p10:latest", long_text), plugin("p9:latest", "short", enabled=True)]
    table = render_plugins(plugins, plugin_format(None, "", False), trunc=True)
    lines = table.splitlines()
    assert lines[0].split() == ["ID", "NAME", "DESCRIPTION", "ENABLED"]
    assert [line.split()[1] for line in lines[1:]] == ["p9:latest", "p10:latest"]
    assert lines[2].split()[0] == plugins[0]["Id"][:12]
    assert "line oneline two and a tail that runs well p…" in lines[2]
    assert lines[1].endswith("true")


def test_json_lines_carry_dockers_fields():
    out = render_plugins([plugin("x:latest", "d")], "json", trunc=False)
    assert json.loads(out) == {"Description": "d", "Enabled": False,
                               "ID": plugin("x:latest")["Id"], "Name": "x:latest",
                               "PluginReference": "docker.io/library/x:latest"}  # fmt: skip


def test_an_empty_name_is_refused_before_any_request():
    with pytest.raises(EngineError, match="invalid plugin name or ID: value is empty"):
        plugin_path("  ", "json")
    assert plugin_path(" 127.0.0.1:5000/a/b:v1 ", "push") == "/plugins/127.0.0.1:5000/a/b:v1/push"


def test_ls_completes_dockers_filter_keys_and_format_fields():
    from dshell.repl.completer import DockerCompleter
    from dshell.session import DockerSession
    from tests.unit.test_repl_fixtures import cache

    completer = DockerCompleter(DockerSession.registry, cache())
    keys = set(completer.candidates_for("plugin ls --filter "))
    assert {"enabled=", "capability="} <= keys
    assert set(completer.candidates_for("plugin ls --filter enabled=")) == {"true", "false"}
    assert "{{.PluginReference}}" in completer.candidates_for("plugin ls --format {{.Plu")
