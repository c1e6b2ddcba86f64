"""Syntax highlighting of a typed line, from the declarations: command words, subcommands,
flags, strings; a first word that cannot become a command is shown as an error at once."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pygments.lexer import Lexer
from pygments.token import Comment, Error, Keyword, Name, String, Text, _TokenType

from dshell.commands.declare import Registry

_WORD = re.compile(r"""(?:[^\s'"\\#]|\\.?|#|'[^']*'?|"(?:[^"\\]|\\.)*"?)+""")


class DshellLexer(Lexer):
    """Colours one dshell line. Subclassed per registry by ``lexer_for`` because
    prompt_toolkit's ``PygmentsLexer`` instantiates the class itself."""

    name = "dshell"
    registry: Registry | None = None

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
        registry = self.registry
        position = 0
        leading: list[str] = []
        command_done = False
        for found in _WORD.finditer(text):
            start, word = found.start(), found.group()
            if start > position:
                yield position, Text, text[position:start]
            if word.startswith("#") and (start == 0 or text[start - 1].isspace()):
                yield start, Comment, text[start:]
                return
            yield start, self._token(registry, word, leading, command_done, found.end() ==
                                     len(text)), word  # fmt: skip
            if not command_done:
                leading.append(word.lower())
                command_done = not self._extends(registry, leading)
            position = found.end()
        if position < len(text):
            yield position, Text, text[position:]

    @staticmethod
    def _extends(registry: Registry | None, leading: list[str]) -> bool:
        """More words may still belong to the command name (``container`` → ``ls``)."""
        if registry is None:
            return False
        command = registry.by_words.get(tuple(leading))
        return command is not None and command.is_group and len(leading) < 3

    @staticmethod
    def _token(registry, word: str, leading: list[str], command_done: bool,  # noqa: ANN001
               at_end: bool) -> _TokenType:
        if word.startswith(("'", '"')):
            return String
        if not command_done and registry is not None:
            words = (*leading, word.lower())
            if words in registry.by_words:
                return Keyword if not leading else Name.Function
            if leading:
                return Text
            if at_end and any(key[0].startswith(words[0]) for key in registry.by_words):
                return Text
            return Error
        if word.startswith("-") and len(word) > 1:
            return Name.Attribute
        if "'" in word or '"' in word:
            return String
        return Text


def lexer_for(registry: Registry) -> type[DshellLexer]:
    return type("BoundDshellLexer", (DshellLexer,), {"registry": registry})
