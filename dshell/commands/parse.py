"""Parse a command's arguments against its declaration, with pflag's rules and messages."""

from __future__ import annotations

import re
from typing import Any

from dshell.commands.declare import Command, Flag
from dshell.records import replace


class UsageError(Exception):
    """Bad flags or arguments, in docker 28's words. ``status`` is docker's: 125 for flag
    errors, 1 for arguments. ``text`` is the whole message when it is not a flag error's."""

    def __init__(self, message: str, command: Command, status: int = 125,
                 text: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command = command
        self.status = status
        self.text = text
        #: Lines for standard output before the message (pflag's deprecation notices).
        self.notices: list[str] = []

    def __str__(self) -> str:
        if self.text is not None:
            return self.text
        command = self.command
        return (f"{self.message}\n\nUsage:  {command.use_line()}\n\n"
                f"Run '{command.command_path()} --help' for more information")


class HelpRequested(Exception):
    """``--help`` was given (and parsing went through): print the command's help, succeed."""

    def __init__(self, command: Command, notices: list[str] | None = None) -> None:
        super().__init__(command.name)
        self.command = command
        self.notices = notices or []


#: docker's root command has a persistent ``--help`` whose ``-h`` is deprecated.
HELP_FLAG = Flag("help", "Print usage")
HELP_SHORTHAND_NOTICE = "Flag shorthand -h has been deprecated, use --help"


class Options:
    """Parsed flag values as attributes (``opts.all``) plus positional ``args``.

    ``given`` holds the dests of flags the user typed, for docker's ``flags.Changed``;
    ``notices`` the lines pflag prints on standard output for deprecated spellings.
    """

    def __init__(self, command: Command) -> None:
        self.command = command
        #: The command again, should a flag be named ``command`` (dshell's own ``-c``).
        self.declaration = command
        self.args: list[str] = []
        self.given: set[str] = set()
        self.notices: list[str] = []
        self.help_requested = False
        for flag in command.flags:
            setattr(self, flag.dest, flag.initial())

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"{self.command.name} has no flag {name!r}")

    def __repr__(self) -> str:
        values = {k: v for k, v in vars(self).items() if k not in ("command",)}
        return f"Options({self.command.name}, {values})"


def parse_args(command: Command, argv: list[str],
               invoked: tuple[str, ...] | list[str] | None = None,
               check_args: bool = True) -> Options:
    """Apply ``argv`` (the words after the command name) to ``command``'s declaration.

    ``invoked`` is what the user typed for the command (``ps``, ``container list``): errors
    and help name the command as docker does for it; ``opts.command`` carries it along.
    ``check_args=False`` leaves the argument count to ``check_arguments`` (the session
    looks at the daemon's features in between, as docker does)."""
    if invoked is not None:
        command = replace(command, invoked=tuple(invoked))
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
        if word.startswith("--"):
            index = _long_flag(command, opts, word, argv, index)
        elif word.startswith("-") and len(word) > 1:
            index = _short_flags(command, opts, word, argv, index)
        else:
            opts.args.append(word)
            if not command.interspersed:
                opts.args.extend(argv[index:])
                break
    if opts.help_requested:
        raise HelpRequested(command, opts.notices)
    if check_args:
        check_arguments(opts)
    return opts


def check_arguments(opts: Options) -> None:
    """The command's Args validator on the parsed arguments (a UsageError, status 1)."""
    try:
        _check_arg_count(opts.declaration, opts.args)
    except UsageError as exc:
        exc.notices = opts.notices
        raise


def _help_flag(command: Command) -> Flag:
    """The command's own ``--help`` (docker run's shows in its options) or the root's."""
    return command.find_flag("--help") or HELP_FLAG


def _long_flag(command: Command, opts: Options, word: str, argv: list[str], index: int) -> int:
    name, has_value, value = word[2:].partition("=")
    if not name or name[0] in "-=":
        raise UsageError(f"bad flag syntax: {word}", command)
    flag = _help_flag(command) if name == "help" else command.find_flag(f"--{name}")
    if flag is None:
        raise UsageError(f"unknown flag: --{name}", command)
    if flag.takes_value and not has_value:
        if index >= len(argv):
            raise UsageError(f"flag needs an argument: {word}", command)
        value, index = argv[index], index + 1
    _set(command, opts, flag, value if (has_value or flag.takes_value) else None)
    return index


def _set(command: Command, opts: Options, flag: Flag, value: str | None) -> None:
    _store(command, opts, flag, value)
    if flag.long == "help" and flag.type == "bool":
        opts.help_requested = bool(opts.help)


def _go_char(letter: str) -> str:
    """Go's %q of a byte: ``'x'``, ``'\\''``."""
    return "'\\''" if letter == "'" else "'\\\\'" if letter == "\\" else f"'{letter}'"


def _short_flags(command: Command, opts: Options, word: str, argv: list[str], index: int) -> int:
    """pflag's parseShortArg: letters one by one; a value flag takes the rest of the word
    (``-n3``, ``-n=3``) or the next word; errors name the letters left (``'x' in -x``)."""
    letters = word[1:]
    while letters:
        letter, rest = letters[0], letters[1:]
        flag = command.find_flag(f"-{letter}")
        if flag is None and letter == "h":
            flag = _help_flag(command)
            opts.notices.append(HELP_SHORTHAND_NOTICE)
        if flag is None:
            raise UsageError(f"unknown shorthand flag: {_go_char(letter)} in -{letters}",
                             command)
        if len(letters) > 2 and letters[1] == "=":
            _set(command, opts, flag, letters[2:])
            return index
        if not flag.takes_value:
            _set(command, opts, flag, None)
        elif rest:
            _set(command, opts, flag, rest)
            return index
        elif index < len(argv):
            _set(command, opts, flag, argv[index])
            return index + 1
        else:
            raise UsageError(f"flag needs an argument: {_go_char(letter)} in -{letters}",
                             command)
        letters = rest
    return index


def _store(command: Command, opts: Options, flag: Flag, value: str | None) -> None:
    opts.given.add(flag.dest)
    if value is not None and flag.value_check is not None:
        from dshell.commands.flag_checks import check

        try:
            check(flag.value_check, value)
        except ValueError as exc:
            raise _invalid(command, flag, value, str(exc)) from None
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


def _arity_rule(command: Command) -> tuple[str, int, int | None]:
    """The Args validator docker declares for the command: its ``args_rule`` when the
    declaration names one, else the one that fits its arity (cli/required.go's)."""
    if command.args_rule is not None:
        match = re.fullmatch(r"((?:cobra\.)?\w+)(?:\((\d+)(?:,\s*(\d+))?\))?",
                             command.args_rule)
        if match is None:
            raise ValueError(f"{command.name}: bad args_rule {command.args_rule!r}")
        name, first, second = match.groups()
        low = int(first) if first else 0
        return name, low, int(second) if second else None
    low, high = command.min_args, command.max_args
    if high == 0:
        return "NoArgs", 0, 0
    if high is None:
        return ("RequiresMinArgs", low, None) if low else ("ArbitraryArgs", 0, None)
    if low == high:
        return "ExactArgs", low, None
    if low == 0:
        return "RequiresMaxArgs", high, None
    return "RequiresRangeArgs", low, high


def arg_bounds(command: Command) -> tuple[int, int | None]:
    """How many arguments the command's validator lets through: (at least, at most)."""
    rule, first, second = _arity_rule(command)
    return {
        "NoArgs": (0, 0), "ArbitraryArgs": (0, None),
        "RequiresMinArgs": (first, None), "cobra.MinimumNArgs": (first, None),
        "ExactArgs": (first, first), "cobra.ExactArgs": (first, first),
        "RequiresMaxArgs": (0, first), "cobra.MaximumNArgs": (0, first),
        "RequiresRangeArgs": (first, second), "cobra.RangeArgs": (first, second),
    }[rule]


def _check_arg_count(command: Command, args: list[str]) -> None:
    """cobra's Args validators as docker declares them, with their messages (docker's own in
    cli/required.go, cobra's for the few commands that use cobra's). A management command
    given a word that names none of its subcommands: ``unknown command``."""
    count = len(args)
    binary = "docker" if command.is_docker else "dshell"
    path, use = command.command_path(), command.use_line()
    if command.is_group:
        if args:
            raise UsageError("unknown command", command, status=1, text=(
                f"{binary}: unknown command: {path} {args[0]}\n\nUsage:  {use}\n\n"
                f"Run '{path} --help' for more information"))
        return
    rule, first, second = _arity_rule(command)

    def plural(n: int) -> str:
        return "argument" if n == 1 else "arguments"

    see = "Run"
    if rule == "ArbitraryArgs":
        return
    if rule.startswith("cobra."):
        text = {
            "cobra.ExactArgs": (count == first, f"accepts {first} arg(s), received {count}"),
            "cobra.MinimumNArgs": (count >= first, f"requires at least {first} arg(s), only "
                                                   f"received {count}"),
            "cobra.MaximumNArgs": (count <= first, f"accepts at most {first} arg(s), "
                                                   f"received {count}"),
            "cobra.RangeArgs": (first <= count <= (second or 0), f"accepts between {first} "
                                f"and {second} arg(s), received {count}"),
        }  # fmt: skip
        fits, message = text[rule]
        if not fits:
            raise UsageError(message, command, status=1, text=message)
        return
    if rule == "NoArgs":
        fits, problem = count == 0, "accepts no arguments"
    elif rule == "RequiresMinArgs":
        fits, problem, see = count >= first, f"requires at least {first} {plural(first)}", "See"
    elif rule == "ExactArgs":
        fits, problem = count == first, f"requires {first} {plural(first)}"
    elif rule == "RequiresMaxArgs":
        # docker's RequiresMaxArgs says "SRun" (cli/required.go).
        fits, problem = count <= first, f"requires at most {first} {plural(first)}"
        see = "SRun" if command.is_docker else "Run"
    elif rule == "RequiresRangeArgs":
        high = second or 0
        fits = first <= count <= high
        problem = f"requires at least {first} and at most {high} {plural(high)}"
    else:
        raise ValueError(f"{command.name}: unknown args_rule {rule!r}")
    if fits:
        return
    message = f"'{path}' {problem}"
    raise UsageError(message, command, status=1, text=(
        f"{binary}: {message}\n\nUsage:  {use}\n\n{see} '{path} --help' for more information"))
