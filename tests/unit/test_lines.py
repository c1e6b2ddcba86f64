"""Lines split into words as the shell language splits them; comments and continuations as
in sh."""

import pytest

from dshell.lines import continues, logical_lines
from dshell.shell.expand import Expander
from dshell.shell.syntax import ShellSyntaxError, parse


class _NoVariables:
    def lookup(self, name: str) -> None:
        return None

    def positional(self) -> list[str]:
        return []


def split_line(line: str) -> list[str]:
    """The words of a one-command line, with no variable set."""
    items = parse(line).items
    if not items:
        return []
    return Expander(_NoVariables()).words(items[0].pipelines[0].commands[0].words)


@pytest.mark.parametrize(
    "line, words",
    [
        ("ps -a", ["ps", "-a"]),
        ("  ps   -a  ", ["ps", "-a"]),
        ("ps --format '{{.ID}}\\t{{.Names}}'", ["ps", "--format", "{{.ID}}\\t{{.Names}}"]),
        ('run busybox sh -c "echo $HOME; echo x"', ["run", "busybox", "sh", "-c",
                                                    "echo ; echo x"]),  # $HOME unset here
        ("inspect a\\ b", ["inspect", "a b"]),
        ("ps # list them", ["ps"]),
        ("# only a comment", []),
        ("inspect a#b", ["inspect", "a#b"]),
        ("ps --format '# {{.ID}}'", ["ps", "--format", "# {{.ID}}"]),
        ("echo \"it's\"", ["echo", "it's"]),
        ("", []),
    ],
)  # fmt: skip
def test_split_line(line, words):
    assert split_line(line) == words


@pytest.mark.parametrize("line", ["ps 'abc", 'ps "abc'])
def test_unbalanced_quotes_are_a_syntax_error(line):
    with pytest.raises(ShellSyntaxError):
        split_line(line)


def test_a_trailing_backslash_is_itself_as_in_bash():
    assert split_line("ps abc\\") == ["ps", "abc\\"]


def test_continuation_lines_join_and_keep_the_first_line_number():
    lines = ["ps \\", "  -a", "", "images \\\\", "version"]
    assert list(logical_lines(lines)) == [(1, "ps   -a"), (3, ""), (4, "images \\\\"),
                                          (5, "version")]  # fmt: skip


@pytest.mark.parametrize("line, expected", [("ps \\", True), ("ps \\\\", False), ("ps", False)])
def test_continues(line, expected):
    assert continues(line) is expected


def test_only_quotes_and_dollar_can_leave_a_line_open():
    """logical_commands skips open_quote's parse for lines without ' " ` $: every short line
    the parser finds open holds one of them."""
    import itertools
    import random

    from dshell.shell.evaluate import _MAY_STAY_OPEN
    from dshell.shell.syntax import open_quote

    alphabet = "a ('\"`${}|&\\#;)<>=*!~[]\n"
    lines = ["".join(chars) for n in range(1, 4) for chars in itertools.product(alphabet, repeat=n)]
    chooser = random.Random(11)
    lines += ["".join(chooser.choices(alphabet, k=chooser.randint(4, 12))) for _ in range(20000)]
    open_without = [
        line for line in lines if _MAY_STAY_OPEN.isdisjoint(line) and open_quote(line) is not None
    ]
    assert open_without == []
    assert open_quote("ps 'a") == "'" and not _MAY_STAY_OPEN.isdisjoint("ps 'a")


def test_script_lines_join_as_before_without_the_second_parse():
    from dshell.shell.evaluate import logical_commands

    lines = ["ps -a", "inspect 'a", "b'", "images |", "grep x", "echo $(", "ls)", "version"]
    assert list(logical_commands(lines)) == [
        (1, "ps -a"),
        (2, "inspect 'a\nb'"),
        (4, "images |\ngrep x"),
        (6, "echo $(\nls)"),
        (8, "version"),
    ]
