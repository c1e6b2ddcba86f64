"""Lines split into words like a POSIX shell; comments and continuations as in sh."""

import pytest

from dshell.lines import LineSyntaxError, continues, logical_lines, split_line


@pytest.mark.parametrize(
    "line, words",
    [
        ("ps -a", ["ps", "-a"]),
        ("  ps   -a  ", ["ps", "-a"]),
        ("ps --format '{{.ID}}\\t{{.Names}}'", ["ps", "--format", "{{.ID}}\\t{{.Names}}"]),
        ('run busybox sh -c "echo $HOME; echo x"', ["run", "busybox", "sh", "-c",
                                                    "echo $HOME; echo x"]),
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


@pytest.mark.parametrize("line", ["ps 'abc", 'ps "abc', "ps abc\\"])
def test_unbalanced_quotes_are_a_syntax_error(line):
    with pytest.raises(LineSyntaxError):
        split_line(line)


def test_continuation_lines_join_and_keep_the_first_line_number():
    lines = ["ps \\", "  -a", "", "images \\\\", "version"]
    assert list(logical_lines(lines)) == [(1, "ps   -a"), (3, ""), (4, "images \\\\"),
                                          (5, "version")]  # fmt: skip


@pytest.mark.parametrize("line, expected", [("ps \\", True), ("ps \\\\", False), ("ps", False)])
def test_continues(line, expected):
    assert continues(line) is expected
