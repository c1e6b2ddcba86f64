"""The non-interactive modes share the dispatcher: -c, script files and piped stdin."""

from __future__ import annotations

from tests import harness

SCRIPT = """\
# a comment, then a blank line

version --format '{{.Server.Version}}'
inspect --type image -f '{{.Os}}' \\
    busybox
ps --bogus
images -q busybox   # trailing comment
"""


def test_script_file_and_piped_stdin_behave_the_same(engine, tmp_path):
    script = tmp_path / "s.dsh"
    script.write_text(SCRIPT)
    from_file = harness.run_dshell(engine, str(script))
    piped = harness.run_dshell(engine, input=SCRIPT)
    version = harness.run_docker(engine, "version", "--format", "{{.Server.Version}}").out
    image_id = harness.run_docker(engine, "images", "-q", "busybox").out
    for result in (from_file, piped):
        assert result.out == f"{version}linux\n{image_id}"
        assert result.err == ("line 6: unknown flag: --bogus\nline 6: \n"
                              "line 6: Usage:  docker ps [OPTIONS]\nline 6: \n"
                              "line 6: Run 'docker ps --help' for more information\n")
        assert result.status == 0, "the status is the last command's"
        assert "\x1b" not in result.out + result.err, "no ANSI codes outside a terminal"


def test_exit_on_error_stops_at_the_first_failure(engine):
    result = harness.run_dshell(engine, "-e", input="version -f x\nps --bogus\nversion -f y\n")
    assert result.out == "x\n"
    assert result.status == 125


def test_status_of_the_last_command(engine):
    assert harness.run_dshell(engine, input="version -f x\ninspect nosuch\n").status == 1
    assert harness.run_dshell(engine, input="inspect nosuch\nversion -f x\n").status == 0


def test_exit_command_ends_the_script_with_its_status(engine):
    result = harness.run_dshell(engine, input="version -f a\nexit 4\nversion -f b\n")
    assert (result.out, result.status) == ("a\n", 4)


def test_syntax_error_has_the_line_number(engine):
    result = harness.run_dshell(engine, input="version -f ok\nps 'unclosed\n")
    assert result.err == "line 2: unexpected EOF while looking for matching `''\n"
    assert result.status == 2


def test_dash_c_runs_one_line(engine):
    result = harness.run_dshell(engine, "-c", "version --format '{{.Server.Os}}'")
    assert (result.out, result.err, result.status) == ("linux\n", "", 0)


def test_help_lists_grouped_commands_and_command_help(engine):
    overview = harness.run_dshell(engine, "-c", "help")
    assert overview.status == 0
    assert "Common Commands:" in overview.out and "Management Commands:" in overview.out
    assert "  ps " in overview.out and "  container " in overview.out
    ps_help = harness.run_dshell(engine, "-c", "ps --help").out
    assert ps_help == harness.run_dshell(engine, "-c", "help ps").out
    assert ps_help.startswith("Usage:  docker ps [OPTIONS]\n\nList containers\n")
    assert "  -a, --all " in ps_help
    assert "docker container ls, docker container list, docker container ps, docker ps" in ps_help
    ls_help = harness.run_dshell(engine, "-c", "help container ls").out
    assert ls_help == ps_help.replace("Usage:  docker ps", "Usage:  docker container ls", 1)
    group = harness.run_dshell(engine, "-c", "container").err
    assert "  ls " in group and "  inspect " in group


def test_version_flag():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "dshell", "--version"], capture_output=True,
                          text=True)
    assert done.returncode == 0 and done.stdout.startswith("dshell version ")
