"""Highlighting from the declarations; the toolbar's text."""

from __future__ import annotations

from pygments.token import Comment, Error, Keyword, Name, String, Text

from dshell.engine.endpoint import Endpoint
from dshell.repl.cache import Snapshot
from dshell.repl.lexer import lexer_for
from dshell.repl.toolbar import toolbar_fragments
from tests.unit.test_repl_fixtures import CONTAINERS, registry


def tokens(line):
    lexer = lexer_for(registry())()
    return [(token, text) for _, token, text in lexer.get_tokens_unprocessed(line)
            if text.strip()]  # fmt: skip


def test_command_subcommand_flags_strings():
    assert tokens("container ls -a --format '{{.ID}}' x") == [
        (Keyword, "container"), (Name.Function, "ls"), (Name.Attribute, "-a"),
        (Name.Attribute, "--format"), (String, "'{{.ID}}'"), (Text, "x")]


def test_alias_is_a_command_and_flags_after_it():
    assert tokens("ps -q") == [(Keyword, "ps"), (Name.Attribute, "-q")]


def test_unknown_command_is_an_error_as_you_type():
    assert tokens("frob") == [(Error, "frob")]
    assert tokens("frob ps") == [(Error, "frob"), (Text, "ps")]
    assert tokens("cont") == [(Text, "cont")]  # still on its way to "container"
    assert tokens("cont ") == [(Error, "cont")]


def test_comments():
    assert tokens("ps # list them") == [(Keyword, "ps"), (Comment, "# list them")]


def test_whole_text_is_kept():
    line = "run  -it busybox \"sh\" 'x"
    lexer = lexer_for(registry())()
    assert "".join(text for _, _, text in lexer.get_tokens_unprocessed(line)) == line


def test_toolbar_shows_endpoint_versions_counts_and_keys():
    endpoint = Endpoint("unix:///run/d.sock", "unix", "/run/d.sock", context="lab")
    snapshot = Snapshot(containers=tuple(CONTAINERS), engine_version="20.10.24",
                        api_version="1.41", connected=True)
    text = "".join(part for _, part in toolbar_fragments(endpoint, snapshot, vi=False))
    for piece in ("lab", "unix:///run/d.sock", "Engine 20.10.24", "API 1.41", "1/4 running",
                  "[F4] emacs", "[Ctrl-D] exit"):
        assert piece in text
    text = "".join(part for _, part in toolbar_fragments(endpoint, Snapshot(), vi=True))
    assert "connecting" in text and "[F4] vi" in text
    down = Snapshot(unreachable=True)
    text = "".join(part for _, part in toolbar_fragments(endpoint, down, vi=False))
    assert "no engine answers (retrying)" in text and "connecting" not in text


def test_the_prompts_fragments_are_pygments_lexers():
    from prompt_toolkit.document import Document
    from prompt_toolkit.lexers import PygmentsLexer

    from dshell.repl.lexer import prompt_lexer
    from dshell.shellstate import ShellState

    state = ShellState()
    state.aliases["ll"] = "ps -a"
    ours, theirs = prompt_lexer(registry(), state), PygmentsLexer(lexer_for(registry(), state))
    lines = ["", " ", "ps -a", "container ls --format '{{.Names}}' | grep web", "nosuch x",
             "ll -q", "run -e A=$HOME --rm busybox echo $(ps -q) `ps -q` && logs -f web",
             "ps \\\n-a", "echo 'two\nlines' x", "ps |\n\ngrep x\n", "a\n", "\n", "conta",
             "ps # a comment", "ps 2>&1 >out <in", "!vi x", "ps 'open"]  # fmt: skip
    for line in lines:
        document = Document(line)
        get_ours, get_theirs = ours.lex_document(document), theirs.lex_document(document)
        for number in range(len(document.lines) + 1):
            assert get_ours(number) == get_theirs(number), (line, number)
