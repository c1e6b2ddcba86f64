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
            raise UsageError(
                f'invalid argument "{value}" for "{_flag_label(flag)}" flag: '
                "bad format of filter (expected name=value)",
                command,
            )
        getattr(opts, flag.dest).append(value)
    elif flag.type in ("int", "uint"):
        setattr(opts, flag.dest, _parse_int(command, flag, value or ""))
    else:
        setattr(opts, flag.dest, value)


def _flag_label(flag: Flag) -> str:
    return f"-{flag.short}, --{flag.long}" if flag.short else f"--{flag.long}"


def _parse_bool(command: Command, flag: Flag, value: str) -> bool:
    truthy = {"1", "t", "T", "TRUE", "true", "True"}
    falsy = {"0", "f", "F", "FALSE", "false", "False"}
    if value in truthy:
        return True
    if value in falsy:
        return False
    raise UsageError(
        f'invalid argument "{value}" for "{_flag_label(flag)}" flag: '
        f'strconv.ParseBool: parsing "{value}": invalid syntax',
        command,
    )


def _parse_int(command: Command, flag: Flag, value: str) -> int:
    text = value.strip()
    try:
        number = int(text, 0) if text.lower().startswith(("0x", "0o", "0b")) else int(text, 10)
    except ValueError:
        number = None
    if number is None or text != value or (flag.type == "uint" and number < 0):
        func = "ParseUint" if flag.type == "uint" else "ParseInt"
        raise UsageError(
            f'invalid argument "{value}" for "{_flag_label(flag)}" flag: '
            f'strconv.{func}: parsing "{value}": invalid syntax',
            command,
        )
    return number


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
