"""The shell's own commands: help, exit, and the builtins of the shell language (cd, export,
alias, source…), which read and change the session's ``shell_state``."""

from __future__ import annotations

import os
import re

from dshell.commands.base import CommandBase, SessionExit
from dshell.commands.declare import Arg, Flag, command
from dshell.commands.helptext import overview
from dshell.shellstate import ShellState

SHELL_GROUP = "Shell Commands"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def single_quoted(text: str) -> str:
    """bash's quoting in ``alias`` and ``export`` listings: '…' with ' as '\\''."""
    return "'" + text.replace("'", "'\\''") + "'"


def double_quoted(text: str) -> str:
    return '"' + re.sub(r'([\\"$`])', r"\\\1", text) + '"'


class ShellCommands(CommandBase):
    shell_state: ShellState

    @command(
        "Show the commands, or the help of one command ('help shell': the shell language)",
        args=[Arg("COMMAND", kind="command", many=True, optional=True)],
        group=SHELL_GROUP,
    )
    def cmd_help(self, opts) -> int:  # noqa: ANN001
        if not opts.args:
            from dshell.cliplugins import session_plugins

            self.stdout.write(overview(self.registry, session_plugins(self)))
            return 0
        if opts.args == ["shell"]:
            from dshell.commands.shellhelp import SHELL_LANGUAGE_HELP

            self.stdout.write(SHELL_LANGUAGE_HELP)
            return 0
        cmd, used = self.registry.lookup(opts.args)
        if cmd is None:
            from dshell.cliplugins import run_help

            status = run_help(self, opts.args)  # a CLI plugin's help is its own, as docker's
            if status is not None:
                return status
        if cmd is None or used < len(opts.args):
            self.err(f"Error: Command not found: {' '.join(opts.args)}")
            return 1
        self.print_help(cmd, tuple(opts.args))
        return 0

    @command(
        "Leave the shell",
        aliases=["quit"],
        args=[Arg("STATUS", optional=True)],
        group=SHELL_GROUP,
    )
    def cmd_exit(self, opts) -> int:  # noqa: ANN001
        status = self.shell_state.last_status
        if opts.args:
            try:
                status = int(opts.args[0]) & 0xFF
            except ValueError:
                self.err(f"exit: {opts.args[0]}: numeric argument required")
                status = 2
        raise SessionExit(status)

    # -- directory -------------------------------------------------------------------------
    @command(
        "Change the shell's working directory ('cd -': the previous one; alone: $HOME)",
        args=[Arg("DIR", kind="directory", optional=True)],
        group=SHELL_GROUP,
    )
    def cmd_cd(self, opts) -> int:  # noqa: ANN001
        state = self.shell_state
        show = False
        if not opts.args:
            target = state.lookup("HOME")
            if target is None:
                self.err("cd: HOME not set")
                return 1
        elif opts.args[0] == "-":
            target = state.lookup("OLDPWD")
            if target is None:
                self.err("cd: OLDPWD not set")
                return 1
            show = True
        else:
            target = opts.args[0]
        if target == "":
            return 0
        try:
            directory = state.change_directory(target)
        except OSError as exc:
            self.err(f"cd: {target}: {exc.strerror}")
            return 1
        except ValueError:
            self.err(f"cd: {target}: No such file or directory")
            return 1
        if show:
            self.out(directory)
        return 0

    @command("Print the shell's working directory", group=SHELL_GROUP)
    def cmd_pwd(self, opts) -> int:  # noqa: ANN001
        self.out(self.shell_state.pwd)
        return 0

    # -- variables -------------------------------------------------------------------------
    @command(
        "Export variables to host commands, or a container's filesystem (docker's export)",
        args=[Arg("NAME[=VALUE]|CONTAINER", kind="variable", many=True, optional=True)],
        group=SHELL_GROUP,
        usage="[NAME[=VALUE]...] | [-o FILE] CONTAINER",
        raw_args=True,
        # Never parsed here (raw_args): container export's, declared for completion and help.
        flags=[Flag("output", "Write to a file, instead of STDOUT", short="o", type="string",
                    kind="path")],
    )
    def cmd_export(self, opts) -> int:  # noqa: ANN001
        """One word, two meanings: bash's ``export`` and docker's ``export`` (container
        export). Variables win when every argument is ``NAME=VALUE`` or names a variable the
        shell knows; flags other than ``-n``/``-p``, or an unknown name, mean docker's."""
        args = list(opts.args)
        state = self.shell_state
        unexport = False
        while args and args[0] in ("-n", "-p", "-np", "-pn"):
            unexport = unexport or "n" in args.pop(0)
        if not args:
            for name, value in sorted(os.environ.items()):
                self.out(f"declare -x {name}={double_quoted(value)}")
            return 0
        if not all("=" in item or state.knows(item) for item in args) or \
                any(item.startswith("-") for item in args):
            return self.cmd(["container", "export", *opts.args], invoked=("export",))
        status = 0
        for item in args:
            name, has_value, value = item.partition("=")
            if not IDENTIFIER.match(name):
                self.err(f"export: `{item}': not a valid identifier")
                status = 1
            elif unexport:
                state.unexport(name)
            else:
                state.export(name, value if has_value else None)
        return status

    @command(
        "Remove shell variables",
        args=[Arg("NAME", kind="variable", many=True, optional=True)],
        flags=[Flag("v", "Treat each NAME as a variable", short="v", hidden=True)],
        group=SHELL_GROUP,
    )
    def cmd_unset(self, opts) -> int:  # noqa: ANN001
        status = 0
        for name in opts.args:
            if not IDENTIFIER.match(name):
                self.err(f"unset: `{name}': not a valid identifier")
                status = 1
                continue
            self.shell_state.unset(name)
        return status

    @command("Print the environment of host commands", group=SHELL_GROUP)
    def cmd_env(self, opts) -> int:  # noqa: ANN001
        for name, value in os.environ.items():
            self.out(f"{name}={value}")
        return 0

    # -- aliases ---------------------------------------------------------------------------
    @command(
        "Define or list aliases: alias NAME='ps -a'",
        args=[Arg("NAME[=VALUE]", kind="alias", many=True, optional=True)],
        flags=[Flag("p", "List every alias", short="p", hidden=True)],
        group=SHELL_GROUP,
        usage="[NAME[=VALUE]...]",
    )
    def cmd_alias(self, opts) -> int:  # noqa: ANN001
        aliases = self.shell_state.aliases
        if not opts.args or opts.p:
            for name in sorted(aliases):
                self.out(f"alias {name}={single_quoted(aliases[name])}")
        status = 0
        for item in opts.args:
            name, has_value, value = item.partition("=")
            if has_value:
                if not name or any(c in name for c in " \t\n;&|<>()$`\\'\"/="):
                    self.err(f"alias: `{name}': invalid alias name")
                    status = 1
                    continue
                aliases[name] = value
            elif name in aliases:
                self.out(f"alias {name}={single_quoted(aliases[name])}")
            else:
                self.err(f"alias: {name}: not found")
                status = 1
        return status

    @command(
        "Remove aliases",
        args=[Arg("NAME", kind="alias", many=True, optional=True)],
        flags=[Flag("a", "Remove every alias", short="a")],
        group=SHELL_GROUP,
    )
    def cmd_unalias(self, opts) -> int:  # noqa: ANN001
        aliases = self.shell_state.aliases
        if opts.a:
            aliases.clear()
            return 0
        if not opts.args:
            self.err("unalias: usage: unalias [-a] name [name ...]")
            return 2
        status = 0
        for name in opts.args:
            if aliases.pop(name, None) is None:
                self.err(f"unalias: {name}: not found")
                status = 1
        return status

    # -- scripts and output ----------------------------------------------------------------
    @command(
        "Run the commands of a file in this session",
        aliases=["."],
        args=[Arg("FILE", kind="path"), Arg("ARG", many=True, optional=True)],
        interspersed=False,
        group=SHELL_GROUP,
    )
    def cmd_source(self, opts) -> int:  # noqa: ANN001
        runner = self.shell_state.run_file
        if runner is None:
            self.err("source: not available here")
            return 1
        return runner(opts.args[0], opts.args[1:])

    @command(
        "Write arguments to standard output (-n: no newline, -e: backslash escapes)",
        args=[Arg("ARG", many=True, optional=True)],
        group=SHELL_GROUP,
        usage="[-neE] [ARG...]",
        raw_args=True,
    )
    def cmd_echo(self, opts) -> int:  # noqa: ANN001
        args = list(opts.args)
        newline, escapes = True, False
        while args and re.fullmatch(r"-[neE]+", args[0]):
            for letter in args.pop(0)[1:]:
                if letter == "n":
                    newline = False
                else:
                    escapes = letter == "e"
        text = " ".join(args)
        if escapes:
            text, stop = _echo_escapes(text)
            newline = newline and not stop
        self.stdout.write(text + ("\n" if newline else ""))
        return 0

    @command("Do nothing, successfully", group=SHELL_GROUP, raw_args=True,
             args=[Arg("ARG", many=True, optional=True)], usage="")  # fmt: skip
    def cmd_true(self, opts) -> int:  # noqa: ANN001
        return 0

    @command("Do nothing, unsuccessfully", group=SHELL_GROUP, raw_args=True,
             args=[Arg("ARG", many=True, optional=True)], usage="")  # fmt: skip
    def cmd_false(self, opts) -> int:  # noqa: ANN001
        return 1


def _echo_escapes(text: str) -> tuple[str, bool]:
    """``echo -e``: bash's escapes; ``\\c`` stops the output (and its newline)."""
    out: list[str] = []
    index = 0
    simple = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
              "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}  # fmt: skip
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following == "c":
            return "".join(out), True
        if following in simple:
            out.append(simple[following])
            index += 2
        elif following == "0":
            digits = re.match(r"[0-7]{0,3}", text[index + 2 : index + 5])
            value = int(digits.group() or "0", 8) if digits else 0
            out.append(chr(value) if value < 0x80 else
                       bytes([value]).decode("utf-8", "surrogateescape"))  # fmt: skip
            index += 2 + (len(digits.group()) if digits else 0)
        elif following == "x" and re.match(r"[0-9A-Fa-f]", text[index + 2 : index + 3]):
            digits = re.match(r"[0-9A-Fa-f]{1,2}", text[index + 2 : index + 4])
            assert digits is not None
            value = int(digits.group(), 16)
            out.append(chr(value) if value < 0x80 else
                       bytes([value]).decode("utf-8", "surrogateescape"))  # fmt: skip
            index += 2 + len(digits.group())
        else:
            out.append(char)
            index += 1
    return "".join(out), False
