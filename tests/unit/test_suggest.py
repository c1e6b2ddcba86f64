"""What is expected at the cursor: input line → suggestion kinds (pgcli's table tests)."""

from __future__ import annotations

import pytest

from dshell.globalflags import DSHELL_COMMAND
from dshell.repl.suggest import split_partial, suggest
from tests.unit.test_repl_fixtures import registry

REGISTRY = registry()

CASES = [
    # command words, multi-word commands and aliases
    ("", ("words",)),
    ("con", ("words",)),
    ("container ", ("words",)),
    ("container l", ("words",)),
    ("frobnicate ", ()),
    ("help ", ("words",)),
    ("help container ", ("words",)),
    # flags, values by kind
    ("ps -", ("flags",)),
    ("ps ", ("flags",)),
    ("container ls --f", ("flags",)),
    ("ps -f ", ("filter:container",)),
    ("ps --filter ", ("filter:container",)),
    ("ps -f status=", ("choice:created|restarting|running|removing|paused|exited|dead",)),
    ("ps -f ancestor=", ("image",)),
    ("ps -f label=", ()),
    ("ps --format ", ("format:container",)),
    ("ps --format '{{.N", ("format:container",)),
    ("ps --format=", ("format:container",)),
    ("images --format ", ("format:image",)),
    ("volume inspect -f ", ("format",)),
    ("events -f type=", ("choice:container|image|volume|network|daemon|plugin|node|service|"
                         "secret|config",)),
    ("run --restart ", ("choice:no|on-failure|always|unless-stopped",)),
    ("run --pull=", ("choice:always|missing|never",)),
    ("run --network ", ("network",)),
    ("run -v ", ("path",)),
    ("run --cidfile ", ("path",)),
    ("run --name ", ()),
    ("stop -s ", ("signal",)),
    ("stop --signal=", ("signal",)),
    ("logs --mystery ", ("sparkles",)),
    # positionals by kind, containers by state
    ("start ", ("container:stopped",)),
    ("container start ", ("container:stopped",)),
    ("stop ", ("container:running",)),
    ("stop web ", ("container:running",)),
    ("exec ", ("container:running",)),
    ("unpause ", ("container:paused",)),
    ("rm ", ("container:stopped",)),
    ("rm -f ", ("container:all",)),
    ("rm --force x ", ("container:all",)),
    ("logs ", ("container:all",)),
    ("logs web ", ("flags",)),
    ("rmi ", ("image-tagged",)),
    ("run ", ("image",)),
    ("run -it ", ("image",)),
    ("run -d --name x -e A=1 ", ("image",)),
    ("network rm ", ("network",)),
    ("volume inspect ", ("volume",)),
    ("context use ", ("context",)),
    ("build ", ("path:dir",)),
    ("cp ", ("container:all", "path")),
    ("cp web:/et", ("container-path",)),
    ("cp ./local ", ("container:all", "path")),
    # after run … IMAGE the rest belongs to the container
    ("run busybox ", ()),
    ("run busybox -", ()),
    ("run -it busybox sh -c ", ()),
    ("exec web ", ()),
    ("exec -it web --", ()),
    # after --, no flags
    ("logs -- -", ("container:all",)),
    # comments end the line
    ("ps # ", ()),
]


@pytest.mark.parametrize(("line", "kinds"), CASES)
def test_expected_kinds(line, kinds):
    assert suggest(line, REGISTRY).kinds == kinds


def test_word_under_cursor_is_unquoted():
    expected = suggest("ps --format '{{.Na", REGISTRY)
    assert expected.word == "{{.Na"
    assert expected.suggestions[0].replace == "{{.Na"


def test_filter_value_replaces_only_the_value():
    expected = suggest("ps -f status=ru", REGISTRY)
    assert expected.suggestions[0].replace == "ru"


def test_container_path_names_the_container():
    (suggestion,) = suggest("cp web:/etc/pa", REGISTRY).suggestions
    assert (suggestion.container, suggestion.replace) == ("web", "/etc/pa")


def test_given_flags_are_excluded_unless_repeatable():
    (suggestion,) = suggest("run -it -e A=1 --name x -", REGISTRY).suggestions
    assert {"interactive", "tty", "name"} <= suggestion.exclude
    assert "env" not in suggestion.exclude


def test_stacked_short_flag_waiting_for_its_value():
    # -de: -d is a bool, -e takes the next word
    assert suggest("run -de ", REGISTRY).kinds == ()
    assert suggest("run -dv ", REGISTRY).kinds == ("path",)
    assert suggest("run -dv/tmp ", REGISTRY).kinds == ("image",)


def test_help_words_follow_earlier_arguments():
    (suggestion,) = suggest("help container ", REGISTRY).suggestions
    assert suggestion.words == ("container",)


def test_top_command_for_the_dshell_command_line():
    assert suggest("--context ", REGISTRY, top=DSHELL_COMMAND).kinds == ("context",)
    assert suggest("-H ", REGISTRY, top=DSHELL_COMMAND).kinds == ("host",)
    assert suggest("-l ", REGISTRY, top=DSHELL_COMMAND).kinds[0].startswith("choice:debug")
    assert suggest("", REGISTRY, top=DSHELL_COMMAND).kinds == ("path",)
    assert suggest("script.dsh ", REGISTRY, top=DSHELL_COMMAND).kinds == ()


@pytest.mark.parametrize(("text", "words", "current"), [
    ("ps -a", ["ps"], "-a"),
    ("ps -a ", ["ps", "-a"], ""),
    ("run -e 'A B' x", ["run", "-e", "A B"], "x"),
    ("ps --format '{{.ID", ["ps", "--format"], "{{.ID"),
    ('echo "a \\" b" c\\ d', ["echo", 'a " b'], "c d"),
    ("ps # comment", ["ps"], ""),
])  # fmt: skip
def test_split_partial(text, words, current):
    assert split_partial(text) == (words, current)
