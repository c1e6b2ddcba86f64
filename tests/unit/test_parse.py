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
        (["-ax"], "unknown shorthand flag: 'x' in -x"),
        (["-a="], "unknown shorthand flag: '=' in -="),
        (["---x"], "bad flag syntax: ---x"),
        (["--=x"], "bad flag syntax: --=x"),
        (["-n="], 'invalid argument "=" for "-n, --last" flag: strconv.ParseInt: '
                  'parsing "=": invalid syntax'),
        (["--help=x"], 'invalid argument "x" for "--help" flag: '
                       'strconv.ParseBool: parsing "x": invalid syntax'),
        (["--help", "--bogus"], "unknown flag: --bogus"),
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
    assert str(caught.value) == (f"{message}\n\nUsage:  docker container ls [OPTIONS]\n\n"
                                 "Run 'docker container ls --help' for more information")


def test_flag_errors_name_the_command_as_typed():
    with pytest.raises(UsageError) as caught:
        parse_args(PS, ["--foo"], invoked=("ps",))
    assert str(caught.value) == ("unknown flag: --foo\n\nUsage:  docker ps [OPTIONS]\n\n"
                                 "Run 'docker ps --help' for more information")
    with pytest.raises(UsageError) as caught:
        parse_args(PS, ["--foo"], invoked=("container", "list"))
    assert "Usage:  docker container ls [OPTIONS]" in str(caught.value)


LOGIN = Command(
    words=("login",), summary="", method="cmd_login", flags=(Flag("username", "", "u", "string"),),
    args=(Arg("SERVER", optional=True),),
)
PORT = Command(
    words=("container", "port"), summary="", method="cmd_container_port",
    args=(Arg("CONTAINER"), Arg("PORT", optional=True)),
)


@pytest.mark.parametrize(
    "command, argv, text",
    [
        (PS, ["extra"], "docker: 'docker container ls' accepts no arguments\n\n"
                        "Usage:  docker container ls [OPTIONS]\n\n"
                        "Run 'docker container ls --help' for more information"),
        (INSPECT, [], "docker: 'docker inspect' requires at least 1 argument\n\n"
                      "Usage:  docker inspect NAME [NAME...]\n\n"
                      "See 'docker inspect --help' for more information"),
        (RENAME, ["a"], "docker: 'docker rename' requires 2 arguments\n\n"
                        "Usage:  docker rename OLD NEW\n\n"
                        "Run 'docker rename --help' for more information"),
        (RENAME, ["a", "b", "c"], "docker: 'docker rename' requires 2 arguments\n\n"
                                  "Usage:  docker rename OLD NEW\n\n"
                                  "Run 'docker rename --help' for more information"),
        (LOGIN, ["a", "b"], "docker: 'docker login' requires at most 1 argument\n\n"
                            "Usage:  docker login [OPTIONS] [SERVER]\n\n"
                            "SRun 'docker login --help' for more information"),
        (PORT, [], "docker: 'docker container port' requires at least 1 and at most 2 "
                   "arguments\n\nUsage:  docker container port CONTAINER [PORT]\n\n"
                   "Run 'docker container port --help' for more information"),
    ],
)  # fmt: skip
def test_argument_count_errors_are_dockers_validators_with_status_1(command, argv, text):
    with pytest.raises(UsageError) as caught:
        parse_args(command, argv)
    assert str(caught.value) == text
    assert caught.value.status == 1


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["-a", "--help"], ["--help", "x"],
                                  ["-ah"], ["--help=true"]])  # fmt: skip
def test_help_flag(argv):
    with pytest.raises(HelpRequested):
        parse_args(PS, argv)


def test_help_flag_can_be_turned_off_and_its_shorthand_is_deprecated():
    opts = parse_args(PS, ["-h", "--help=false"])
    assert opts.notices == ["Flag shorthand -h has been deprecated, use --help"]
    with pytest.raises(HelpRequested) as caught:
        parse_args(PS, ["-h", "-h"])
    assert len(caught.value.notices) == 2


def test_usage_line_is_derived_from_the_declaration():
    assert RUN.usage_line() == "run [OPTIONS] IMAGE [COMMAND] [ARG...]"
    assert INSPECT.usage_line() == "inspect NAME [NAME...]"
    assert PS.usage_line() == "container ls [OPTIONS]"
    assert PS.use_line(("ps",)) == "docker ps [OPTIONS]"
    assert PS.use_line(("container", "ps")) == "docker container ls [OPTIONS]"
