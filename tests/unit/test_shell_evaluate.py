"""The evaluator in-process, with the shell's own commands and host commands (no engine):
streams, status rules, substitution, state, and the guard that ends unexpected errors."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from dshell.commands.shell import SessionExit
from dshell.engine.config import ConfigFile
from dshell.engine.endpoint import ConnectionOptions
from dshell.session import DockerSession
from dshell.shell.evaluate import Shell
from dshell.streams import Stream


@pytest.fixture
def run(tmp_path, monkeypatch):
    """run(text) → (stdout, stderr, status) of a line in one shell kept across calls."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PWD", str(tmp_path))
    out, err = io.StringIO(), io.StringIO()
    session = DockerSession(
        ConnectionOptions(hosts=[f"unix://{tmp_path}/no-engine.sock"]), tmp_path,
        ConfigFile(tmp_path / "config.json"),
        streams=(Stream(io.StringIO()), Stream(out), Stream(err)),
    )  # fmt: skip
    shell = Shell(session)

    def run_line(text: str) -> tuple[str, str, int]:
        out.seek(0), out.truncate(), err.seek(0), err.truncate()
        status = shell.run_line(text)
        return out.getvalue(), err.getvalue(), status

    run_line.shell = shell  # type: ignore[attr-defined]
    run_line.session = session  # type: ignore[attr-defined]
    yield run_line
    session.close()


def test_status_rules_of_lists(run):
    assert run("false; echo $?") == ("1\n", "", 0)
    assert run("false && echo no") == ("", "", 1)
    assert run("false || echo yes") == ("yes\n", "", 0)
    assert run("true && false || echo rescued") == ("rescued\n", "", 0)
    assert run("echo $?") == ("0\n", "", 0)


def test_redirections_to_files_in_order(run, tmp_path):
    assert run("echo one > f; echo two >> f; echo err 2> e >&2") == ("", "", 0)
    assert (tmp_path / "f").read_text() == "one\ntwo\n"
    assert (tmp_path / "e").read_text() == "err\n"
    run("nosuchcommand > both 2>&1")
    assert (tmp_path / "both").read_text().startswith("Error: Command not found: nosuchcommand")
    out, err, status = run("echo x > /nonexistent/dir/f")
    assert (out, err, status) == ("", "/nonexistent/dir/f: No such file or directory\n", 1)
    assert run("F='a b'; echo x > $F") == ("", "$F: ambiguous redirect\n", 1)


def test_substitution_runs_in_the_same_shell_and_sets_status(run):
    assert run("X=$(echo a; echo b); echo \"$X\"") == ("a\nb\n", "", 0)
    assert run("X=$(false); echo $?") == ("1\n", "", 0)
    out, err, _ = run("echo [$(nosuchcommand)]")
    assert out == "[]\n" and err.startswith("Error: Command not found: nosuchcommand")
    assert run("echo $(exit 3) $?") == ("3\n", "", 0)


def test_pipelines_feed_host_commands_and_take_the_last_status(run):
    assert run("echo b a c | tr ' ' '\\n' | sort") == ("a\nb\nc\n", "", 0)
    assert run("echo x | grep nothing") == ("", "", 1)
    assert run("nosuchcommand |& tr a-z A-Z") == (
        "ERROR: COMMAND NOT FOUND: NOSUCHCOMMAND\n"
        "TYPE 'HELP' FOR THE LIST OF COMMANDS, 'COMMAND --HELP' FOR ONE COMMAND.\n", "", 0)
    assert run("echo data | head -c 0; echo after") == ("after\n", "", 0)


def test_a_closed_pipe_is_not_an_error(run):
    out, err, status = run("echo " + "y " * 200000 + "| head -c 3")
    assert (out, err, status) == ("y y", "", 0)


def test_variables_exports_and_prefix_assignments(run):
    assert run("A=1; echo $A; sh_value=$(echo v); echo $sh_value") == ("1\nv\n", "", 0)
    assert "A" not in os.environ
    run("export A")
    assert os.environ["A"] == "1"
    run("export B=2; unset A")
    assert "A" not in os.environ and os.environ.pop("B") == "2"
    assert run("C=3 echo $C") == ("\n", "", 0)  # bash: the prefix is for the command only


def test_cd_and_pwd(run, tmp_path):
    (tmp_path / "sub").mkdir()
    assert run("cd sub && pwd") == (f"{tmp_path}/sub\n", "", 0)
    assert Path.cwd() == tmp_path / "sub"
    assert run("cd -") == (f"{tmp_path}\n", "", 0)
    assert run("cd /nonexistent") == ("", "cd: /nonexistent: No such file or directory\n", 1)
    assert run("cd; pwd") == (f"{tmp_path}\n", "", 0)


def test_export_of_a_non_variable_is_docker_container_export(run):
    out, err, status = run("export nosuchcontainer -o x.tar")
    assert "no-engine.sock" in err and status == 1  # went to the Engine, as docker export


def test_aliases(run):
    assert run("alias hi='echo hello'") == ("", "", 0)
    assert run("hi world") == ("hello world\n", "", 0)
    assert run("alias") == ("alias hi='echo hello'\n", "", 0)
    assert run("unalias hi; hi x") == ("hello x\n", "", 0)  # the line was parsed first
    assert run("hi")[2] == 1
    assert run("unalias hi") == ("", "unalias: hi: not found\n", 1)


def test_source_runs_a_file_in_this_session(run, tmp_path):
    (tmp_path / "s.dsh").write_text("Z=from-file\necho \"$1\"\nfalse\n")
    assert run("source s.dsh arg; echo $Z $?") == ("arg\nfrom-file 1\n", "", 0)
    assert run(". missing.dsh") == ("", "missing.dsh: No such file or directory\n", 1)


def test_echo_flags(run):
    assert run("echo -n a; echo -e 'b\\tc'; echo -E 'd\\t'; echo --help -x") == (
        "ab\tc\nd\\t\n--help -x\n", "", 0)


def test_an_unexpected_exception_is_one_line_and_the_next_command_runs(run, monkeypatch):
    session = run.session

    def broken(opts):  # noqa: ANN001
        raise RuntimeError("injected")

    monkeypatch.setattr(session, "cmd_pwd", broken, raising=False)
    broken.__command__ = type(session).cmd_pwd.__command__  # type: ignore[attr-defined]
    out, err, status = run("pwd; echo next")
    assert err == "dshell: internal error: RuntimeError: injected (run with -D for details)\n"
    assert (out, status) == ("next\n", 0)
    session.debug = True
    _, err, _ = run("pwd")
    assert "Traceback" in err and err.endswith("(run with -D for details)\n")


def test_exit_inside_substitution_does_not_end_the_shell(run):
    assert run("echo $(exit 4)$?") == ("4\n", "", 0)
    with pytest.raises(SessionExit):
        run("exit 2")


def test_a_failing_background_thread_is_one_line(capsys, monkeypatch):
    import threading

    from dshell import main

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    main._report_thread_errors(debug=False)

    def fail() -> None:
        raise KeyError("cache")

    worker = threading.Thread(target=fail)
    worker.start()
    worker.join()
    assert capsys.readouterr().err == (
        "dshell: internal error: KeyError: 'cache' (run with -D for details)\n")


@pytest.mark.parametrize(
    ("lines", "commands"),
    [
        (["echo 'a", "b'", "ps"], [(1, "echo 'a\nb'"), (3, "ps")]),
        (["echo 'open", "ps", "echo x"], [(1, "echo 'open"), (2, "ps"), (3, "echo x")]),
        (["ps |", "grep x", "ps &&", "", "true"], [(1, "ps |\ngrep x"), (3, "ps &&\n\ntrue")]),
        (['echo "$(ps', ')"', "x"], [(1, 'echo "$(ps\n)"'), (3, "x")]),
        (["echo `ps", "x`"], [(1, "echo `ps\nx`")]),
        (["a \\", "b"], [(1, "a b")]),
    ],
)
def test_lines_join_as_bash_reads_a_script(lines, commands):
    from dshell.shell.evaluate import logical_commands

    assert list(logical_commands(lines)) == commands


def test_substitutions_and_pipeline_stages_are_subshells(run, tmp_path):
    (tmp_path / "sub").mkdir()
    assert run('X=$(Y=1; cd sub; alias q=pwd; echo a); echo "[$Y] $X"; pwd') == (
        f"[] a\n{tmp_path}\n", "", 0)
    assert run("cd sub | cat; export Q=1 | cat; pwd; echo [$Q]") == (f"{tmp_path}\n[]\n", "", 0)
    assert run("alias q")[2] == 1


def test_a_line_run_again_is_parsed_once_and_expanded_anew(run):
    """Repeated lines reuse their parse; what the words expand to is read at each run, and an
    alias defined in between changes what the same text means."""
    from dshell.shell import evaluate

    line = """echo "$X" '$X' $(echo sub-$X) a${X}b"""
    run("X=one")
    assert run(line) == ("one $X sub-one aoneb\n", "", 0)
    tree = evaluate._PARSED[line]
    run("X=two")
    assert run(line) == ("two $X sub-two atwob\n", "", 0)
    assert evaluate._PARSED[line] is tree
    assert run("greet")[2] == 1
    run("alias greet='echo hello'")
    assert run("greet") == ("hello\n", "", 0)
    run("unalias greet")
    assert run("greet")[2] == 1
