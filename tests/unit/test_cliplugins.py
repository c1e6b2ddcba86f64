"""CLI plugin discovery, checks, metadata cache and completion protocol (no Engine needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dshell import cliplugins
from dshell.cliplugins import (
    Catalog,
    decode_metadata,
    find_plugin,
    list_candidates,
    list_plugins,
    load_plugin,
    parse_completions,
    plugin_dirs,
)
from dshell.engine.config import ConfigFile
from dshell.engine.endpoint import ConnectionOptions
from tests.cli_plugins import GOOD_METADATA, raw_plugin, write_plugin
from tests.import_probe import modules_after


def test_folders_in_dockers_order(tmp_path):
    config = ConfigFile(tmp_path / "config.json", {"cliPluginsExtraDirs": ["/x", "/y"]})
    assert plugin_dirs(tmp_path, config) == [
        "/x", "/y", f"{tmp_path}/cli-plugins", "/usr/local/lib/docker/cli-plugins",
        "/usr/local/libexec/docker/cli-plugins", "/usr/lib/docker/cli-plugins",
        "/usr/libexec/docker/cli-plugins"]  # fmt: skip


def test_candidates_are_files_and_symlinks_the_first_folder_winning(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_plugin(first, "one")
    write_plugin(second, "one")
    write_plugin(second, "two")
    (second / "docker-dir").mkdir()
    (second / "other").write_text("")
    (first / "docker-link").symlink_to(second / "docker-two")
    found = list_candidates([str(first), str(tmp_path / "missing"), str(second)])
    assert found == {
        "one": [f"{first}/docker-one", f"{second}/docker-one"],
        "link": [f"{first}/docker-link"],
        "two": [f"{second}/docker-two"],
    }
    plugins = list_plugins([str(first), str(second)], {})
    assert [(p.name, p.valid, p.shadowed_paths) for p in plugins] == [
        ("link", True, []),
        ("one", True, [f"{second}/docker-one"]),
        ("two", True, []),
    ]


@pytest.mark.parametrize(("metadata", "error"), [
    (GOOD_METADATA, ""),
    ('{"schemaversion": "0.1.0", "VENDOR": "v"}', ""),  # Go matches keys case-insensitively
    (dict(GOOD_METADATA, SchemaVersion="0.2.0"),
     'plugin SchemaVersion "0.2.0" is not valid, must be 0.1.0'),
    ({"SchemaVersion": "0.1.0"}, "plugin metadata does not define a vendor"),
    ("nope", "invalid metadata: invalid character 'o' in literal null (expecting 'u')"),
    ("", "invalid metadata: unexpected end of JSON input"),
    ('{"SchemaVersion": 1}', "invalid metadata: json: cannot unmarshal number into Go struct "
                             "field Metadata.SchemaVersion of type string"),
    ("[]", "invalid metadata: json: cannot unmarshal array into Go value of type "
           "metadata.Metadata"),
])  # fmt: skip
def test_metadata_checked_as_docker_checks_it(tmp_path, metadata, error):
    path = write_plugin(tmp_path, "x", metadata)
    assert load_plugin("x", str(path)).error == error


def test_names_and_builtins_refused_before_the_plugin_runs(tmp_path):
    log = tmp_path / "log"
    script = f"echo ran >> {log}\necho '{{}}'\n"
    upper, ps, quit_ = (raw_plugin(tmp_path, name, script) for name in ("Up", "ps", "quit"))
    builtins = {"ps": "", "quit": "exit"}
    assert (
        load_plugin("Up", str(upper), builtins).error
        == 'plugin candidate "Up" did not match "^[a-z][a-z0-9]*$"'
    )
    assert load_plugin("ps", str(ps), builtins).error == 'plugin "ps" duplicates builtin command'
    assert (
        load_plugin("quit", str(quit_), builtins).error
        == 'plugin "quit" duplicates an alias of builtin command "exit"'
    )
    assert not log.exists()


def test_metadata_failures_in_gos_words(tmp_path):
    failing = raw_plugin(tmp_path, "fails", "exit 2\n")
    assert load_plugin("fails", str(failing)).error == "failed to fetch metadata: exit status 2"
    killed = raw_plugin(tmp_path, "killed", "kill -9 $$\n")
    assert load_plugin("killed", str(killed)).error == "failed to fetch metadata: signal: killed"
    plain = tmp_path / "docker-plain"
    plain.write_text("not executable")
    assert (
        load_plugin("plain", str(plain)).error
        == f"failed to fetch metadata: fork/exec {plain}: permission denied"
    )


def test_metadata_runs_once_until_the_file_changes(tmp_path):
    log = tmp_path / "log"
    path = write_plugin(tmp_path / "p", "once")
    os.environ["REC_LOG"] = str(log)
    try:
        for _ in range(3):
            assert load_plugin("once", str(path)).valid
        assert log.read_text().count("metadata") == 1
        path.write_text(path.read_text() + "\n# changed\n")
        assert load_plugin("once", str(path)).valid
        assert log.read_text().count("metadata") == 2
    finally:
        del os.environ["REC_LOG"]


def test_find_plugin_takes_the_first_folder_and_refuses_invalid_ones(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_plugin(second, "rec")
    write_plugin(first, "bad", {"SchemaVersion": "1"})
    assert find_plugin("rec", [str(first), str(second)]).path == f"{second}/docker-rec"
    assert find_plugin("bad", [str(first), str(second)]) is None
    assert find_plugin("Rec", [str(second)]) is None
    assert find_plugin("none", [str(first)]) is None


def test_decode_metadata_keeps_the_fields():
    fields, problem = decode_metadata(b'{"Vendor": "v", "URL": "u", "Other": 1}')
    assert (fields, problem) == ({"Vendor": "v", "URL": "u"}, "")


def test_cobras_completion_protocol():
    answer = parse_completions("alpha\tFirst\nbeta\n\n:4\n")
    assert answer.values == (("alpha", "First"), ("beta", ""))
    assert answer.directive == cliplugins.DIRECTIVE_NO_FILE
    assert parse_completions("no directive\n").directive & cliplugins.DIRECTIVE_ERROR


class _Session:
    def __init__(self, directory: Path, connection: ConnectionOptions, debug: bool = False):
        self.config_directory = directory
        self.connection = connection
        self.debug = debug


def test_global_flags_follow_the_sessions_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "default"))
    session = _Session(tmp_path / "default", ConnectionOptions(context="x"), debug=True)
    assert cliplugins.global_args(session) == ["--context", "x", "-D"]
    session.connection.context = None  # what ``context use`` does
    session.config_directory = tmp_path / "other"
    session.connection.hosts = ["unix:///s.sock"]
    assert cliplugins.global_args(session) == [
        "--config",
        str(tmp_path / "other"),
        "-D",
        "-H",
        "unix:///s.sock",
    ]


def test_the_catalog_never_runs_a_plugin_on_the_callers_thread(tmp_path):
    write_plugin(tmp_path, "slow", script="#!/bin/sh\nsleep 0.5\necho '@METADATA@'\n")
    catalog = Catalog(lambda: [str(tmp_path)], dict, interval=0)
    assert catalog.current() == []  # the first look is under way in the background
    for _ in range(50):
        if catalog.plugins:
            break
        import time

        time.sleep(0.05)
    assert [p.name for p in catalog.valid()] == ["slow"]


@pytest.fixture
def env(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    environment.update(DOCKER_HOST=f"unix://{tmp_path}/no-daemon.sock",
                       DOCKER_CONFIG=str(tmp_path / "config"), HOME=str(tmp_path))  # fmt: skip
    return environment


@pytest.mark.parametrize("args", [["-c", "version"], ["-c", "context ls"], ["--version"]])
def test_startup_neither_imports_nor_runs_plugins(env, tmp_path, args):
    log = tmp_path / "log"
    for index in range(5):
        write_plugin(tmp_path / "config" / "cli-plugins", f"p{index}")
    loaded = modules_after(args, dict(env, REC_LOG=str(log)))
    assert "dshell.cliplugins" not in loaded
    assert not log.exists()


def test_a_plugins_name_is_coloured_as_a_command():
    from pygments.token import Error, Keyword, Text

    from dshell.repl.lexer import lexer_for
    from tests.unit.test_repl_fixtures import registry

    def tokens(line, plugins):
        lexer = lexer_for(registry(), None, lambda: plugins)()
        return [(token, text) for _, token, text in lexer.get_tokens_unprocessed(line)
                if text.strip()]  # fmt: skip

    assert tokens("zzrec al ps", {"zzrec"}) == [(Keyword, "zzrec"), (Text, "al"), (Text, "ps")]
    assert tokens("zzr", {"zzrec"}) == [(Text, "zzr")]  # on its way to the plugin's name
    assert tokens("zzrec ", set()) == [(Error, "zzrec")]


def test_the_completer_offers_plugin_names_and_their_own_arguments(tmp_path):
    from dshell.repl.cache import Snapshot
    from dshell.repl.completer import DockerCompleter
    from dshell.repl.plugins import PluginCompletion
    from tests.unit.test_repl_fixtures import registry

    log = tmp_path / "log"
    write_plugin(tmp_path / "plugins", "zzrec")
    completion = PluginCompletion(lambda: [str(tmp_path / "plugins")], dict)
    completion.catalog.refresh()

    class Cache:
        snapshot = Snapshot()
        preparers: list = []

    completer = DockerCompleter(registry(), Cache(), plugins=completion)
    assert completer.candidates_for("zz") == ["zzrec"]
    os.environ["REC_LOG"] = str(log)
    try:
        assert completer.candidates_for("zzrec x al") == ["alpha", "alpine"]
        assert completer.candidates_for("zzrec x al") == ["alpha", "alpine"]
    finally:
        del os.environ["REC_LOG"]
    assert log.read_text() == "complete: zzrec x al\n"  # asked once, the answer kept
    assert completer.candidates_for("nosuch x al") == []
