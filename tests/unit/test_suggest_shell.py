"""Completion in the shell language: where the cursor stands in the parsed line (a dshell
command, a host stage, a redirection, a variable name) → what kind of value fits there, then
the candidates the shell's state gives for the shell's own kinds."""

from __future__ import annotations

import os
import stat

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from dshell.repl.completer import DockerCompleter
from dshell.repl.suggest import suggest
from dshell.shellstate import ShellState
from tests.unit.test_repl_fixtures import cache, registry

REGISTRY = registry()
ALIASES = {"ll": "container ls", "st": "stop -s ", "web": "logs"}

CASES = [
    # after ; && || the next command starts: command words (and aliases), as at line start
    ("ps; ", ("words",), ""),
    ("ps;st", ("words",), "st"),
    ("ps && sto", ("words",), "sto"),
    ("ps || ", ("words",), ""),
    ("ps && stop ", ("container:running",), ""),
    ("ps; rm -f ", ("container:all",), ""),
    ("ps\nstart ", ("container:stopped",), ""),
    # inside an unclosed $( or backquote: the inner text, as at line start
    ("echo $(", ("words",), ""),
    ("echo $(sto", ("words",), "sto"),
    ("stop $(ps -", ("flags",), "-"),
    ("echo $(ps -q; start ", ("container:stopped",), ""),
    ('echo "$(stop ', ("container:running",), ""),
    ("echo `sto", ("words",), "sto"),
    ("echo `start ", ("container:stopped",), ""),
    ("echo ${X:-$(start ", ("container:stopped",), ""),
    # a closed substitution is a finished part of the word: the outer command goes on
    ("stop $(ps -q) ", ("container:running",), ""),
    ("echo $(ps) | gre", ("host-command",), "gre"),
    # variable names after $ and ${ (words of any command, host stages, redirections)
    ("echo $", ("variable",), ""),
    ("echo $HO", ("variable",), "HO"),
    ("echo ${HO", ("variable",), "HO"),
    ('echo "a $HO', ("variable",), "HO"),
    ("ps | grep $PA", ("variable",), "PA"),
    ("ps > $OU", ("variable",), "OU"),
    ("$DOCK", ("variable",), "DOCK"),
    ("echo ${X:-y", (), ""),  # the default value: nothing to offer
    ("echo '$HO", (), "$HO"),  # single quotes: no expansion
    # host stages after |: programs first, then paths
    ("ps | ", ("host-command",), ""),
    ("ps | gre", ("host-command",), "gre"),
    ("ps |& gre", ("host-command",), "gre"),
    ("ps | grep ", ("path",), ""),
    ("ps | grep x /et", ("path",), "/et"),
    ("ps | grep x | wc -", ("path",), "-"),
    ("ps | ./scr", ("path",), "./scr"),
    ("ps -a 2>&1 | so", ("host-command",), "so"),
    # ! escapes: the rest of the line is the system shell's
    ("!", ("host-command",), ""),
    ("!gre", ("host-command",), "gre"),
    ("! ls /tm", ("path",), "/tm"),
    ("!ls | gre", ("host-command",), "gre"),
    ("ps; !ec", ("host-command",), "ec"),
    ("!echo $HO", ("variable:exported",), "HO"),  # /bin/sh expands it: exported ones only
    # redirections: their targets are local files; a descriptor after >& is not
    ("ps > ", ("path",), ""),
    ("ps >/tm", ("path",), "/tm"),
    ("ps >> out", ("path",), "out"),
    ("ps 2> err", ("path",), "err"),
    ("ps &> al", ("path",), "al"),
    ("stop < in", ("path",), "in"),
    ("ps 2>&", (), ""),
    ("ps > out -", ("flags",), "-"),  # the redirection is done: the command's flags again
    ("stop > out ", ("container:running",), ""),
    # assignments before a command do not make it a different command
    ("X=1 ", ("words",), ""),
    ("X=1 stop ", ("container:running",), ""),
    ("X=$HO", ("variable",), "HO"),
    # aliases expand before the command is looked up, as the shell runs them
    ("ll -", ("flags",), "-"),
    ("ll --f", ("flags",), "--f"),
    ("st ", ("signal",), ""),  # alias value ending in a blank: the next word is its value
    ("web ", ("container:all",), ""),
    ("echo $(ll -", ("flags",), "-"),
    ("ll", ("words",), "ll"),  # still typing the alias's name: command words
    # words as the shell sees them: quotes removed
    ("ps && stop 'we", ("container:running",), "we"),
    ("ps | grep \"a b", ("path",), "a b"),
    # comments end the line, wherever they start
    ("ps; stop # ", (), ""),
    ("echo $(ps # ", (), ""),
    # text that cannot run: nothing to offer
    ("ps ) ", (), ""),
    ("ps & ", (), ""),
]


@pytest.mark.parametrize(("line", "kinds", "word"), CASES)
def test_expected_kinds_in_the_shell_language(line, kinds, word):
    expected = suggest(line, REGISTRY, aliases=ALIASES)
    assert expected.kinds == kinds
    if kinds:
        assert expected.word == word


def test_line_start_offers_aliases_but_help_does_not():
    (first,) = suggest("ps; ", REGISTRY).suggestions
    assert first.aliases
    (topic,) = suggest("help ", REGISTRY).suggestions
    assert not topic.aliases


def test_braced_variable_is_closed_by_the_completion():
    (braced,) = suggest("echo ${HO", REGISTRY).suggestions
    (bare,) = suggest("echo $HO", REGISTRY).suggestions
    assert (braced.replace, braced.suffix) == ("HO", "}")
    assert (bare.replace, bare.suffix) == ("HO", "")


def test_without_aliases_an_alias_name_is_an_unknown_command():
    assert suggest("ll -", REGISTRY).kinds == ()


# -- candidates for the shell's kinds ------------------------------------------------------


@pytest.fixture
def state(monkeypatch):
    shell = ShellState()
    shell.local["DSH_LOCAL_ONE"] = "1"
    shell.aliases.update({"ll": "container ls", "stopall": "stop $(ps -q)"})
    monkeypatch.setenv("DSH_EXPORTED", "yes")
    return shell


@pytest.fixture
def completer(state):
    return DockerCompleter(registry(), cache(), shell_state=state)


def test_variables_local_and_exported(completer):
    assert completer.candidates_for("echo $DSH_") == ["DSH_EXPORTED", "DSH_LOCAL_ONE"]
    assert completer.candidates_for("echo ${DSH_L") == ["DSH_LOCAL_ONE}"]
    assert completer.candidates_for("ps | grep $DSH_E") == ["DSH_EXPORTED"]
    assert completer.candidates_for("echo '$DSH_") == []
    assert completer.candidates_for("!echo $DSH_") == ["DSH_EXPORTED"]


def completions(completer, line):
    return list(completer.get_completions(Document(line), CompleteEvent(completion_requested=True)))


def test_variable_completion_replaces_only_the_name(completer):
    (found,) = completions(completer, "echo ${DSH_L")
    assert found.start_position == -len("DSH_L")
    assert found.display_text == "DSH_LOCAL_ONE"


def test_aliases_complete_as_command_words(completer):
    assert completer.candidates_for("l") == ["ll", "logs"]
    assert completer.candidates_for("ps && stop") == ["stop", "stopall"]
    assert completer.candidates_for("echo $(ll -") == ["--all", "-a", "--filter", "-f",
                                                       "--format", "--quiet", "-q"]
    assert "ll" not in completer.candidates_for("help ")


def test_builtins_complete_aliases_variables_and_directories(state, tmp_path, monkeypatch):
    from dshell.session import DockerSession

    (tmp_path / "logs").mkdir()
    (tmp_path / "notes.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    real = DockerCompleter(DockerSession.registry, cache(), shell_state=state)
    assert real.candidates_for("unalias s") == ["stopall"]
    assert real.candidates_for("unset DSH_") == ["DSH_EXPORTED", "DSH_LOCAL_ONE"]
    assert real.candidates_for("cd ") == ["logs/"]


def test_after_a_separator_and_inside_substitutions(completer):
    assert completer.candidates_for("ps; sto") == ["stop", "stopall"]
    assert completer.candidates_for("echo $(stop ") == ["web"]
    assert completer.candidates_for("echo `start ") == ["fresh", "worker"]
    assert completer.candidates_for("stop $(ps -q) w") == ["web"]


@pytest.fixture
def programs(tmp_path, monkeypatch):
    """A $PATH of two directories: dshtool runnable in both, dshdata not runnable."""
    first, second = tmp_path / "bin1", tmp_path / "bin2"
    for directory in (first, second):
        directory.mkdir()
        tool = directory / "dshtool"
        tool.write_text("#!/bin/sh\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    (first / "dshdata").write_text("not a program")
    (second / "dshother").write_text("#!/bin/sh\n")
    (second / "dshother").chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(first), str(second)]))
    return first, second


def test_host_stage_completes_programs_on_path(completer, programs):
    first, _ = programs
    assert completer.candidates_for("ps | dsh") == ["dshother", "dshtool"]
    assert completer.candidates_for("!dsh") == ["dshother", "dshtool"]
    (tool,) = completions(completer, "ps | dsht")
    assert tool.display_meta_text == str(first)  # the first directory on $PATH wins


def test_programs_are_listed_again_when_path_changes(completer, programs):
    first, _ = programs
    assert completer.candidates_for("ps | dshn") == []
    newcomer = first / "dshnew"
    newcomer.write_text("#!/bin/sh\n")
    newcomer.chmod(0o755)
    os.utime(first, ns=(1, first.stat().st_mtime_ns + 10_000_000_000))
    assert completer.candidates_for("ps | dshn") == ["dshnew"]


def test_host_stage_and_redirections_complete_local_paths(completer, tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "logs").mkdir()
    monkeypatch.chdir(tmp_path)
    assert completer.candidates_for("ps | grep x no") == ["notes.txt"]
    assert completer.candidates_for("!cat no") == ["notes.txt"]
    assert completer.candidates_for("ps > lo") == ["logs/"]
    assert completer.candidates_for("ps 2>> lo") == ["logs/"]
    assert completer.candidates_for("ps &>") == ["logs/", "notes.txt"]
    assert completer.candidates_for("ps 2>&") == []


def test_plain_lines_complete_as_before(completer):
    assert completer.candidates_for("stop ") == ["web"]
    assert completer.candidates_for("co") == ["container", "context"]
    assert completer.candidates_for("ps --format '{{.Na") == ["{{.Names}}"]
