"""Highlighting of the shell language: a typed line → its coloured pieces (blanks left out).

Every line is read as the shell will run it: dshell commands by the declarations (an unknown
first word is red, also inside ``$(…)``), host stages after ``|`` and ``!…`` in their own
colour and never red, variables, substitutions and operators in theirs."""

from __future__ import annotations

import pytest
from pygments.token import Comment, Error, Keyword, Name, Operator, String, Text

from dshell.repl.lexer import HOST, OPERATOR, SUBSTITUTION, VARIABLE, lexer_for
from dshell.shellstate import ShellState
from tests.unit.test_repl_fixtures import registry

REGISTRY = registry()


def tokens(line, aliases=None):
    state = ShellState()
    state.aliases.update(aliases or {})
    lexer = lexer_for(REGISTRY, state)()
    found = list(lexer.get_tokens_unprocessed(line))
    assert "".join(text for _, _, text in found) == line  # every character, once, in order
    assert [index for index, _, _ in found] == \
        [sum(len(t) for _, _, t in found[:n]) for n in range(len(found))]
    return [(token, text) for _, token, text in found if text.strip()]


def test_token_types_are_distinct():
    kinds = [VARIABLE, SUBSTITUTION, OPERATOR, HOST, Keyword, Name.Function, Name.Attribute,
             String, Comment, Error, Text]
    assert len(set(kinds)) == len(kinds)
    assert OPERATOR is Operator


CASES = [
    # operators between commands; each command after ; && || is a dshell command again
    ("ps; version", [(Keyword, "ps"), (OPERATOR, ";"), (Keyword, "version")]),
    ("ps -a && version || help", [
        (Keyword, "ps"), (Name.Attribute, "-a"), (OPERATOR, "&&"), (Keyword, "version"),
        (OPERATOR, "||"), (Keyword, "help")]),
    ("ps && frob", [(Keyword, "ps"), (OPERATOR, "&&"), (Error, "frob")]),
    ("ps; frob; version", [(Keyword, "ps"), (OPERATOR, ";"), (Error, "frob"), (OPERATOR, ";"),
                           (Keyword, "version")]),
    ("ps && ", [(Keyword, "ps"), (OPERATOR, "&&")]),  # unfinished: no error yet
    # host stages after |: never red, their own colour, strings still strings
    ("ps | grep web", [(Keyword, "ps"), (OPERATOR, "|"), (HOST, "grep"), (HOST, "web")]),
    ("ps -a | frobnicate -x | wc -l", [
        (Keyword, "ps"), (Name.Attribute, "-a"), (OPERATOR, "|"), (HOST, "frobnicate"),
        (HOST, "-x"), (OPERATOR, "|"), (HOST, "wc"), (HOST, "-l")]),
    ("ps |& grep 'a b'", [(Keyword, "ps"), (OPERATOR, "|&"), (HOST, "grep"), (String, "'a b'")]),
    ("ps | ", [(Keyword, "ps"), (OPERATOR, "|")]),
    # ! escapes: the rest of the line is the system shell's
    ("!ls -l | frob", [(HOST, "!ls -l | frob")]),
    ("ps; !uname -a", [(Keyword, "ps"), (OPERATOR, ";"), (HOST, "!uname -a")]),
    # redirections are operators; their targets are files, not arguments
    ("ps > out.txt", [(Keyword, "ps"), (OPERATOR, ">"), (Text, "out.txt")]),
    ("ps -a >>log 2>&1", [(Keyword, "ps"), (Name.Attribute, "-a"), (OPERATOR, ">>"),
                          (Text, "log"), (OPERATOR, "2>&"), (OPERATOR, "1")]),
    ("ps 2>err &>all <in", [(Keyword, "ps"), (OPERATOR, "2>"), (Text, "err"), (OPERATOR, "&>"),
                            (Text, "all"), (OPERATOR, "<"), (Text, "in")]),
    ("> out version", [(OPERATOR, ">"), (Text, "out"), (Keyword, "version")]),
    ("ps > ", [(Keyword, "ps"), (OPERATOR, ">")]),
    # variables
    ("logs $NAME", [(Keyword, "logs"), (VARIABLE, "$NAME")]),
    ("logs ${NAME:-web} x$Y", [(Keyword, "logs"), (VARIABLE, "${NAME:-web}"), (Text, "x"),
                               (VARIABLE, "$Y")]),
    ('logs "$NAME-1"', [(Keyword, "logs"), (String, '"'), (VARIABLE, "$NAME"), (String, '-1"')]),
    ("logs '$NAME'", [(Keyword, "logs"), (String, "'$NAME'")]),  # single quotes: no expansion
    ("ps | grep $X", [(Keyword, "ps"), (OPERATOR, "|"), (HOST, "grep"), (VARIABLE, "$X")]),
    ("$CMD -a", [(VARIABLE, "$CMD"), (Name.Attribute, "-a")]),  # may become any command
    ("X=1 Y=$Z version", [(VARIABLE, "X"), (Text, "="), (Text, "1"), (VARIABLE, "Y"), (Text, "="),
                          (VARIABLE, "$Z"), (Keyword, "version")]),
    ("logs ${", [(Keyword, "logs"), (VARIABLE, "${")]),
    # command substitutions: their own delimiters, a dshell command inside (red if unknown)
    ("logs $(ps -q)", [(Keyword, "logs"), (SUBSTITUTION, "$("), (Keyword, "ps"),
                       (Name.Attribute, "-q"), (SUBSTITUTION, ")")]),
    ("logs $(frob)", [(Keyword, "logs"), (SUBSTITUTION, "$("), (Error, "frob"),
                      (SUBSTITUTION, ")")]),
    ("logs $(fro", [(Keyword, "logs"), (SUBSTITUTION, "$("), (Error, "fro")]),
    ("logs $(vers", [(Keyword, "logs"), (SUBSTITUTION, "$("), (Text, "vers")]),  # typing
    ("logs $(ps -q | head -1)", [
        (Keyword, "logs"), (SUBSTITUTION, "$("), (Keyword, "ps"), (Name.Attribute, "-q"),
        (OPERATOR, "|"), (HOST, "head"), (HOST, "-1"), (SUBSTITUTION, ")")]),
    ("ps | grep $(frob)", [(Keyword, "ps"), (OPERATOR, "|"), (HOST, "grep"),
                           (SUBSTITUTION, "$("), (Error, "frob"), (SUBSTITUTION, ")")]),
    ('logs "id: $(ps -q)"', [(Keyword, "logs"), (String, '"id: '), (SUBSTITUTION, "$("),
                             (Keyword, "ps"), (Name.Attribute, "-q"), (SUBSTITUTION, ")"),
                             (String, '"')]),
    ("logs `ps -q`", [(Keyword, "logs"), (SUBSTITUTION, "`"), (Keyword, "ps"),
                      (Name.Attribute, "-q"), (SUBSTITUTION, "`")]),
    ("logs `frob | wc`", [(Keyword, "logs"), (SUBSTITUTION, "`"), (Error, "frob"),
                          (OPERATOR, "|"), (HOST, "wc"), (SUBSTITUTION, "`")]),
    ("logs ${X:-$(ps -q)}", [(Keyword, "logs"), (VARIABLE, "${X:-"), (SUBSTITUTION, "$("),
                             (Keyword, "ps"), (Name.Attribute, "-q"), (SUBSTITUTION, ")"),
                             (VARIABLE, "}")]),
    ("$(frob)", [(SUBSTITUTION, "$("), (Error, "frob"), (SUBSTITUTION, ")")]),
    # comments, also inside a substitution
    ("ps | grep x # why", [(Keyword, "ps"), (OPERATOR, "|"), (HOST, "grep"), (HOST, "x"),
                           (Comment, "# why")]),
    ("logs $(ps # a note", [(Keyword, "logs"), (SUBSTITUTION, "$("), (Keyword, "ps"),
                            (Comment, "# a note")]),
    # text that cannot run: what comes before is coloured, the rest is an error
    ("ps )", [(Keyword, "ps"), (Error, ")")]),
    ("version $((1+2))", [(Keyword, "version"), (SUBSTITUTION, "$(("), (Text, "1+2"),
                          (SUBSTITUTION, "))")]),
    ("version $(($X", [(Keyword, "version"), (SUBSTITUTION, "$(("), (VARIABLE, "$X")]),
    ("ps; ; version", [(Keyword, "ps"), (OPERATOR, ";"), (Error, "; version")]),
]


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_shell_language_highlighting(line, expected):
    assert tokens(line) == expected


ALIAS_CASES = [
    ("ll -a", [(Keyword, "ll"), (Name.Attribute, "-a")]),
    ("ps; ll", [(Keyword, "ps"), (OPERATOR, ";"), (Keyword, "ll")]),
    ("logs $(ll -q)", [(Keyword, "logs"), (SUBSTITUTION, "$("), (Keyword, "ll"),
                       (Name.Attribute, "-q"), (SUBSTITUTION, ")")]),
    ("l", [(Text, "l")]),  # on its way to "ll" (and to "logs")
    ("lx ", [(Error, "lx")]),
    ("ps | ll", [(Keyword, "ps"), (OPERATOR, "|"), (HOST, "ll")]),  # the host has no aliases
]


@pytest.mark.parametrize(("line", "expected"), ALIAS_CASES)
def test_aliases_are_commands(line, expected):
    assert tokens(line, {"ll": "container ls"}) == expected


def test_unknown_alias_is_still_red():
    assert tokens("ll -a") == [(Error, "ll"), (Name.Attribute, "-a")]


def test_aliases_are_read_when_the_line_is_coloured():
    state = ShellState()
    lexer = lexer_for(REGISTRY, state)()
    assert [t for _, t, v in lexer.get_tokens_unprocessed("ll ") if v.strip()] == [Error]
    state.aliases["ll"] = "container ls"
    assert [t for _, t, v in lexer.get_tokens_unprocessed("ll ") if v.strip()] == [Keyword]


def test_real_builtins_are_commands_and_pipes_reach_the_host():
    from dshell.session import DockerSession

    lexer = lexer_for(DockerSession.registry, ShellState())()
    found = [(t, v) for _, t, v in lexer.get_tokens_unprocessed("echo $(ps -q) | grep x; cd /")
             if v.strip()]  # fmt: skip
    assert found == [(Keyword, "echo"), (SUBSTITUTION, "$("), (Keyword, "ps"),
                     (Name.Attribute, "-q"), (SUBSTITUTION, ")"), (OPERATOR, "|"),
                     (HOST, "grep"), (HOST, "x"), (OPERATOR, ";"), (Keyword, "cd"),
                     (Text, "/")]


def test_new_token_types_have_colours():
    from dshell.repl.style import DSHELL_STYLE

    for name in ("pygments.name.variable", "pygments.literal.string.interpol",
                 "pygments.operator", "pygments.name.builtin"):
        assert DSHELL_STYLE.get(name)


def test_prompt_lexer_colours_a_kept_line_again_after_an_alias():
    """prompt_toolkit keeps a line's lexing by its text: an alias defined since must count."""
    from prompt_toolkit.document import Document

    from dshell.repl.lexer import prompt_lexer

    state = ShellState()
    lexer = prompt_lexer(REGISTRY, state)
    get_line = lexer.lex_document(Document("ll -a"))
    assert get_line(0)[0] == ("class:pygments.error", "ll")
    state.aliases["ll"] = "container ls"
    assert get_line(0)[0] == ("class:pygments.keyword", "ll")
