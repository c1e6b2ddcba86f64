"""Parse a command's arguments against its declaration, with pflag's rules and messages."""

from __future__ import annotations

from typing import Any

from dshell.commands.declare import Command, Flag


class UsageError(Exception):
    """Bad flags or arguments. ``status`` is docker's: 125 for flag errors, 1 for arguments."""

    def __init__(self, message: str, command: Command, status: int = 125) -> None:
        super().__init__(message)
        self.message = message
        self.command = command
        self.status = status

    def __str__(self) -> str:
        return f"{self.message}. See '{self.command.name} --help'."


class HelpRequested(Exception):
    """``-h``/``--help`` was given: print the command's help and succeed."""

    def __init__(self, command: Command) -> None:
        super().__init__(command.name)
        self.command = command


class Options:
    """Parsed flag values as attributes (``opts.all``) plus positional ``args``.

    ``given`` holds the dests of flags the user typed, for docker's ``flags.Changed``.
    """

    def __init__(self, command: Command) -> None:
        self.command = command
        self.args: list[str] = []
        self.given: set[str] = set()
        for flag in command.flags:
            setattr(self, flag.dest, flag.initial())

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{self.command.name} has no flag {name!r}")

    def __repr__(self) -> str:
        values = {k: v for k, v in vars(self).items() if k not in ("command",)}
        return f"Options({self.command.name}, {values})"


def parse_args(command: Command, argv: list[str]) -> Options:
    """Apply ``argv`` (the words after the command name) to ``command``'s declaration."""
    opts = Options(command)
    if command.raw_args:
        opts.args = list(argv)
        return opts
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if word == "--":
            opts.args.extend(argv[index:])
            break
        if word.startswith("--") and len(word) > 2:
            index = _long_flag(command, opts, word, argv, index)
        elif word.startswith("-") and len(word) > 1:
            index = _short_flags(command, opts, word, argv, index)
        else:
            opts.args.append(word)
            if not command.interspersed:
                opts.args.extend(argv[index:])
                break
    _check_arg_count(command, opts.args)
    return opts


def _long_flag(command: Command, opts: Options, word: str, argv: list[str], index: int) -> int:
    name, has_value, value = word[2:].partition("=")
    if name == "help":
        raise HelpRequested(command)
    flag = command.find_flag(f"--{name}")
    if flag is None:
        raise UsageError(f"unknown flag: --{name}", command)
    if flag.takes_value and not has_value:
        if index >= len(argv):
            raise UsageError(f"flag needs an argument: --{name}", command)
        value, index = argv[index], index + 1
    _store(command, opts, flag, value if (has_value or flag.takes_value) else None)
    return index


def _short_flags(command: Command, opts: Options, word: str, argv: list[str], index: int) -> int:
    letters = word[1:]
    position = 0
    while position < len(letters):
        letter = letters[position]
        position += 1
        if letter == "h" and command.find_flag("-h") is None:
            raise HelpRequested(command)
        flag = command.find_flag(f"-{letter}")
        if flag is None:
            raise UsageError(f"unknown shorthand flag: '{letter}' in -{letters}", command)
        remainder = letters[position:]
        if flag.takes_value:
            if remainder:
                value = remainder[1:] if remainder.startswith("=") else remainder
            elif index < len(argv):
                value, index = argv[index], index + 1
            else:
                raise UsageError(
                    f"flag needs an argument: '{letter}' in -{letters}", command
                )
            _store(command, opts, flag, value)
            return index
        if remainder.startswith("="):
            _store(command, opts, flag, remainder[1:])
            return index
        _store(command, opts, flag, None)
    return index


def _store(command: Command, opts: Options, flag: Flag, value: str | None) -> None:
    opts.given.add(flag.dest)
    if flag.type == "bool":
        setattr(opts, flag.dest, True if value is None else _parse_bool(command, flag, value))
    elif flag.repeatable:
        if flag.type == "filter" and "=" not in (value or ""):
            raise _invalid(command, flag, value or "",
                           "bad format of filter (expected name=value)")  # fmt: skip
        getattr(opts, flag.dest).append(value)
    elif flag.type in INTEGER_BITS:
        number = _parse_number(command, flag, value or "")
        # uint16 values stay text, in decimal: the commands convert them further.
        setattr(opts, flag.dest, str(number) if flag.type == "uint16" else number)
    else:
        setattr(opts, flag.dest, value)


def _flag_label(flag: Flag) -> str:
    return f"-{flag.short}, --{flag.long}" if flag.short else f"--{flag.long}"


def _invalid(command: Command, flag: Flag, value: str, reason: str) -> UsageError:
    """pflag's ``invalid argument %q for %q flag: %v``."""
    from dshell.render.formatter import go_quote

    return UsageError(f"invalid argument {go_quote(value)} for {go_quote(_flag_label(flag))} "
                      f"flag: {reason}", command)  # fmt: skip


def _parse_bool(command: Command, flag: Flag, value: str) -> bool:
    truthy = {"1", "t", "T", "TRUE", "true", "True"}
    falsy = {"0", "f", "F", "FALSE", "false", "False"}
    if value in truthy:
        return True
    if value in falsy:
        return False
    raise _invalid(command, flag, value, str(NumError("ParseBool", value, SYNTAX)))


def _parse_number(command: Command, flag: Flag, value: str) -> int:
    signed, bits = INTEGER_BITS[flag.type]
    try:
        return go_parse_int(value, bits) if signed else go_parse_uint(value, bits)
    except NumError as exc:
        raise _invalid(command, flag, value, str(exc)) from None


# --- Go's strconv, as pflag's int and uint flags call it ---------------------------------

#: pflag's integer flag types: (signed, bits). ``int`` is Go's, 64 bits on docker's platforms.
INTEGER_BITS = {"int": (True, 64), "uint": (False, 64), "uint16": (False, 16)}
SYNTAX, RANGE = "invalid syntax", "value out of range"


class NumError(ValueError):
    """strconv's ``*NumError``: ``strconv.ParseInt: parsing "99…": value out of range``."""

    def __init__(self, func: str, text: str, reason: str) -> None:
        super().__init__(func, text, reason)
        self.func, self.text, self.reason = func, text, reason

    def __str__(self) -> str:
        from dshell.render.formatter import go_quote

        return f"strconv.{self.func}: parsing {go_quote(self.text)}: {self.reason}"


def underscores_ok(text: str) -> bool:
    """strconv's underscoreOK: each ``_`` sits between digits (or a base prefix and a digit)."""
    saw, position = "^", 0
    if text[:1] in ("+", "-"):
        text = text[1:]
    hexadecimal = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        position, saw, hexadecimal = 2, "0", text[1].lower() == "x"
    for char in text[position:]:
        if "0" <= char <= "9" or (hexadecimal and "a" <= char.lower() <= "f"):
            saw = "0"
        elif char == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def go_parse_uint(text: str, bits: int = 64, base: int = 0, func: str = "ParseUint") -> int:
    """Go's ``strconv.ParseUint(text, base, bits)`` (base 0 or 10): ``0x``/``0o``/``0b``
    prefixes, a leading ``0`` for octal and ``_`` separators with base 0; digits are read left
    to right, so an overflow found before a bad digit is a range error."""
    if not text:
        raise NumError(func, text, SYNTAX)
    digits, radix = text, 10
    if base == 0 and text[0] == "0":
        prefix = text[1:2].lower()
        if len(text) >= 3 and prefix in ("b", "o", "x"):
            digits, radix = text[2:], {"b": 2, "o": 8, "x": 16}[prefix]
        else:
            digits, radix = text[1:], 8
    limit = (1 << bits) - 1
    number, underscores = 0, False
    for char in digits:
        if char == "_" and base == 0:
            underscores = True
            continue
        value = int(char, 36) if char.isascii() and char.isalnum() else 99
        if value >= radix:
            raise NumError(func, text, SYNTAX)
        number = number * radix + value
        if number > limit:
            raise NumError(func, text, RANGE)
    if underscores and not underscores_ok(text):
        raise NumError(func, text, SYNTAX)
    return number


def go_parse_int(text: str, bits: int = 64, base: int = 0) -> int:
    """Go's ``strconv.ParseInt(text, base, bits)``: an optional sign, then ParseUint's rules."""
    negative = text[:1] == "-"
    digits = text[1:] if text[:1] in ("+", "-") else text
    try:
        magnitude = go_parse_uint(digits, bits, base, "ParseInt")
    except NumError as exc:
        if exc.reason != RANGE:
            raise NumError("ParseInt", text, exc.reason) from None
        magnitude = 1 << bits
    cutoff = 1 << (bits - 1)
    if magnitude > cutoff or (magnitude == cutoff and not negative):
        raise NumError("ParseInt", text, RANGE)
    return -magnitude if negative else magnitude


def _check_arg_count(command: Command, args: list[str]) -> None:
    if command.is_group:
        return
    low, high = command.min_args, command.max_args
    count = len(args)
    if low <= count and (high is None or count <= high):
        return
    name = command.name

    def plural(n: int) -> str:
        return "argument" if n == 1 else "arguments"

    if high == 0:
        message = f"'{name}' accepts no arguments"
    elif high is None:
        message = f"'{name}' requires at least {low} {plural(low)}"
    elif low == high:
        message = f"'{name}' requires exactly {low} {plural(low)}"
    else:
        message = f"'{name}' requires at least {low} and at most {high} {plural(high)}"
    raise UsageError(message, command, status=1)
