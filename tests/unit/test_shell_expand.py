"""Word expansion as bash does it: splitting, quoting, defaults, tilde, globbing, $(…)."""

from __future__ import annotations

import os
import pwd

import pytest

from dshell.shell.expand import Expander, ExpansionError
from dshell.shell.syntax import Script, SimpleCommand, parse


class FakeEnvironment:
    """Variables in a dict; ``$(out a b)`` outputs "a b" (NL is a newline), so tests see
    where substitution output goes."""

    def __init__(self, **variables: str) -> None:
        self.variables = dict(variables)
        self.arguments: list[str] = []
        self.substituted: list[str] = []

    def lookup(self, name: str) -> str | None:
        return self.variables.get(name)

    def assign(self, name: str, value: str) -> None:
        self.variables[name] = value

    def positional(self) -> list[str]:
        return self.arguments

    def substitute(self, script: Script) -> str:
        command = script.items[0].pipelines[0].commands[0]
        assert isinstance(command, SimpleCommand)
        words = Expander(self).words(command.words)
        self.substituted.append(" ".join(words))
        return " ".join(words[1:]).replace("NL", "\n").rstrip("\n")


def argv(text: str, env: FakeEnvironment | None = None) -> list[str]:
    env = env or FakeEnvironment(X="a  b", EMPTY="", HOME="/home/u", STAR="*.nomatch",
                                 NUM="42")
    command = parse(text).items[0].pipelines[0].commands[0]
    assert isinstance(command, SimpleCommand)
    return Expander(env).words(command.words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("echo $X", ["echo", "a", "b"]),
        ('echo "$X"', ["echo", "a  b"]),
        ("echo '$X'", ["echo", "$X"]),
        (r"echo \$X", ["echo", "$X"]),
        ("echo pre$X", ["echo", "prea", "b"]),
        ('echo "pre$X"post', ["echo", "prea  bpost"]),
        ("echo $EMPTY x", ["echo", "x"]),  # an empty unquoted expansion drops the word
        ('echo "$EMPTY" x', ["echo", "", "x"]),
        ("echo $UNSET'' x", ["echo", "", "x"]),
        ("echo ${UNSET:-d e}", ["echo", "d", "e"]),
        ('echo "${UNSET:-d e}"', ["echo", "d e"]),
        ("echo ${EMPTY:-d} ${EMPTY-d}", ["echo", "d"]),
        ("echo ${X:+set} ${UNSET:+set}", ["echo", "set"]),
        ("echo ${#X} ${#UNSET}", ["echo", "4", "0"]),
        ("echo ~ ~/x a~ '~'", ["echo", "/home/u", "/home/u/x", "a~", "~"]),
        ('echo ~"/x"', ["echo", "~/x"]),
        ("echo $STAR", ["echo", "*.nomatch"]),  # no match: the word stays as typed
        ("echo $(out one   two)", ["echo", "one", "two"]),
        ('echo "$(out one   two)"', ["echo", "one two"]),
        ('echo "$(out aNLbNLNL)"', ["echo", "a\nb"]),  # trailing newlines removed
        ("echo $(out)", ["echo"]),
        ('echo "$(out)"', ["echo", ""]),
        ("echo x$(out)y", ["echo", "xy"]),
        ("echo `out bq`", ["echo", "bq"]),
        ("echo $(out $(out deep))", ["echo", "deep"]),
        ("echo $((1 + 2 * 3)) $(( (1+2)*3 )) \"$((7 / 2))\"", ["echo", "7", "9", "3"]),
        ("echo $((-7 / 2)) $((-7 % 2)) $((2 ** 10)) $((1 << 4 | 1))",
         ["echo", "-3", "-1", "1024", "17"]),
        ("echo $((0x1f + 010 + 2#101)) $((3 > 2 && 1 ? 4 : 5)) $((!0 + ~0))",
         ["echo", "44", "4", "0"]),
        ("echo $((NUM * 2)) $(($NUM + UNSET)) $((2**63))", ["echo", "84", "42",
                                                            "-9223372036854775808"]),
        ("echo $(( $(out 6) * 7 ))", ["echo", "42"]),
    ],
)
def test_expansion(text, expected):
    assert argv(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("echo $((1/0))", '1/0: division by 0 (error token is "0")'),
        ("echo $((1 +))", "1 +: syntax error: operand expected"),
        ("echo $((2 ** -1))", "2 ** -1: exponent less than 0"),
        ("echo $((1 @ 2))", "1 @ 2: syntax error: invalid arithmetic operator"),
    ],
)
def test_arithmetic_errors_stop_the_command(text, message):
    with pytest.raises(ExpansionError) as caught:
        argv(text)
    assert str(caught.value).startswith(message)


def test_assign_default_sets_the_variable():
    env = FakeEnvironment()
    assert argv("echo ${NEW:=v w}", env) == ["echo", "v", "w"]
    assert env.variables["NEW"] == "v w"


def test_error_if_unset():
    with pytest.raises(ExpansionError, match="^X: must be set$"):
        argv("echo ${X:?must be set}", FakeEnvironment())
    with pytest.raises(ExpansionError, match="^X: parameter null or not set$"):
        argv("echo ${X:?}", FakeEnvironment())


def test_positional_parameters():
    env = FakeEnvironment()
    env.arguments = ["a b", "c"]
    assert argv('echo "$@"', env) == ["echo", "a b", "c"]
    assert argv("echo $@", env) == ["echo", "a", "b", "c"]
    assert argv('echo "$*"', env) == ["echo", "a b c"]


def test_ifs_is_honoured():
    env = FakeEnvironment(IFS=":", P="a:b::c")
    assert argv("echo $P", env) == ["echo", "a", "b", "", "c"]


def test_tilde_user():
    root_home = pwd.getpwnam("root").pw_dir
    assert argv("echo ~root/x ~nosuchuser") == ["echo", f"{root_home}/x", "~nosuchuser"]


def test_globbing_matches_local_files_sorted_and_hidden_ones_only_explicitly(tmp_path):
    for name in ("b.txt", "a.txt", ".hidden.txt", "c.log"):
        (tmp_path / name).write_text("")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert argv("echo *.txt") == ["echo", "a.txt", "b.txt"]
        assert argv("echo ?.log [ab].txt") == ["echo", "c.log", "a.txt", "b.txt"]
        assert argv("echo '*.txt' \\*.txt \"*\".txt") == ["echo", "*.txt", "*.txt", "*.txt"]
        assert argv("echo .h*") == ["echo", ".hidden.txt"]
        assert argv("echo *.none") == ["echo", "*.none"]
    finally:
        os.chdir(old)


def test_substitutions_run_left_to_right():
    env = FakeEnvironment()
    argv("echo $(out 1) $(out 2) ${X:-$(out 3)}", env)
    assert env.substituted == ["out 1", "out 2", "out 3"]
