"""The shell language's syntax: a line becomes lists, pipelines, commands and words.

A hand-written recursive-descent parser over characters, one pass, linear in the length of the
line (a 200 KB line with an unbalanced quote fails in milliseconds). It follows bash's grammar
for what dshell supports — ``;``, ``&&``, ``||``, ``|``, redirections, quoting, ``$VAR``,
``${VAR:-word}``, ``$(…)``, backticks, ``$'…'``, assignments, comments — and bash's messages
for what it rejects. Every node keeps its span in the text, so the REPL's highlighter and
completer read the same structure that will run (``partial=True`` parses an unfinished line
without raising and records where it stopped).

Aliases are expanded while parsing, as bash does: the first word of a simple command that is
an unquoted alias name is replaced by the alias's text, which is then parsed in its place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Characters that end an unquoted word (bash's metacharacters).
METACHARACTERS = frozenset(" \t\n;&|<>()")
BLANKS = " \t"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
SPECIAL_PARAMETERS = frozenset("?$#@*!-0123456789")
PARAMETER_OPERATORS = (":-", ":=", ":+", ":?", "-", "=", "+", "?")
#: A word of plain characters only (no quote, escape, expansion or metacharacter).
_PLAIN_WORD = re.compile(r"[^\s;&|<>()'\"\\$`]+")


class ShellSyntaxError(Exception):
    """A line that cannot run. ``incomplete`` is set when more text could complete it
    (an open quote or substitution, an operator at the end)."""

    def __init__(self, message: str, position: int, incomplete: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.incomplete = incomplete


# -- the tree ------------------------------------------------------------------------------
# Plain classes with slots rather than dataclasses: every command line goes through this
# module, and generating dataclass methods (and importing ``dataclasses``/``inspect``) cost a
# cold start several milliseconds. ``_Node`` gives them dataclass-like ``==`` and ``repr``.


class _Node:
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({inner})"


class Literal(_Node):
    """Text as typed. ``quoted`` text is never split or globbed."""

    __slots__ = ("text", "quoted")

    def __init__(self, text: str, quoted: bool = False) -> None:
        self.text = text
        self.quoted = quoted


class Parameter(_Node):
    """``$NAME``, ``${NAME}``, ``${NAME:-word}``…; ``op`` is "" or one of
    PARAMETER_OPERATORS, or "#" for ``${#NAME}`` (the length)."""

    __slots__ = ("name", "quoted", "op", "argument", "start", "end")

    def __init__(self, name: str, quoted: bool = False, op: str = "",
                 argument: Word | None = None, start: int = 0, end: int = 0) -> None:
        self.name = name
        self.quoted = quoted
        self.op = op
        self.argument = argument
        self.start = start
        self.end = end


class Substitution(_Node):
    """``$(…)`` or a backquoted command: its output replaces it."""

    __slots__ = ("body", "quoted", "start", "end", "closed")

    def __init__(self, body: Script, quoted: bool = False, start: int = 0, end: int = 0,
                 closed: bool = True) -> None:
        self.body = body
        self.quoted = quoted
        self.start = start
        self.end = end
        self.closed = closed


class Arithmetic(_Node):
    """``$((expression))``: the parts (text, ``$VAR``, ``$(…)``) expand, then evaluate."""

    __slots__ = ("parts", "quoted", "start", "end", "closed")

    def __init__(self, parts: list[Part], quoted: bool = False, start: int = 0, end: int = 0,
                 closed: bool = True) -> None:
        self.parts = parts
        self.quoted = quoted
        self.start = start
        self.end = end
        self.closed = closed


Part = Literal | Parameter | Substitution | Arithmetic


class Word(_Node):
    __slots__ = ("parts", "start", "end")

    def __init__(self, parts: list[Part], start: int, end: int) -> None:
        self.parts = parts
        self.start = start
        self.end = end

    def plain(self) -> str | None:
        """The text if the word is unquoted literal text only (a command or alias name)."""
        if all(isinstance(p, Literal) and not p.quoted for p in self.parts):
            return "".join(p.text for p in self.parts)  # type: ignore[union-attr]
        return None


class Redirect(_Node):
    """``[fd]op target``. ``op`` is one of ``< > >> >| <& >& &> &>>``."""

    __slots__ = ("fd", "op", "target", "start", "end")

    def __init__(self, fd: int | None, op: str, target: Word | None, start: int,
                 end: int) -> None:
        self.fd = fd
        self.op = op
        self.target = target
        self.start = start
        self.end = end

    @property
    def descriptor(self) -> int:
        if self.fd is not None:
            return self.fd
        return 0 if self.op.startswith("<") else 1


class Assignment(_Node):
    __slots__ = ("name", "value", "start", "end")

    def __init__(self, name: str, value: Word, start: int, end: int) -> None:
        self.name = name
        self.value = value
        self.start = start
        self.end = end


class SimpleCommand(_Node):
    __slots__ = ("assignments", "words", "redirects", "start", "end")

    def __init__(self, assignments: list[Assignment] | None = None,
                 words: list[Word] | None = None, redirects: list[Redirect] | None = None,
                 start: int = 0, end: int = 0) -> None:
        self.assignments = [] if assignments is None else assignments
        self.words = [] if words is None else words
        self.redirects = [] if redirects is None else redirects
        self.start = start
        self.end = end


class HostCommand(_Node):
    """``!text``: the rest of the line for the system shell, untouched."""

    __slots__ = ("text", "start", "end")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end


Command = SimpleCommand | HostCommand


class Pipeline(_Node):
    #: ``with_stderr``: for each ``|`` after a command, True when it was ``|&`` (stderr too).
    __slots__ = ("commands", "with_stderr", "start", "end")

    def __init__(self, commands: list[Command], with_stderr: list[bool] | None = None,
                 start: int = 0, end: int = 0) -> None:
        self.commands = commands
        self.with_stderr = [] if with_stderr is None else with_stderr
        self.start = start
        self.end = end


class AndOr(_Node):
    """Pipelines joined by ``&&`` and ``||``: ``operators[i]`` joins pipeline i and i+1."""

    __slots__ = ("pipelines", "operators")

    def __init__(self, pipelines: list[Pipeline], operators: list[str] | None = None) -> None:
        self.pipelines = pipelines
        self.operators = [] if operators is None else operators


class Script(_Node):
    """And-or lists separated by ``;`` or newlines."""

    __slots__ = ("items", "start", "end")

    def __init__(self, items: list[AndOr] | None = None, start: int = 0, end: int = 0) -> None:
        self.items = [] if items is None else items
        self.start = start
        self.end = end


class Operator(_Node):
    """An operator token's place in the text (for highlighting)."""

    __slots__ = ("text", "start", "end")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end


class ParseResult(_Node):
    """A parse of a (possibly unfinished) line: the tree plus what the REPL needs."""

    __slots__ = ("script", "operators", "comments", "error")

    def __init__(self, script: Script, operators: list[Operator],
                 comments: list[tuple[int, int]], error: ShellSyntaxError | None = None) -> None:
        self.script = script
        self.operators = operators
        self.comments = comments
        self.error = error


# -- the parser ----------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, aliases: Mapping[str, str], partial: bool) -> None:
        self.text = text
        self.pos = 0
        self.aliases = aliases
        self.partial = partial
        self.operators: list[Operator] = []
        self.comments: list[tuple[int, int]] = []
        #: Aliases being expanded, with the end of their text: not expanded again inside.
        self.expanding: list[tuple[str, int]] = []
        self.alias_next_word = False

    # -- helpers
    def error(self, message: str, incomplete: bool = False) -> ShellSyntaxError:
        return ShellSyntaxError(message, self.pos, incomplete)

    def unexpected(self, token: str) -> ShellSyntaxError:
        if token == "":
            return ShellSyntaxError("syntax error: unexpected end of file", self.pos, True)
        return ShellSyntaxError(f"syntax error near unexpected token `{token}'", self.pos)

    def peek(self, size: int = 1) -> str:
        return self.text[self.pos : self.pos + size]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_blanks(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text):
            char = text[pos]
            if char in BLANKS:
                pos += 1
            elif char == "\\" and text.startswith("\\\n", pos):
                pos += 2
            elif char == "#":
                end = text.find("\n", pos)
                end = len(text) if end < 0 else end
                self.comments.append((pos, end))
                pos = end
            else:
                break
        self.pos = pos

    def operator_here(self) -> str:
        """The control operator at the cursor, if any (``&&``, ``||``, ``|&``, ``|``, ``;``,
        ``&``, newline, ``)``, ``(``)."""
        two = self.peek(2)
        if two in ("&&", "||", "|&", ";;"):
            return two
        one = self.peek()
        if one in ("|", ";", "\n", ")", "("):
            return one
        if one == "&" and two != "&>":
            return one
        return ""

    def note_operator(self, token: str) -> None:
        self.operators.append(Operator(token, self.pos, self.pos + len(token)))
        self.pos += len(token)

    # -- script, lists, pipelines
    def script(self, closer: str = "") -> Script:
        """Parse until the end, or until ``closer`` (``)`` of a substitution) at top level."""
        script = Script(start=self.pos)
        while True:
            self.skip_separators()
            if self.at_end():
                break
            if closer and self.peek() == closer:
                break
            token = self.operator_here()
            if token:
                raise self.unexpected(token)
            script.items.append(self.and_or(closer))
            self.skip_blanks()
            if self.at_end() or (closer and self.peek() == closer):
                break
            token = self.operator_here()
            if token in (";", "\n"):
                self.note_operator(token)
                continue
            raise self.unexpected(token or self.peek())
        script.end = self.pos
        return script

    def skip_separators(self) -> None:
        while True:
            self.skip_blanks()
            if self.peek() == "\n":
                self.pos += 1
                continue
            return

    def and_or(self, closer: str) -> AndOr:
        node = AndOr([self.pipeline(closer)])
        while True:
            self.skip_blanks()
            token = self.operator_here()
            if token not in ("&&", "||"):
                return node
            self.note_operator(token)
            self.skip_separators()
            node.operators.append(token)
            if self.at_end():
                if not self.partial:
                    raise self.unexpected("")
                node.pipelines.append(Pipeline([SimpleCommand(start=self.pos, end=self.pos)],
                                               start=self.pos, end=self.pos))  # fmt: skip
                return node
            node.pipelines.append(self.pipeline(closer))

    def pipeline(self, closer: str) -> Pipeline:
        start = self.pos
        node = Pipeline([self.command(closer)], start=start)
        while True:
            self.skip_blanks()
            token = self.operator_here()
            if token not in ("|", "|&"):
                node.end = self.pos
                return node
            self.note_operator(token)
            self.skip_separators()
            node.with_stderr.append(token == "|&")
            if self.at_end():
                if not self.partial:
                    raise self.unexpected("")
                node.commands.append(SimpleCommand(start=self.pos, end=self.pos))
                node.end = self.pos
                return node
            node.commands.append(self.command(closer))

    def command(self, closer: str) -> Command:
        self.skip_blanks()
        if self.peek() == "!" and not closer:
            start = self.pos
            end = self.text.find("\n", start)
            end = len(self.text) if end < 0 else end
            self.pos = end
            return HostCommand(self.text[start + 1 : end].strip(), start, end)
        return self.simple_command(closer)

    def simple_command(self, closer: str) -> SimpleCommand:
        node = SimpleCommand(start=self.pos)
        aliased = False
        while True:
            self.skip_blanks()
            self.release_aliases()
            if self.at_end():
                break
            if self.operator_here():
                break
            redirect = self.redirect()
            if redirect is not None:
                node.redirects.append(redirect)
                continue
            word_start = self.pos
            word = self.word()
            if not node.words:
                if word.parts and self.assignment_prefix(word):
                    node.assignments.append(self.split_assignment(word))
                    continue
                if self.expand_alias(word, word_start):
                    aliased = True
                    continue
            elif self.alias_next_word:
                self.alias_next_word = False
                if self.expand_alias(word, word_start):
                    aliased = True
                    continue
            node.words.append(word)
        node.end = self.pos
        if not (node.words or node.assignments or node.redirects or aliased):
            raise self.unexpected(self.operator_here() or "")
        return node

    # -- aliases
    def release_aliases(self) -> None:
        while self.expanding and self.pos >= self.expanding[-1][1]:
            self.expanding.pop()

    def expand_alias(self, word: Word, start: int) -> bool:
        name = word.plain()
        if not name or name not in self.aliases:
            return False
        if any(active == name for active, _ in self.expanding):
            return False
        value = self.aliases[name]
        self.text = self.text[:start] + value + self.text[word.end :]
        growth = len(value) - (word.end - start)
        self.expanding = [(n, end + growth) for n, end in self.expanding]
        self.expanding.append((name, start + len(value)))
        self.pos = start
        self.alias_next_word = value.endswith((" ", "\t"))
        return True

    # -- assignments
    @staticmethod
    def assignment_prefix(word: Word) -> bool:
        first = word.parts[0]
        return (
            isinstance(first, Literal) and not first.quoted
            and ASSIGNMENT.match(first.text) is not None
        )

    @staticmethod
    def split_assignment(word: Word) -> Assignment:
        first = word.parts[0]
        assert isinstance(first, Literal)
        found = ASSIGNMENT.match(first.text)
        assert found is not None
        rest = first.text[found.end() :]
        parts: list[Part] = [Literal(rest)] if rest else []
        parts.extend(word.parts[1:])
        value_start = word.start + found.end()
        return Assignment(found.group(1), Word(parts, value_start, word.end), word.start,
                          word.end)  # fmt: skip

    # -- redirections
    def redirect(self) -> Redirect | None:
        text, start = self.text, self.pos
        pos = start
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        fd = int(text[start:pos]) if pos > start else None
        rest = text[pos : pos + 3]
        op = ""
        if fd is None and rest.startswith("&>>"):
            op = "&>>"
        elif fd is None and rest.startswith("&>"):
            op = "&>"
        elif rest.startswith("<<"):
            self.pos = pos
            raise self.error("here-documents (<<) are not supported")
        elif rest[:2] in (">>", ">&", ">|", "<&"):
            op = rest[:2]
        elif rest[:1] in ("<", ">"):
            op = rest[:1]
        if not op:
            return None
        self.pos = pos + len(op)
        self.operators.append(Operator(text[start : self.pos], start, self.pos))
        self.skip_blanks()
        token = self.operator_here()
        if self.at_end() or token:
            if self.partial and self.at_end():
                return Redirect(fd, op, None, start, self.pos)
            raise self.unexpected(token if token and token != "\n" else "newline")
        if self.peek() in "<>":
            raise self.unexpected(self.peek(2) if self.peek(2) in (">>", "<<") else self.peek())
        target = self.word()
        if op == ">&" and fd is None and target.plain() not in (None, "-") and \
                not (target.plain() or "").isdigit():
            op = "&>"  # bash: `>&file` is `&>file`
        return Redirect(fd, op, target, start, self.pos)

    # -- words
    def word(self) -> Word:
        start = self.pos
        plain = _PLAIN_WORD.match(self.text, start)
        if plain is not None:
            end = plain.end()
            if end == len(self.text) or self.text[end] in METACHARACTERS:
                self.pos = end  # the common case: nothing to quote or expand
                return Word([Literal(plain.group())], start, end)
        parts: list[Part] = []
        self.word_parts(parts, stop=METACHARACTERS)
        return Word(parts, start, self.pos)

    def word_parts(self, parts: list[Part], stop: frozenset[str] | str) -> None:
        """Scan word text until a character in ``stop`` (unquoted) or the end."""
        text = self.text
        plain: list[str] = []

        def flush() -> None:
            if plain:
                parts.append(Literal("".join(plain)))
                plain.clear()

        while self.pos < len(text):
            char = text[self.pos]
            if char in stop:
                break
            if char == "\\":
                if text.startswith("\\\n", self.pos):
                    self.pos += 2
                    continue
                flush()
                if self.pos + 1 < len(text):
                    parts.append(Literal(text[self.pos + 1], quoted=True))
                    self.pos += 2
                else:
                    parts.append(Literal("\\"))
                    self.pos += 1
            elif char == "'":
                flush()
                parts.append(self.single_quoted())
            elif char == '"':
                flush()
                self.double_quoted(parts)
            elif char == "$":
                flush()
                self.dollar(parts, quoted=False)
            elif char == "`":
                flush()
                parts.append(self.backquoted(quoted=False))
            else:
                run_end = self.pos + 1
                while run_end < len(text) and text[run_end] not in stop and \
                        text[run_end] not in "\\'\"$`":
                    run_end += 1
                plain.append(text[self.pos : run_end])
                self.pos = run_end
        flush()

    def single_quoted(self) -> Literal:
        end = self.text.find("'", self.pos + 1)
        if end < 0:
            if self.partial:
                literal = Literal(self.text[self.pos + 1 :], quoted=True)
                self.pos = len(self.text)
                return literal
            raise self.error("unexpected EOF while looking for matching `''", incomplete=True)
        literal = Literal(self.text[self.pos + 1 : end], quoted=True)
        self.pos = end + 1
        return literal

    def double_quoted(self, parts: list[Part]) -> None:
        text = self.text
        self.pos += 1
        plain: list[str] = []
        produced = len(parts)

        def flush() -> None:
            if plain:
                parts.append(Literal("".join(plain), quoted=True))
                plain.clear()

        while True:
            if self.pos >= len(text):
                if self.partial:
                    break
                raise self.error('unexpected EOF while looking for matching `"\'',
                                 incomplete=True)  # fmt: skip
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                break
            if char == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in '$`"\\\n':
                if text[self.pos + 1] != "\n":
                    plain.append(text[self.pos + 1])
                self.pos += 2
            elif char == "$":
                flush()
                self.dollar(parts, quoted=True)
            elif char == "`":
                flush()
                parts.append(self.backquoted(quoted=True))
            else:
                run_end = self.pos + 1
                while run_end < len(text) and text[run_end] not in '"\\$`':
                    run_end += 1
                plain.append(text[self.pos : run_end])
                self.pos = run_end
        flush()
        if len(parts) == produced:
            parts.append(Literal("", quoted=True))  # "" is an empty word, not nothing

    def dollar(self, parts: list[Part], quoted: bool) -> None:
        text, start = self.text, self.pos
        following = text[start + 1 : start + 2]
        if following == "(":
            if text.startswith("$((", start):
                parts.append(self.arithmetic(quoted))
            else:
                parts.append(self.command_substitution(quoted))
        elif following == "{":
            parts.append(self.braced_parameter(quoted))
        elif following == "'" and not quoted:
            parts.append(self.ansi_c_quoted())
        elif following == '"' and not quoted:
            self.pos += 1
            self.double_quoted(parts)
        elif following and following in SPECIAL_PARAMETERS:
            self.pos += 2
            parts.append(Parameter(following, quoted, start=start, end=self.pos))
        else:
            found = NAME.match(text, start + 1)
            if found is None:
                self.pos += 1
                parts.append(Literal("$", quoted))
                return
            self.pos = found.end()
            parts.append(Parameter(found.group(), quoted, start=start, end=self.pos))

    def command_substitution(self, quoted: bool) -> Substitution:
        start = self.pos
        self.pos += 2
        saved_alias_flag = self.alias_next_word
        body = self.script(closer=")")
        self.alias_next_word = saved_alias_flag
        if self.at_end():
            if self.partial:
                return Substitution(body, quoted, start, self.pos, closed=False)
            raise self.error("unexpected EOF while looking for matching `)'", incomplete=True)
        self.operators.append(Operator(")", self.pos, self.pos + 1))
        self.pos += 1
        return Substitution(body, quoted, start, self.pos)

    def arithmetic(self, quoted: bool) -> Arithmetic:
        text, start = self.text, self.pos
        self.pos += 3
        parts: list[Part] = []
        plain: list[str] = []
        depth = 0

        def flush() -> None:
            if plain:
                parts.append(Literal("".join(plain), quoted=True))
                plain.clear()

        while True:
            if self.pos >= len(text):
                flush()
                if self.partial:
                    return Arithmetic(parts, quoted, start, self.pos, closed=False)
                raise self.error("unexpected EOF while looking for matching `))'",
                                 incomplete=True)  # fmt: skip
            char = text[self.pos]
            if char == ")" and depth == 0:
                if not text.startswith("))", self.pos):
                    if self.pos + 1 >= len(text):
                        if self.partial:
                            self.pos += 1
                            flush()
                            return Arithmetic(parts, quoted, start, self.pos, closed=False)
                        raise self.error("unexpected EOF while looking for matching `)'",
                                         incomplete=True)  # fmt: skip
                    raise self.unexpected(")")
                self.pos += 2
                break
            if char in "()":
                depth += 1 if char == "(" else -1
                plain.append(char)
                self.pos += 1
            elif char == "$":
                flush()
                self.dollar(parts, quoted=True)
            elif char == "`":
                flush()
                parts.append(self.backquoted(quoted=True))
            elif char == "\\" and self.pos + 1 < len(text):
                plain.append(text[self.pos + 1])
                self.pos += 2
            elif char == '"':
                self.pos += 1  # quotes are removed inside $((…)), as in bash
            else:
                plain.append(char)
                self.pos += 1
        flush()
        return Arithmetic(parts, quoted, start, self.pos)

    def backquoted(self, quoted: bool) -> Substitution:
        text, start = self.text, self.pos
        pos = start + 1
        inner: list[str] = []
        while pos < len(text) and text[pos] != "`":
            if text[pos] == "\\" and pos + 1 < len(text) and text[pos + 1] in "$`\\":
                inner.append(text[pos + 1])
                pos += 2
            else:
                inner.append(text[pos])
                pos += 1
        closed = pos < len(text)
        if not closed and not self.partial:
            self.pos = pos
            raise self.error("unexpected EOF while looking for matching ``'", incomplete=True)
        nested = _Parser("".join(inner), self.aliases, self.partial)
        body = nested.script()
        self.pos = pos + 1 if closed else pos
        return Substitution(body, quoted, start, self.pos, closed=closed)

    def braced_parameter(self, quoted: bool) -> Parameter:
        text, start = self.text, self.pos
        self.pos += 2
        length = False
        if text[self.pos : self.pos + 1] == "#" and text[self.pos + 1 : self.pos + 2] != "}":
            length = True
            self.pos += 1
        found = NAME.match(text, self.pos)
        if found is not None:
            name = found.group()
            self.pos = found.end()
        elif self.pos < len(text) and text[self.pos] in SPECIAL_PARAMETERS:
            name = text[self.pos]
            self.pos += 1
            while name.isdigit() and self.pos < len(text) and text[self.pos].isdigit():
                name += text[self.pos]
                self.pos += 1
        else:
            name = ""
        if self.pos >= len(text):
            if self.partial:
                return Parameter(name, quoted, start=start, end=self.pos)
            raise self.error("unexpected EOF while looking for matching `}'", incomplete=True)
        op = ""
        argument = None
        if not length:
            for candidate in PARAMETER_OPERATORS:
                if text.startswith(candidate, self.pos):
                    op = candidate
                    self.pos += len(candidate)
                    break
        if op:
            parts: list[Part] = []
            arg_start = self.pos
            self.word_parts(parts, stop="}")
            if quoted:
                parts = [_requote(p) for p in parts]
            argument = Word(parts, arg_start, self.pos)
        if self.pos >= len(text):
            if self.partial:
                return Parameter(name, quoted, op, argument, start, self.pos)
            raise self.error("unexpected EOF while looking for matching `}'", incomplete=True)
        if text[self.pos] != "}" or not name:
            closing = text.find("}", self.pos)
            bad = text[start : closing + 1 if closing >= 0 else len(text)]
            raise self.error(f"{bad}: bad substitution")
        self.pos += 1
        return Parameter(name, quoted, "#" if length else op, argument, start, self.pos)

    def ansi_c_quoted(self) -> Literal:
        text = self.text
        pos = self.pos + 2
        out: list[str] = []
        while pos < len(text) and text[pos] != "'":
            char = text[pos]
            if char != "\\" or pos + 1 >= len(text):
                out.append(char)
                pos += 1
                continue
            decoded, pos = _ansi_c_escape(text, pos + 1)
            out.append(decoded)
        if pos >= len(text):
            if not self.partial:
                raise self.error("unexpected EOF while looking for matching `''",
                                 incomplete=True)  # fmt: skip
            self.pos = pos
        else:
            self.pos = pos + 1
        return Literal("".join(out), quoted=True)


def _requote(part: Part) -> Part:
    if isinstance(part, Literal):
        return Literal(part.text, True)
    if isinstance(part, (Parameter, Substitution, Arithmetic)):
        part.quoted = True
    return part


_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip


def _ansi_c_escape(text: str, pos: int) -> tuple[str, int]:
    """Decode the escape after a backslash in ``$'…'``; return it and the next position."""
    char = text[pos]
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char], pos + 1
    if char in "01234567":
        digits = re.match(r"[0-7]{1,3}", text[pos : pos + 3])
        assert digits is not None
        value = int(digits.group(), 8) & 0xFF
        return _byte(value), pos + len(digits.group())
    limits = {"x": 2, "u": 4, "U": 8}
    if char in limits:
        width = limits[char]
        digits = re.match(f"[0-9A-Fa-f]{{1,{width}}}", text[pos + 1 : pos + 1 + width])
        if digits is None:
            return "\\" + char, pos + 1
        value = int(digits.group(), 16)
        end = pos + 1 + len(digits.group())
        if char == "x":
            return _byte(value), end
        try:
            return chr(value), end
        except (ValueError, OverflowError):
            return "\\" + text[pos:end], end
    if char == "c" and pos + 1 < len(text):
        return chr(ord(text[pos + 1].upper()) ^ 0x40) if text[pos + 1].isalpha() or \
            text[pos + 1] in "@[\\]^_?" else text[pos + 1], pos + 2
    return "\\" + char, pos + 1


def _byte(value: int) -> str:
    """One byte as Python text: ASCII as itself, the rest as a surrogate escape (the
    filesystem encoding turns it back into that byte)."""
    return chr(value) if value < 0x80 else bytes([value]).decode("utf-8", "surrogateescape")


# -- entry points --------------------------------------------------------------------------


def parse(text: str, aliases: Mapping[str, str] | None = None) -> Script:
    """Parse a line (or several): raises ShellSyntaxError with bash's message."""
    parser = _Parser(text, aliases or {}, partial=False)
    try:
        script = parser.script()
    except RecursionError:
        raise ShellSyntaxError("expression nested too deeply", parser.pos) from None
    if not parser.at_end():
        raise parser.unexpected(parser.peek())
    return script


def parse_partial(text: str, aliases: Mapping[str, str] | None = None) -> ParseResult:
    """Parse as much of an unfinished line as possible, never raising (for the REPL)."""
    parser = _Parser(text, aliases or {}, partial=True)
    error = None
    script = Script()
    try:
        script = parser.script()
        if not parser.at_end():
            raise parser.unexpected(parser.peek())
    except ShellSyntaxError as exc:
        error = exc
    except RecursionError:
        error = ShellSyntaxError("expression nested too deeply", parser.pos)
    return ParseResult(script, parser.operators, parser.comments, error)


def _incomplete(text: str) -> ShellSyntaxError | None:
    """The error of a line that more text could complete, else None."""
    try:
        parse(text)
    except ShellSyntaxError as exc:
        return exc if exc.incomplete else None
    return None


def needs_more(text: str) -> bool:
    """True when the line ends inside an operator that asks for another line (``|``,
    ``&&``, ``||`` at the end): a script or the prompt then reads the next line."""
    if not text.rstrip().endswith(("|", "&&")):
        return False  # the common case, without a parse
    error = _incomplete(text)
    return error is not None and error.message == "syntax error: unexpected end of file"


def open_quote(text: str) -> str | None:
    """The closing character a line still waits for (``'``, ``"``, ``)``, ``}``, `` ` ``),
    or None when it is complete or wrong in another way."""
    error = _incomplete(text)
    marker = "unexpected EOF while looking for matching `"
    if error is None or not error.message.startswith(marker):
        return None
    return error.message[len(marker) : -1][-1:] or None
