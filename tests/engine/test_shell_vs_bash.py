"""The shell language against bash: the same script, once for dshell and once for bash with
`docker ` in front of each docker command, run in the same directory and environment against
the same daemon, must print the same standard output and end with the same status — through
`-c`, piped standard input and an executable script file.

In a case, `{d}` marks a docker command (nothing for dshell, the docker CLI for bash) and `{h}`
a host command (`!` for dshell, nothing for bash).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests import harness

CASES = {
    "variables": """\
IMG=busybox
{d}inspect -f '{{{{.Os}}}}' $IMG
echo "status $?" ${{UNSET:-fallback}} "${{IMG}}:latest"
""",
    "assign default and unset": """\
echo ${{TAG:=latest}} $TAG
unset TAG
echo "[${{TAG-gone}}]"
""",
    "word splitting and quoting": """\
F='{{{{.Os}}}} {{{{.Architecture}}}}'
{d}inspect -f "$F" busybox
X="a   b"
echo $X "$X" '$X' \\$X ""x
echo $'tab\\there' $'q\\'q'
""",
    "command substitution": """\
{d}inspect -f '{{{{.Os}}}}' $({d}images -q busybox)
ID="$({d}images -q busybox)"
echo ${{#ID}}
echo $(echo nested $(echo deeper)) `echo back`
""",
    "status lists": """\
{d}inspect nosuchobject 2>/dev/null || echo "failed with $?"
{d}version -f ok && echo yes
{d}inspect nosuchobject 2>/dev/null && echo never
echo "last $?"
false || true && echo chained
""",
    "pipelines into host commands": """\
{d}images --format '{{{{.Repository}}}}:{{{{.Tag}}}}' | grep busy | sort
{d}inspect nosuchobject 2>&1 | sed 's/^/E: /'
{d}version -f '{{{{.Client.Os}}}}' | tr a-z A-Z | rev | rev
""",
    "redirections": """\
{d}inspect -f '{{{{.Os}}}}' busybox > out.txt
{d}inspect -f '{{{{.Architecture}}}}' busybox >> out.txt
{d}inspect nosuchobject 2> err.txt
echo "status $?"
{h}cat out.txt err.txt
{d}inspect nosuchobject > both.txt 2>&1
{h}cat both.txt
{d}inspect nosuchobject &> amp.txt
{h}wc -l amp.txt
""",
    "binary output and input through files": """\
{d}save busybox > image.tar
{d}load < image.tar
{d}save -o image2.tar busybox
{h}cmp image.tar image2.tar && echo same
""",
    "cd, pwd and relative paths": """\
{h}mkdir -p sub/deeper
cd sub
pwd
{d}inspect -f '{{{{.Os}}}}' busybox > here.txt
cd deeper && pwd
cd -
cd ..
{h}cat sub/here.txt
cd /nonexistent-dir 2>/dev/null
echo "cd status $?"
""",
    "export to host commands": """\
export GREETING=hello
LOCAL=not-exported
{h}sh -c 'echo "$GREETING [$LOCAL]"'
""",
    "globbing": """\
{h}touch b.txt a.txt c.log
echo *.txt ?.log
echo '*.txt' nomatch*.xyz
""",
    "containers by substitution": """\
{d}create --name "$RUN_NAME" busybox true > /dev/null
{d}rm $({d}ps -aq --filter "name=$RUN_NAME") > /dev/null && echo removed
{d}ps -aq --filter "name=$RUN_NAME" | wc -l
""",
    "exit status of the last command": """\
{d}run --rm busybox sh -c 'echo out; exit 3'
""",
    "source": """\
echo 'W=from-sourced' > vars.sh
echo 'echo "in source $W"' >> vars.sh
source vars.sh
echo "after $W"
""",
}


def _dshell_text(template: str) -> str:
    return template.format(d="", h="!")


def _bash_text(template: str) -> str:
    return template.format(d=f"{harness.DOCKER_CLI} ", h="")


def _environment(engine: harness.Engine, tmp_path: Path, who: str) -> dict[str, str]:
    return dict(engine.env, HOME=str(tmp_path), LC_ALL="C.UTF-8",
                RUN_NAME=f"{harness.unique_name('sh')}-{who}")  # fmt: skip


def _workdir(tmp_path: Path, who: str) -> Path:
    directory = tmp_path / who
    directory.mkdir()
    return directory


def _run(argv: list[str], env: dict[str, str], cwd: Path, input: str | None = None):  # noqa: ANN202
    return harness._run(argv, env, input, 120, cwd)


@pytest.mark.parametrize("mode", ["-c", "stdin", "script"])
@pytest.mark.parametrize("case", list(CASES))
def test_same_output_and_status_as_bash(engine, tmp_path, case, mode):
    results = {}
    for who, text in (("bash", _bash_text(CASES[case])), ("dshell", _dshell_text(CASES[case]))):
        env = _environment(engine, tmp_path, who)
        cwd = _workdir(tmp_path, who)
        interpreter = ["bash"] if who == "bash" else list(harness.DSHELL_COMMAND)
        if mode == "-c":
            results[who] = _run([*interpreter, "-c", text], env, cwd)
        elif mode == "stdin":
            results[who] = _run(interpreter, env, cwd, input=text)
        else:
            script = tmp_path / f"{who}-script"
            shebang = "#!/bin/bash" if who == "bash" else \
                f"#!/usr/bin/env -S {sys.executable} -m dshell"
            script.write_text(f"{shebang}\n{text}")
            script.chmod(script.stat().st_mode | stat.S_IXUSR)
            results[who] = _run([str(script)], env, cwd)
        results[who] = harness.Result(results[who].out.replace(str(cwd), "<workdir>"),
                                      results[who].err, results[who].status)  # fmt: skip
    bash, dshell = results["bash"], results["dshell"]
    assert (dshell.out, dshell.status) == (bash.out, bash.status), dshell.err
    assert "Traceback" not in dshell.err


def test_aliases_defined_in_a_script_work_on_later_lines(engine, tmp_path):
    template = """\
alias osof="{d}inspect -f '{{{{.Os}}}}'"
osof busybox
alias osof
unalias osof
osof busybox 2>/dev/null || echo "gone after unalias"
"""
    bash = _run(["bash", "-c", "shopt -s expand_aliases\n" + _bash_text(template)],
                _environment(engine, tmp_path, "bash"), _workdir(tmp_path, "bash"))
    dshell = _run([*harness.DSHELL_COMMAND, "-c", _dshell_text(template)],
                  _environment(engine, tmp_path, "dshell"), _workdir(tmp_path, "dshell"))
    expected_alias = "alias osof='inspect -f '\\''{{.Os}}'\\'''\n"
    assert dshell.out == bash.out.replace(
        f"alias osof='{harness.DOCKER_CLI} inspect", "alias osof='inspect")
    assert expected_alias in dshell.out
    assert dshell.status == 0


def test_syntax_errors_run_nothing_on_their_line_and_the_script_goes_on(engine):
    script = "echo before\necho 'unclosed ; echo never\n| grep x\nps >\necho after\nps |\n"
    result = harness.run_dshell(engine, input=script)
    assert result.out == "before\nafter\n"
    assert result.err == (
        "line 2: unexpected EOF while looking for matching `''\n"
        "line 3: syntax error near unexpected token `|'\n"
        "line 4: syntax error near unexpected token `newline'\n"
        "line 6: syntax error: unexpected end of file\n"
    )
    assert result.status == 2
    stopped = harness.run_dshell(engine, "-e", input=script)
    assert (stopped.out, stopped.status) == ("before\n", 2)


def test_a_trailing_pipe_continues_on_the_next_line(engine):
    result = harness.run_dshell(engine, input="version -f '{{.Client.Os}}' |\n  tr a-z A-Z\n")
    assert (result.out, result.status) == ("LINUX\n", 0)


def test_exit_on_error_follows_bash_set_e(engine):
    script = "false || echo tested\nfalse && echo no\necho still\nfalse\necho never\n"
    bash = harness._run(["bash", "-e"], dict(engine.env), script, 60, None)
    dshell = harness.run_dshell(engine, "-e", input=script)
    assert (dshell.out, dshell.status) == (bash.out, bash.status) == ("tested\nstill\n", 1)


def test_script_arguments_are_positional_parameters(engine, tmp_path):
    script = tmp_path / "args.dsh"
    script.write_text('echo "$0|$1|$2|$#"\n')
    result = harness.run_dshell(engine, str(script), "a b", "c")
    assert result.out.splitlines()[0] == f"{script}|a b|c|2"


def test_host_escape_runs_the_rest_of_the_line_in_sh(engine, tmp_path):
    result = harness.run_dshell(engine, "-c", "!echo $((1+2)) | tr 3 x; echo ignored",
                                cwd=tmp_path)
    assert (result.out, result.status) == ("x\nignored\n", 0)


def test_unknown_first_stage_is_command_not_found_and_later_stages_are_host(engine):
    result = harness.run_dshell(engine, "-c", "grep x | cat")
    assert result.err.startswith("Error: Command not found: grep\n")


def test_relative_paths_follow_cd(engine, tmp_path):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text("FROM busybox\nCOPY hello /hello\n")
    (tmp_path / "ctx" / "hello").write_text("hi\n")
    tag = harness.unique_name("cdbuild")
    result = harness.run_dshell(
        engine, "-c",
        f"cd ctx && build -q -t {tag} . > /dev/null && run --rm {tag} cat /hello && "
        f"cd .. && save -o saved.tar {tag} && rmi {tag} > /dev/null",
        cwd=tmp_path, env={"DOCKER_BUILDKIT": "0"},
    )  # fmt: skip
    assert (result.out, result.status) == ("hi\n", 0), result.err
    assert (tmp_path / "saved.tar").stat().st_size > 1000
    assert os.getcwd() != str(tmp_path / "ctx")


def test_import_and_login_read_a_redirected_stdin(engine, tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "hello").write_text("hi\n")
    tag = harness.unique_name("imported")
    result = harness.run_dshell(
        engine, "-c",
        f"!tar -C root -cf rootfs.tar hello\nimport - {tag} < rootfs.tar > id.txt && "
        f"history --format '{{{{.Size}}}}' {tag} && rmi {tag} > /dev/null",
        cwd=tmp_path,
    )  # fmt: skip
    assert (result.out, result.err, result.status) == ("3B\n", "", 0)
    assert (tmp_path / "id.txt").read_text().startswith("sha256:")


def test_quotes_span_lines_and_an_unclosed_one_is_an_error_of_its_line(engine):
    script = "echo 'one\ntwo' \"th\nree\"\necho 'never closed\necho after\n"
    result = harness.run_dshell(engine, input=script)
    assert result.out == "one\ntwo th\nree\nafter\n"
    assert result.err == "line 4: unexpected EOF while looking for matching `''\n"
    dash_c = harness.run_dshell(engine, "-c", "echo 'a\nb'")
    bash = harness._run(["bash", "-c", "echo 'a\nb'"], dict(engine.env), None, 60, None)
    assert (dash_c.out, dash_c.status) == (bash.out, bash.status) == ("a\nb\n", 0)


def test_subshells_change_nothing_outside(engine, tmp_path):
    script = ('X=$(Y=1; cd /; echo a); echo "[$Y] $X"; pwd\n'
              'cd / | cat; pwd; export Z=$(export Q=2; echo z); echo "$Z [$Q]"\n')
    bash = harness._run(["bash", "-c", script], dict(engine.env), None, 60, tmp_path)
    ours = harness.run_dshell(engine, "-c", script, cwd=tmp_path)
    assert (ours.out, ours.status) == (bash.out, bash.status)
