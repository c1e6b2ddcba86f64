"""Flag and argument parsing follows pflag: spellings, stacking, values, errors and statuses."""

import pytest

from dshell.commands.declare import Arg, Command, Flag
from dshell.commands.parse import HelpRequested, UsageError, parse_args

PS = Command(
    words=("container", "ls"),
    summary="List containers",
    method="cmd_container_ls",
    flags=(
        Flag("all", "", short="a"),
        Flag("quiet", "", short="q"),
        Flag("last", "", short="n", type="int", default=-1),
        Flag("filter", "", short="f", type="filter"),
        Flag("format", "", type="string"),
    ),
)
RUN = Command(
    words=("run",),
    summary="Run",
    method="cmd_run",
    interspersed=False,
    flags=(Flag("interactive", "", short="i"), Flag("tty", "", short="t"),
           Flag("env", "", short="e", type="list")),
    args=(Arg("IMAGE"), Arg("COMMAND", optional=True), Arg("ARG", optional=True, many=True)),
)  # fmt: skip
INSPECT = Command(
    words=("inspect",), summary="", method="cmd_inspect", args=(Arg("NAME", many=True),)
)
RENAME = Command(
    words=("rename",), summary="", method="cmd_rename", args=(Arg("OLD"), Arg("NEW"))
)


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], {"all": False, "quiet": False, "last": -1, "filter": [], "format": None}),
        (["-a", "-q"], {"all": True, "quiet": True}),
        (["-aq"], {"all": True, "quiet": True}),
        (["-qan3"], {"all": True, "quiet": True, "last": 3}),
        (["-n", "5"], {"last": 5}),
        (["--last=7"], {"last": 7}),
        (["--all=false"], {"all": False}),
        (["-a=false"], {"all": False}),
        (["-f", "status=exited", "--filter=name=x"], {"filter": ["status=exited", "name=x"]}),
        (["--format", "{{.ID}}"], {"format": "{{.ID}}"}),
        (["--format="], {"format": ""}),
    ],
)
def test_flag_values(argv, expected):
    opts = parse_args(PS, argv)
    for dest, value in expected.items():
        assert getattr(opts, dest) == value


def test_given_records_flags_typed():
    opts = parse_args(PS, ["-a"])
    assert opts.given == {"all"}


def test_flags_after_positional_belong_to_the_container_when_not_interspersed():
    opts = parse_args(RUN, ["-it", "busybox", "sh", "-c", "echo -e hi"])
    assert opts.interactive and opts.tty
    assert opts.args == ["busybox", "sh", "-c", "echo -e hi"]


def test_double_dash_ends_flags():
    opts = parse_args(INSPECT, ["--", "-weird-name"])
    assert opts.args == ["-weird-name"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--foo"], "unknown flag: --foo"),
        (["-x"], "unknown shorthand flag: 'x' in -x"),
        (["-ax"], "unknown shorthand flag: 'x' in -ax"),
        (["--format"], "flag needs an argument: --format"),
        (["-n"], "flag needs an argument: 'n' in -n"),
        (["-n", "x"], 'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: '
                      'parsing "x": invalid syntax'),
        (["--all=maybe"], 'invalid argument "maybe" for "-a, --all" flag: '
                          'strconv.ParseBool: parsing "maybe": invalid syntax'),
        (["-f", "foo"], 'invalid argument "foo" for "-f, --filter" flag: '
                        "bad format of filter (expected name=value)"),
    ],
)  # fmt: skip
def test_flag_errors_are_pflags_words_with_status_125(argv, message):
    with pytest.raises(UsageError) as caught:
        parse_args(PS, argv)
    assert caught.value.message == message
    assert caught.value.status == 125
    assert str(caught.value) == f"{message}. See 'container ls --help'."


@pytest.mark.parametrize(
    "command, argv, message",
    [
        (PS, ["extra"], "'container ls' accepts no arguments"),
        (INSPECT, [], "'inspect' requires at least 1 argument"),
        (RENAME, ["a"], "'rename' requires exactly 2 arguments"),
        (RENAME, ["a", "b", "c"], "'rename' requires exactly 2 arguments"),
    ],
)
def test_argument_count_errors_have_status_1(command, argv, message):
    with pytest.raises(UsageError) as caught:
        parse_args(command, argv)
    assert caught.value.message == message
    assert caught.value.status == 1


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["-a", "--help"]])
def test_help_flag(argv):
    with pytest.raises(HelpRequested):
        parse_args(PS, argv)


def test_usage_line_is_derived_from_the_declaration():
    assert RUN.usage_line() == "run [OPTIONS] IMAGE [COMMAND] [ARG...]"
    assert INSPECT.usage_line() == "inspect NAME [NAME...]"
    assert PS.usage_line() == "container ls [OPTIONS]"
