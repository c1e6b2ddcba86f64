"""Word expansion in bash's order: tilde, parameters, command substitution, word splitting,
pathname expansion, quote removal.

The expander knows nothing of Docker or of how a substitution runs: it asks its
``Environment`` for variable values and for the output of a ``$(…)``.
"""

from __future__ import annotations

import glob
import os
import pwd
from typing import Protocol

from dshell.records import dataclass, field
from dshell.shell.syntax import Arithmetic, Literal, Parameter, Script, Substitution, Word

DEFAULT_IFS = " \t\n"
GLOB_CHARACTERS = frozenset("*?[")


class ExpansionError(Exception):
    """An expansion that stops the command (``${X:?message}``, a bad substitution)."""


class Environment(Protocol):
    def lookup(self, name: str) -> str | None:
        """The value of a variable or special parameter (``?``, ``$``, ``1``…), None if unset."""

    def assign(self, name: str, value: str) -> None: ...

    def positional(self) -> list[str]:
        """``$1 $2 …`` (for ``$@`` and ``$*``)."""

    def substitute(self, script: Script) -> str:
        """Run ``script`` and return its standard output, trailing newlines removed."""


@dataclass
class _Field:
    segments: list[tuple[str, bool]] = field(default_factory=list)
    quoted: bool = False  # holds a quoted part, so it survives even when empty

    def text(self) -> str:
        return "".join(text for text, _ in self.segments)

    def has_glob(self) -> bool:
        return any(not quoted and GLOB_CHARACTERS.intersection(text)
                   for text, quoted in self.segments)  # fmt: skip

    def pattern(self) -> str:
        return "".join(glob.escape(text) if quoted else text for text, quoted in self.segments)


class _Builder:
    """Collects the fields one word expands to."""

    def __init__(self, ifs: str) -> None:
        self.fields: list[_Field] = []
        self.current = _Field()
        self.ifs = ifs
        self.ifs_blanks = "".join(c for c in ifs if c in DEFAULT_IFS)

    def add(self, text: str, quoted: bool) -> None:
        if quoted:
            self.current.quoted = True
        if text:
            self.current.segments.append((text, quoted))

    def finish(self) -> None:
        if self.current.segments or self.current.quoted:
            self.fields.append(self.current)
        self.current = _Field()

    def add_split(self, text: str) -> None:
        """An unquoted expansion's result: split on IFS into fields."""
        if not self.ifs:
            self.add(text, False)
            return
        index = 0
        length = len(text)
        while index < length:
            char = text[index]
            if char in self.ifs:
                # A run of IFS blanks, with at most one other IFS character, is one separator.
                end = index
                while end < length and text[end] in self.ifs_blanks:
                    end += 1
                if end < length and text[end] in self.ifs and text[end] not in self.ifs_blanks:
                    end += 1
                    while end < length and text[end] in self.ifs_blanks:
                        end += 1
                    self.current.quoted = True  # `a::b` keeps the empty field between
                    self.finish()
                else:
                    self.finish()
                index = end
                continue
            end = index
            while end < length and text[end] not in self.ifs:
                end += 1
            self.add(text[index:end], False)
            index = end


class Expander:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def _ifs(self) -> str:
        value = self.env.lookup("IFS")
        return DEFAULT_IFS if value is None else value

    # -- public
    def words(self, words: list[Word]) -> list[str]:
        """Expand command words into argv: split, globbed, quotes removed."""
        argv: list[str] = []
        for word in words:
            argv.extend(self.fields(word))
        return argv

    def fields(self, word: Word) -> list[str]:
        builder = _Builder(self._ifs())
        self._word(word, builder, split=True, first=True)
        builder.finish()
        out: list[str] = []
        for item in builder.fields:
            if item.has_glob():
                matches = _glob(item.pattern())
                if matches:
                    out.extend(matches)
                    continue
            out.append(item.text())
        return out

    def single(self, word: Word, tilde_after_colon: bool = False) -> str:
        """Expand without splitting or globbing (assignment values, ``${X:=word}``)."""
        builder = _Builder("")
        self._word(word, builder, split=False, first=True)
        text = "".join(t for f in [*builder.fields, builder.current] for t, _ in f.segments)
        return text

    # -- parts
    def _word(self, word: Word, builder: _Builder, split: bool, first: bool,
              split_literals: bool = False) -> None:
        """``split_literals``: unquoted text splits too (the word of ``${X:-a b}``)."""
        for index, part in enumerate(word.parts):
            if isinstance(part, Literal):
                text = part.text
                if index == 0 and first and not part.quoted and text.startswith("~"):
                    text = self._tilde(text, alone=len(word.parts) == 1)
                if split_literals and split and not part.quoted:
                    builder.add_split(text)
                else:
                    builder.add(text, part.quoted)
            elif isinstance(part, Parameter):
                self._parameter(part, builder, split)
            elif isinstance(part, Substitution):
                output = self.env.substitute(part.body)
                self._value(output, part.quoted, builder, split)
            elif isinstance(part, Arithmetic):
                self._value(self._arithmetic(part), part.quoted, builder, split)

    def _arithmetic(self, part: Arithmetic) -> str:
        from dshell.shell.arithmetic import ArithmeticError_, evaluate

        expression = self.single(Word(part.parts, part.start, part.end))
        try:
            return str(evaluate(expression, self.env.lookup))
        except ArithmeticError_ as exc:
            raise ExpansionError(str(exc)) from None

    def _value(self, text: str, quoted: bool, builder: _Builder, split: bool) -> None:
        if quoted or not split:
            builder.add(text, True if quoted else False)
            if quoted:
                builder.current.quoted = True
        else:
            builder.add_split(text)

    def _parameter(self, part: Parameter, builder: _Builder, split: bool) -> None:
        name, op = part.name, part.op
        if name in ("@", "*") and not op:
            self._positional(part, builder, split)
            return
        value = self.env.lookup(name)
        if op == "#":
            self._value(str(len(value or "")), part.quoted, builder, split)
            return
        if op:
            unset_or_null = value is None or (op.startswith(":") and value == "")
            kind = op.lstrip(":")
            if kind == "-" and unset_or_null:
                self._argument(part, builder, split)
                return
            if kind == "=" and unset_or_null:
                if not _assignable(name):
                    raise ExpansionError(f"${name}: cannot assign in this way")
                value = self.single(part.argument) if part.argument else ""
                self.env.assign(name, value)
            elif kind == "+":
                if not unset_or_null:
                    self._argument(part, builder, split)
                elif part.quoted:
                    builder.current.quoted = True
                return
            elif kind == "?" and unset_or_null:
                message = self.single(part.argument) if part.argument else ""
                raise ExpansionError(
                    f"{name}: {message or 'parameter null or not set'}"
                )
        if value is None:
            if part.quoted:
                builder.current.quoted = True
            return
        self._value(value, part.quoted, builder, split)

    def _argument(self, part: Parameter, builder: _Builder, split: bool) -> None:
        if part.argument is None:
            if part.quoted:
                builder.current.quoted = True
            return
        if part.quoted:
            builder.current.quoted = True
        self._word(part.argument, builder, split, first=False, split_literals=True)

    def _positional(self, part: Parameter, builder: _Builder, split: bool) -> None:
        values = self.env.positional()
        if part.name == "@" and part.quoted:
            for index, value in enumerate(values):
                if index:
                    builder.finish()
                builder.add(value, True)
            return
        if part.quoted:
            ifs = self._ifs()
            builder.add((ifs[:1] if ifs else "").join(values), True)
            return
        for index, value in enumerate(values):
            if index:
                builder.finish()
            self._value(value, False, builder, split)

    def _tilde(self, text: str, alone: bool) -> str:
        slash = text.find("/")
        if slash < 0 and not alone:
            return text  # `~"x"`: the prefix holds a quoted character, bash leaves it
        prefix = text[1:slash] if slash >= 0 else text[1:]
        rest = text[slash:] if slash >= 0 else ""
        if prefix == "":
            home = self.env.lookup("HOME")
            if home is None:
                try:
                    home = pwd.getpwuid(os.getuid()).pw_dir
                except KeyError:
                    return text
            return home + rest
        if prefix == "+":
            value = self.env.lookup("PWD")
            return text if value is None else value + rest
        if prefix == "-":
            value = self.env.lookup("OLDPWD")
            return text if value is None else value + rest
        try:
            return pwd.getpwnam(prefix).pw_dir + rest
        except (KeyError, ValueError):
            return text


def _assignable(name: str) -> bool:
    return name[:1].isalpha() or name[:1] == "_"


def _glob(pattern: str) -> list[str]:
    try:
        return sorted(glob.glob(pattern))
    except (ValueError, OSError, RecursionError):
        return []
