"""Candidates for each kind, on cache data built from plain dicts (no daemon)."""

from __future__ import annotations

import os

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from dshell.repl.candidates import Candidate
from dshell.repl.completer import DockerCompleter, fuzzy_match
from tests.unit.test_repl_fixtures import cache, registry


@pytest.fixture
def completer():
    return DockerCompleter(registry(), cache())


def texts(completer, line):
    return completer.candidates_for(line)


def completions(completer, line):
    event = CompleteEvent(completion_requested=True)
    return list(completer.get_completions(Document(line), event))


def test_top_level_words_and_aliases_without_hidden(completer):
    words = texts(completer, "")
    assert {"container", "image", "ps", "run", "rmi", "help"} <= set(words)
    assert "hidden-thing" not in words
    assert texts(completer, "co") == ["container", "context"]


def test_subcommands_with_summaries(completer):
    found = completions(completer, "container ")
    assert [c.text for c in found] == ["cp", "exec", "list", "ls", "rm", "run", "start", "stop",
                                       "unpause"]
    assert found[0].display_meta_text == "Copy files"


def test_flags_with_descriptions_and_no_repeat(completer):
    found = completions(completer, "ps --")
    assert [c.text for c in found] == ["--all", "--filter", "--format", "--quiet"]
    assert found[0].display_meta_text == "Show all containers"
    assert "--all" not in texts(completer, "ps -a --")
    assert "--filter" in texts(completer, "ps -f a=b --")  # repeatable
    after_it = texts(completer, "run -it -")
    assert "--interactive" not in after_it and "-t" not in after_it and "-d" in after_it
    assert "--env" in texts(completer, "run -e A=1 --e")


def test_short_spellings_only_after_a_single_dash(completer):
    assert "-a" in texts(completer, "ps -")
    assert "-a" not in texts(completer, "ps --")
    assert "-a" not in texts(completer, "ps ")


def test_containers_by_state(completer):
    assert texts(completer, "start ") == ["fresh", "worker"]
    assert texts(completer, "stop ") == ["web"]
    assert texts(completer, "exec -it ") == ["web"]
    assert texts(completer, "unpause ") == ["napping"]
    assert texts(completer, "rm ") == ["fresh", "worker"]
    assert texts(completer, "rm -f ") == ["fresh", "napping", "web", "worker"]
    assert texts(completer, "logs w") == ["web", "worker"]


def test_container_meta_shows_image_and_status(completer):
    (web,) = completions(completer, "stop w")
    assert web.display_meta_text == "nginx:latest · Up 2 minutes"


def test_images_as_repo_tag_with_size_and_age(completer):
    assert texts(completer, "run ") == ["127.0.0.1:5000/bb:v1", "busybox:latest",
                                        "nginx:latest"]
    (busybox,) = completions(completer, "run -it bu")
    assert busybox.display_meta_text.startswith("1.98MB · ")
    assert busybox.display_meta_text.endswith(" ago")
    assert texts(completer, "rmi n") == ["nginx:latest"]


def test_nothing_after_run_image(completer):
    assert texts(completer, "run busybox ") == []
    assert texts(completer, "run busybox --") == []
    assert texts(completer, "run -it busybox sh -") == []


def test_flag_values(completer):
    assert texts(completer, "run --restart ") == ["no", "on-failure", "always", "unless-stopped"]
    assert texts(completer, "run --restart=un") == ["unless-stopped"]
    assert texts(completer, "run --pull m") == ["missing"]
    assert texts(completer, "run --network b") == ["backend", "bridge"]
    assert "SIGKILL" in texts(completer, "stop -s ")
    assert texts(completer, "stop --signal=SIGTER") == ["SIGTERM"]
    assert texts(completer, "volume inspect ") == ["cache", "data"]
    assert texts(completer, "context use ") == ["default", "remote"]
    assert texts(completer, "logs --mystery ") == []


def test_filter_keys_then_values(completer):
    keys = texts(completer, "ps -f ")
    assert "status=" in keys and "ancestor=" in keys
    assert texts(completer, "ps --filter st") == ["status="]
    assert texts(completer, "ps -f status=r") == ["restarting", "running", "removing"]
    assert texts(completer, "ps -f ancestor=bu") == ["busybox:latest"]
    assert texts(completer, "ps -f network=h") == ["host"]
    assert texts(completer, "images -f dangling=") == ["true", "false"]
    found = completions(completer, "ps -f status=ru")
    assert found[0].start_position == -2


def test_format_fields_per_resource(completer):
    assert texts(completer, "ps --format '{{.Na") == ["{{.Names}}"]
    assert "{{.Repository}}" in texts(completer, "images --format ")
    assert "{{.Names}}" not in texts(completer, "images --format ")
    assert texts(completer, "ps --format t") == ["table"]
    assert texts(completer, "ps --format 'table {{.ID}}\\t{{.St") == ["{{.State}}",
                                                                         "{{.Status}}"]
    assert texts(completer, "volume inspect -f ") == ["json", "{{json .}}"]


def test_local_paths(completer, tmp_path, monkeypatch):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "cid.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    assert texts(completer, "run --cidfile ") == ["cid.txt", "ctx/"]
    assert texts(completer, "build ") == ["ctx/"]
    assert texts(completer, f"run -v {tmp_path}/c") == [f"{tmp_path}/cid.txt", f"{tmp_path}/ctx/"]
    assert texts(completer, "cp ") == ["fresh", "napping", "web", "worker", "cid.txt", "ctx/"]


def test_container_paths_only_on_an_explicit_tab():
    calls = []

    def lister(container, partial):
        calls.append((container, partial))
        return [Candidate("/etc/passwd"), Candidate("/etc/profile"), Candidate("/etc/hosts")]

    completer = DockerCompleter(registry(), cache(), container_paths=lister)
    assert completer.candidates_for("cp web:/etc/p") == ["/etc/passwd", "/etc/profile"]
    assert calls == [("web", "/etc/p")]
    typing = CompleteEvent(text_inserted=True)
    assert list(completer.get_completions(Document("cp web:/etc/p"), typing)) == []
    assert len(calls) == 1


def test_fuzzy_matching_is_optional():
    plain = DockerCompleter(registry(), cache())
    fuzzy = DockerCompleter(registry(), cache(), fuzzy=True)
    assert texts(plain, "cntr") == []
    assert texts(fuzzy, "cntr") == ["container"]
    assert texts(fuzzy, "stop wb") == ["web"]
    assert fuzzy_match("ngx", "nginx:latest") and not fuzzy_match("xgn", "nginx")


def test_candidates_follow_a_new_snapshot():
    from dataclasses import replace

    built = cache()
    completer = DockerCompleter(registry(), built)
    assert texts(completer, "stop ") == ["web"]
    extra = {"Id": "e" * 64, "Names": ["/newcomer"], "Image": "busybox", "State": "running",
             "Status": "Up 1 second"}
    built.snapshot = replace(built.snapshot, containers=(*built.snapshot.containers, extra))
    assert texts(completer, "stop ") == ["newcomer", "web"]


def test_unnamed_container_falls_back_to_short_id():
    from dshell.repl.cache import ResourceCache

    odd = ResourceCache.from_data(containers=[{"Id": "f" * 64, "Names": [], "State": "running"}])
    assert DockerCompleter(registry(), odd).candidates_for("stop ") == ["f" * 12]


def test_the_real_session_registry_completes_its_commands():
    from dshell.session import DockerSession

    real = DockerCompleter(DockerSession.registry, cache())
    assert "container" in real.candidates_for("")
    assert "ls" in real.candidates_for("container ")
    assert "--format" in real.candidates_for("ps --")


def test_paths_expand_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "notes").mkdir()
    completer = DockerCompleter(registry(), cache())
    assert texts(completer, "build ~/n") == ["~/notes/"]
    assert os.path.isdir(tmp_path / "notes")


def test_object_kind_offers_every_named_object():
    from dshell.commands.declare import Arg, Command, Registry

    inspect = Command(("inspect",), "Inspect", "cmd_inspect", args=(Arg("NAME", kind="object",
                                                                       many=True),))
    completer = DockerCompleter(Registry([inspect]), cache())
    found = completer.candidates_for("inspect ")
    assert {"web", "busybox:latest", "bridge", "data"} <= set(found)


def test_every_declared_filter_and_format_kind_has_a_table():
    """A new ``filter:x`` or ``format:x`` in a declaration needs its keys/fields here."""
    from dshell.repl.suggest import FILTERS, FORMAT_FIELDS
    from dshell.session import DockerSession

    kinds = {f.kind for c in DockerSession.registry.commands for f in c.flags if f.kind}
    for kind in kinds:
        if kind.startswith("filter:"):
            assert kind[len("filter:"):] in FILTERS, kind
        if kind.startswith("format:"):
            assert kind[len("format:"):] in FORMAT_FIELDS, kind


@pytest.mark.parametrize(
    "line, expected",
    [
        ("start ", ["fresh", "worker"]),
        ("stop ", ["napping", "web"]),
        ("kill ", ["napping", "web"]),
        ("wait ", ["napping", "web"]),
        ("pause ", ["web"]),
        ("unpause ", ["napping"]),
        ("exec ", ["web"]),
        ("attach ", ["web"]),
        ("rm ", ["fresh", "worker"]),
        ("restart ", ["fresh", "napping", "web", "worker"]),
        ("logs ", ["fresh", "napping", "web", "worker"]),
    ],
)
def test_real_declarations_filter_containers_as_docker_complete_does(line, expected):
    """What `docker __complete CMD ''` offers for each state (measured on docker 28.2.2)."""
    from dshell.session import DockerSession

    assert DockerCompleter(DockerSession.registry, cache()).candidates_for(line) == expected


def test_plugin_arguments_complete_engine_plugins_by_state():
    """`plugin enable` offers the disabled plugins, `disable` the enabled, the rest all of
    them (the cache lists /plugins and /events' plugin events keep it fresh)."""
    from dataclasses import replace

    from dshell.session import DockerSession

    built = cache()
    built.snapshot = replace(built.snapshot, plugins=(
        {"Name": "vol:latest", "Enabled": True, "Config": {"Description": "a volume driver"}},
        {"Name": "net:1.0", "Enabled": False, "Config": {}},
    ))  # fmt: skip
    completer = DockerCompleter(DockerSession.registry, built)
    assert texts(completer, "plugin enable ") == ["net:1.0"]
    assert texts(completer, "plugin disable ") == ["vol:latest"]
    assert texts(completer, "plugin rm ") == ["net:1.0", "vol:latest"]
    assert texts(completer, "plugin inspect v") == ["vol:latest"]
    assert "vol:latest" in texts(completer, "inspect ")
    found = completions(completer, "plugin disable ")
    assert found[0].display_meta_text == "a volume driver"
