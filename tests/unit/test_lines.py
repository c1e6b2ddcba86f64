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
