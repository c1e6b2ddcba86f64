"""Syntax highlighting of a typed line, from the shell's parse and the declarations: command
words, subcommands, flags, strings, variables, substitutions, operators and host stages; a
first word that cannot become a command is shown as an error at once.

The line is read by ``shell.syntax.parse_partial``, so the colours follow the structure that
will run: a dshell command starts a line, follows ``;``/``&&``/``||`` and opens ``$(…)``;
every stage after ``|`` and the text after ``!`` belong to the host's shell. Each node's
span is painted onto the text (inner nodes over outer ones), then runs become tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles.pygments import pygments_token_to_classname
from pygments.lexer import Lexer as PygmentsLexerBase
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Operator,
    String,
    Text,
    _TokenType,
)

from dshell.commands.declare import Registry
from dshell.shell.syntax import (
    Arithmetic,
    HostCommand,
    Literal,
    Parameter,
    ParseResult,
    Script,
    SimpleCommand,
    Substitution,
    Word,
    parse_partial,
)
from dshell.shellstate import ShellState

VARIABLE = Name.Variable  # $X, ${X:-y}, the NAME of NAME=value
SUBSTITUTION = String.Interpol  # the $( ) and ` ` around a command substitution
OPERATOR = Operator  # | |& && || ; and redirections
HOST = Name.Builtin  # a host stage's words, the text after !

#: Put after a line that ends in an operator (``ps |``), so that it parses; never shown.
_FILLER = " x"
#: Fallback parses of a line with a syntax error (each on a shorter prefix) before giving up.
_ATTEMPTS = 8


def parse_for_highlighting(text: str) -> tuple[ParseResult, int]:
    """The parse of ``text`` and how far it reaches: a line ending in an operator parses with
    a filler word; after a syntax error, the text before it is parsed again (the rest is the
    error). Never raises."""
    end = len(text)
    for _ in range(_ATTEMPTS):
        result = parse_partial(text[:end])
        error = result.error
        if error is None:
            return result, end
        if error.incomplete:
            retry = parse_partial(text[:end] + _FILLER)
            if retry.error is None:
                return retry, end
        position = error.position
        end = position if 0 <= position < end else end - 1
        if end <= 0:
            break
    return ParseResult(Script(), [], []), 0


class DshellLexer(PygmentsLexerBase):
    """Colours one dshell line (Pygments' interface: the tests read its tokens). Subclassed
    per registry and shell state by ``lexer_for``."""

    name = "dshell"
    registry: Registry | None = None
    shell_state: ShellState | None = None
    #: The CLI plugins' names now: coloured as commands (their words after are arguments).
    plugins: Callable[[], Collection[str]] | None = None

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
        aliases = self.shell_state.aliases if self.shell_state is not None else {}
        plugins = self.plugins() if self.plugins is not None else ()
        if plugins:
            aliases = {**dict.fromkeys(plugins, ""), **aliases}
        painter = _Painter(text, self.registry, aliases)
        result, reached = parse_for_highlighting(text)
        painter.result(result, 0)
        if reached < len(text):
            painter.paint(reached, len(text), Error)
        yield from painter.tokens()


class _Painter:
    """A token per character of the line, and the places where a new token must start even
    when the colour stays (between two words)."""

    def __init__(self, text: str, registry: Registry | None, aliases: Mapping[str, str]) -> None:
        self.text = text
        self.registry = registry
        self.aliases = aliases
        self.colours: list[_TokenType] = [Text] * len(text)
        self.breaks: set[int] = set()
        #: Where a ``)`` closes a ``$(``: painted as the substitution, not as an operator.
        self.closers: set[int] = set()

    def paint(self, start: int, end: int, token: _TokenType) -> None:
        start, end = max(start, 0), min(end, len(self.text))
        if start >= end:
            return
        self.colours[start:end] = [token] * (end - start)
        self.breaks.update((start, end))

    def tokens(self) -> Iterator[tuple[int, _TokenType, str]]:
        text, colours = self.text, self.colours
        start = 0
        for index in range(1, len(text) + 1):
            if index == len(text) or index in self.breaks or colours[index] is not colours[start]:
                yield start, colours[start], text[start:index]
                start = index

    # -- structure
    def result(self, result: ParseResult, offset: int) -> None:
        """One parse (the line, or a backquoted command's text starting at ``offset``)."""
        self.script(result.script, offset)
        for operator in result.operators:
            if operator.start + offset not in self.closers:
                self.paint(operator.start + offset, operator.end + offset, OPERATOR)
        for start, end in result.comments:
            self.paint(start + offset, end + offset, Comment)

    def script(self, script: Script, offset: int) -> None:
        for and_or in script.items:
            for pipeline in and_or.pipelines:
                for stage, command in enumerate(pipeline.commands):
                    self.command(command, offset, host=stage > 0)

    def command(self, command: SimpleCommand | HostCommand, offset: int, host: bool) -> None:
        if isinstance(command, HostCommand):
            self.paint(command.start + offset, command.end + offset, HOST)
            return
        for assignment in command.assignments:
            name_end = assignment.start + len(assignment.name)
            self.paint(assignment.start + offset, name_end + offset, VARIABLE)
            self.word(assignment.value, offset, Text)
        for redirect in command.redirects:
            if redirect.target is None:
                continue
            target = redirect.target.plain() or ""
            duplicate = redirect.op in (">&", "<&") and (target.isdigit() or target == "-")
            self.word(redirect.target, offset, OPERATOR if duplicate else Text)  # 2>&1: one op
        if host:
            for word in command.words:
                self.word(word, offset, HOST)
            return
        self.dshell_words(command.words, offset)

    def dshell_words(self, words: list[Word], offset: int) -> None:
        """A dshell command: its name words by the declarations, then flags and arguments."""
        leading: list[str] = []
        naming = True
        for word in words:
            raw = self.text[word.start + offset : word.end + offset]
            name = _literal(word)
            if naming and (name is None or raw.startswith(("'", '"'))):
                naming = False  # $CMD or 'quoted': it may become anything
            if not naming:
                self.word(word, offset, Name.Attribute if raw.startswith("-") and len(raw) > 1
                          else Text)  # fmt: skip
                continue
            assert name is not None
            at_end = word.end + offset == len(self.text)
            self.word(word, offset, self.name_token(leading, name, at_end))
            if not leading and name in self.aliases:
                naming = False
                continue
            leading.append(name.lower())
            naming = self.extends(leading)

    def name_token(self, leading: list[str], name: str, at_end: bool) -> _TokenType:
        registry = self.registry
        if registry is None:
            return Text
        words = (*leading, name.lower())
        if words in registry.by_words:
            return Keyword if not leading else Name.Function
        if leading:
            return Text
        if name in self.aliases:
            return Keyword
        if at_end and (any(key[0].startswith(words[0]) for key in registry.by_words)
                       or any(alias.startswith(name) for alias in self.aliases)):
            return Text  # still on its way to a command's name
        return Error

    def extends(self, leading: list[str]) -> bool:
        """More words may still belong to the command name (``container`` → ``ls``)."""
        if self.registry is None:
            return False
        command = self.registry.by_words.get(tuple(leading))
        return command is not None and command.is_group and len(leading) < 3

    def word(self, word: Word, offset: int, token: _TokenType) -> None:
        """A word in ``token`` (a string if it has quotes), its expansions over it."""
        start, end = word.start + offset, word.end + offset
        raw = self.text[start:end]
        self.paint(start, end, String if "'" in raw or '"' in raw else token)
        self.parts(word, offset)

    def parts(self, word: Word, offset: int) -> None:
        for part in word.parts:
            if isinstance(part, Parameter):
                self.paint(part.start + offset, part.end + offset, VARIABLE)
                if part.argument is not None:
                    self.parts(part.argument, offset)
            elif isinstance(part, Substitution):
                self.substitution(part, offset)
            elif isinstance(part, Arithmetic):
                start, end = part.start + offset, part.end + offset
                self.paint(start, end, Text)
                self.paint(start, start + 3, SUBSTITUTION)
                if part.closed:
                    self.paint(end - 2, end, SUBSTITUTION)
                self.parts(Word(part.parts, part.start, part.end), offset)

    def substitution(self, part: Substitution, offset: int) -> None:
        start, end = part.start + offset, part.end + offset
        backquoted = self.text.startswith("`", start)
        opener = 1 if backquoted else 2
        inner_end = end - 1 if part.closed else end
        self.paint(start, inner_end, Text)
        self.paint(start, start + opener, SUBSTITUTION)
        if part.closed:
            self.paint(end - 1, end, SUBSTITUTION)
            self.closers.add(end - 1)
        if backquoted:
            # The body was parsed from the unescaped inner text; its own parse of the text
            # as typed gives spans in this line (and the operators and comments inside).
            inner = self.text[start + 1 : inner_end]
            result, reached = parse_for_highlighting(inner)
            self.result(result, start + 1)
            if reached < len(inner):
                self.paint(start + 1 + reached, inner_end, Error)
        else:
            self.script(part.body, offset)


def _literal(word: Word) -> str | None:
    """The word's text with quotes removed, when it has no expansions (a command name)."""
    if all(isinstance(part, Literal) for part in word.parts):
        return "".join(part.text for part in word.parts)  # type: ignore[union-attr]
    return None


def lexer_for(registry: Registry, shell_state: ShellState | None = None,
              plugins: Callable[[], Collection[str]] | None = None) -> type[DshellLexer]:
    """The lexer class for a session: its declarations, its shell state (aliases) and its
    CLI plugins."""
    return type("BoundDshellLexer", (DshellLexer,),
                {"registry": registry, "shell_state": shell_state,
                 "plugins": staticmethod(plugins) if plugins is not None else None})  # fmt: skip


class _PromptLexer(Lexer):
    """The prompt's colours, straight from ``DshellLexer``'s tokens.

    prompt_toolkit's ``PygmentsLexer`` is made for long documents (syntax synchronisation,
    line generators kept for reuse, the tokens split into lines through a list of lists):
    for the one line being typed it cost as much again as the parse, on every key. Here the
    line is lexed once and its fragments split at newlines. prompt_toolkit keeps the colours
    of a text it has seen (keyed by the text and the lexer's identity): each kept line
    function checks the aliases when asked, so ``ll`` is coloured again once ``alias ll=…``
    has run.
    """

    def __init__(self, registry: Registry, shell_state: ShellState | None,
                 plugins: Callable[[], Collection[str]] | None = None) -> None:  # fmt: skip
        self.lexer = lexer_for(registry, shell_state, plugins)()
        self.shell_state = shell_state
        self.plugins = plugins

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        text = document.text
        made: dict = {"aliases": self._aliases(), "lines": self._lines(text)}

        def get_line(number: int) -> StyleAndTextTuples:
            aliases = self._aliases()
            if aliases != made["aliases"]:
                made.update(aliases=aliases, lines=self._lines(text))
            lines = made["lines"]
            return lines[number] if 0 <= number < len(lines) else []

        return get_line

    def _lines(self, text: str) -> list[StyleAndTextTuples]:
        lines: list[StyleAndTextTuples] = [[]]
        styles = _STYLES
        for _, token, value in self.lexer.get_tokens_unprocessed(text):
            style = styles.get(token)
            if style is None:
                style = styles[token] = "class:" + pygments_token_to_classname(token)
            if "\n" not in value:
                lines[-1].append((style, value))
                continue
            *ended, last = value.split("\n")
            for part in ended:  # as prompt_toolkit's split_lines, empty parts included
                lines[-1].append((style, part))
                lines.append([])
            lines[-1].append((style, last))
        return lines

    def _aliases(self) -> tuple:
        """What the colours depend on besides the text: the aliases and the plugins."""
        state = self.shell_state
        aliases = tuple(sorted(state.aliases.items())) if state is not None else ()
        return (aliases, self.plugins()) if self.plugins is not None else aliases


#: Pygments token → prompt_toolkit style string (``class:pygments.name.function``).
_STYLES: dict[_TokenType, str] = {}


def prompt_lexer(registry: Registry, shell_state: ShellState | None = None,
                 plugins: Callable[[], Collection[str]] | None = None) -> Lexer:
    """The prompt's lexer for a session's declarations, shell state and CLI plugins."""
    return _PromptLexer(registry, shell_state, plugins)
