"""The shell language's parser: structure, quoting, operators and bash's error messages."""

from __future__ import annotations

import pytest

from dshell.shell.syntax import (
    HostCommand,
    Literal,
    Parameter,
    ShellSyntaxError,
    SimpleCommand,
    Substitution,
    Word,
    needs_more,
    parse,
    parse_partial,
)


def shape(word: Word) -> list:
    """A word as a compact list: ('lit', text, quoted) / ('$', name, op) / ('sub', [...])."""
    out: list = []
    for part in word.parts:
        if isinstance(part, Literal):
            out.append(("lit", part.text, part.quoted))
        elif isinstance(part, Parameter):
            out.append(("$", part.name, part.op, part.quoted))
        elif isinstance(part, Substitution):
            out.append(("sub", commands(part.body), part.quoted))
    return out


def commands(script) -> list:  # noqa: ANN001
    """Every command of a script as a list of words (each a shape), pipelines flattened."""
    found = []
    for item in script.items:
        for pipeline in item.pipelines:
            for command in pipeline.commands:
                if isinstance(command, HostCommand):
                    found.append(("!", command.text))
                else:
                    found.append([shape(w) for w in command.words])
    return found


def only_command(text: str) -> SimpleCommand:
    script = parse(text)
    assert len(script.items) == 1 and len(script.items[0].pipelines) == 1
    command = script.items[0].pipelines[0].commands[0]
    assert isinstance(command, SimpleCommand)
    return command


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ps -a", [[("lit", "ps", False)], [("lit", "-a", False)]]),
        ("echo 'a b'\"c $X\"", [[("lit", "echo", False)],
                                [("lit", "a b", True), ("lit", "c ", True),
                                 ("$", "X", "", True)]]),
        ('echo ""', [[("lit", "echo", False)], [("lit", "", True)]]),
        (r"echo \$HOME", [[("lit", "echo", False)], [("lit", "$", True), ("lit", "HOME", False)]]),
        ("echo '$HOME'", [[("lit", "echo", False)], [("lit", "$HOME", True)]]),
        (r'echo "a\"b\\c\$d\e"', [[("lit", "echo", False)], [("lit", 'a"b\\c$d\\e', True)]]),
        ("echo ${X:-a b}", [[("lit", "echo", False)], [("$", "X", ":-", False)]]),
        ("echo $? $$ $1 ${10}", [[("lit", "echo", False)], [("$", "?", "", False)],
                                 [("$", "$", "", False)], [("$", "1", "", False)],
                                 [("$", "10", "", False)]]),
        ("echo $ a$", [[("lit", "echo", False)], [("lit", "$", False)],
                       [("lit", "a", False), ("lit", "$", False)]]),
        ("echo $'a\\nb\\x41\\'c'", [[("lit", "echo", False)], [("lit", "a\nbA'c", True)]]),
        ("echo #comment", [[("lit", "echo", False)]]),
        ("echo a#b", [[("lit", "echo", False)], [("lit", "a#b", False)]]),
    ],
)  # fmt: skip
def test_words_and_quoting(text, words):
    assert [shape(w) for w in only_command(text).words] == words


def test_nested_quotes_inside_substitution():
    command = only_command("""inspect "$(ps -q --filter 'name=a b' | head -1)" x""")
    sub = command.words[1].parts[0]
    assert isinstance(sub, Substitution) and sub.quoted
    assert commands(sub.body) == [
        [[("lit", "ps", False)], [("lit", "-q", False)], [("lit", "--filter", False)],
         [("lit", "name=a b", True)]],
        [[("lit", "head", False)], [("lit", "-1", False)]],
    ]  # fmt: skip
    assert shape(command.words[2]) == [("lit", "x", False)]


def test_nested_substitutions_and_backquotes():
    command = only_command("echo $(echo $(echo deep)) `echo \\`echo bq\\``")
    outer = command.words[1].parts[0]
    assert isinstance(outer, Substitution)
    inner = outer.body.items[0].pipelines[0].commands[0].words[1].parts[0]
    assert isinstance(inner, Substitution)
    backquoted = command.words[2].parts[0]
    assert isinstance(backquoted, Substitution)
    nested = backquoted.body.items[0].pipelines[0].commands[0].words[1].parts[0]
    assert isinstance(nested, Substitution)


def test_lists_pipelines_and_operators():
    script = parse("ps -q | grep a |& sort; images && version || info\nhelp")
    assert len(script.items) == 3
    first = script.items[0].pipelines[0]
    assert len(first.commands) == 3 and first.with_stderr == [False, True]
    assert script.items[1].operators == ["&&", "||"]


def test_assignments_and_redirections():
    command = only_command("A=1 B='x y' run >out 2>&1 <in 3>f &>>all")
    assert [(a.name, shape(a.value)) for a in command.assignments] == [
        ("A", [("lit", "1", False)]), ("B", [("lit", "x y", True)])]
    assert [(r.fd, r.op, r.target.plain()) for r in command.redirects] == [
        (None, ">", "out"), (2, ">&", "1"), (None, "<", "in"), (3, ">", "f"),
        (None, "&>>", "all")]  # fmt: skip
    assert [shape(w) for w in command.words] == [[("lit", "run", False)]]


def test_an_assignment_after_the_command_word_is_an_argument():
    command = only_command("run A=1")
    assert not command.assignments and len(command.words) == 2


def test_host_escape_takes_the_rest_of_the_line():
    assert commands(parse("!ls -l | wc -l; echo $X")) == [("!", "ls -l | wc -l; echo $X")]
    assert commands(parse("cd /tmp && !ls")) == [[[("lit", "cd", False)], [("lit", "/tmp", False)]],
                                                 ("!", "ls")]  # fmt: skip


def test_aliases_expand_in_command_position_only():
    aliases = {"ll": "ps -a", "psg": "ps | grep", "loop": "loop x", "sp": "sudo "}
    assert commands(parse("ll --filter x ll", aliases)) == [
        [[("lit", "ps", False)], [("lit", "-a", False)], [("lit", "--filter", False)],
         [("lit", "x", False)], [("lit", "ll", False)]]]  # fmt: skip
    assert commands(parse("psg web", aliases)) == [
        [[("lit", "ps", False)]], [[("lit", "grep", False)], [("lit", "web", False)]]]
    assert commands(parse("loop", aliases)) == [[[("lit", "loop", False)], [("lit", "x", False)]]]
    assert commands(parse("'ll'", aliases)) == [[[("lit", "ll", True)]]]
    assert commands(parse("sp ll", aliases)) == [  # a trailing blank: the next word too
        [[("lit", "sudo", False)], [("lit", "ps", False)], [("lit", "-a", False)]]]
    assert commands(parse("echo 1; ll", aliases))[1] == [[("lit", "ps", False)],
                                                         [("lit", "-a", False)]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ps 'abc", "unexpected EOF while looking for matching `''"),
        ('ps "abc', "unexpected EOF while looking for matching `\"'"),
        ("echo $(ps", "unexpected EOF while looking for matching `)'"),
        ("echo `ps", "unexpected EOF while looking for matching ``'"),
        ("echo ${X", "unexpected EOF while looking for matching `}'"),
        ("ps |", "syntax error: unexpected end of file"),
        ("ps &&", "syntax error: unexpected end of file"),
        ("| grep", "syntax error near unexpected token `|'"),
        ("ps | | grep", "syntax error near unexpected token `|'"),
        ("ps >", "syntax error near unexpected token `newline'"),
        ("ps > | x", "syntax error near unexpected token `|'"),
        ("ps ; ; x", "syntax error near unexpected token `;'"),
        ("; ps", "syntax error near unexpected token `;'"),
        ("ps )", "syntax error near unexpected token `)'"),
        ("ps &", "syntax error near unexpected token `&'"),
        ("echo ${X!}", "${X!}: bad substitution"),
        ("echo $((1+2)", "unexpected EOF while looking for matching `)'"),
        ("echo $((1+2", "unexpected EOF while looking for matching `))'"),
        ("cat <<EOF", "here-documents (<<) are not supported"),
    ],
)
def test_syntax_errors_have_bash_messages(text, message):
    with pytest.raises(ShellSyntaxError) as caught:
        parse(text)
    assert caught.value.message == message


def test_a_trailing_operator_asks_for_more_but_a_quote_does_not():
    assert needs_more("ps |") and needs_more("ps &&") and needs_more("ps ||")
    assert not needs_more("ps 'abc") and not needs_more("ps >") and not needs_more("ps")


def test_partial_parse_never_raises_and_keeps_spans():
    result = parse_partial("inspect $(ps --filter 'name=a")
    assert result.error is None
    command = result.script.items[0].pipelines[0].commands[0]
    sub = command.words[1].parts[0]
    assert isinstance(sub, Substitution) and not sub.closed and sub.start == 8
    for text in ["ps |", "echo ${", "a >", "x $(y `z", "'", '"$(', "&&"]:
        parse_partial(text)


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(ShellSyntaxError):
        parse("echo " + "$(" * 2000 + "x" + ")" * 2000)


def test_partial_parse_keeps_the_tree_after_a_trailing_operator():
    piped = parse_partial("ps | ")
    assert piped.error is None
    stages = piped.script.items[0].pipelines[0].commands
    assert len(stages) == 2 and stages[1].words == [] and stages[1].start == 5
    listed = parse_partial("ps && ")
    assert listed.error is None and len(listed.script.items[0].pipelines) == 2
