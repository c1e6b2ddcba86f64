"""Numbers at and beyond the edges of flag values: docker's message and status, case by case.

pflag parses int flags with Go's ``strconv.ParseInt(s, 0, 64)`` (so ``0x10``, ``010`` octal,
``1_0``, and a range error that wins over a later bad digit), uint flags with ParseUint, and
sizes with go-units (a float, then Go's float-to-int64 conversion, whose overflow the daemon
then refuses). The comparison is of the message (standard error's first line, without
docker's ``docker:`` prefix or a ``. See '… --help'.`` pointer), the status and the output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests import harness

BIG = "99999999999999999999"  # beyond int64 and uint64
SEE_HELP = re.compile(r"\. See '[^']+ --help'\.$")

# {C} is a stopped container that printed the lines 1 to 20.
REJECTED_BY_THE_FLAG_PARSER = [
    # int flags: ParseInt(s, 0, 64)
    ["run", "--cpu-rt-runtime=9223372036854775808", "busybox", "true"],
    ["run", "--cpu-rt-runtime=-9223372036854775809", "busybox", "true"],
    ["run", "--cpu-rt-runtime=0x8000000000000000", "busybox", "true"],
    ["run", "-c", BIG, "busybox", "true"],
    ["run", "--stop-timeout", BIG, "busybox", "true"],
    ["run", "--health-retries", BIG, "busybox", "true"],
    ["run", "--memory-swappiness", BIG, "busybox", "true"],
    ["run", "--oom-score-adj", BIG, "busybox", "true"],
    ["run", "--pids-limit", BIG, "busybox", "true"],
    ["run", "--cpu-count", BIG, "busybox", "true"],
    ["stop", "-t", BIG, "nope"],
    ["stop", "--time", BIG, "nope"],
    ["stop", "-t", "-0x8000000000000001", "nope"],
    ["stop", "-t", "08", "nope"],
    ["stop", "-t", "_10", "nope"],
    ["stop", "-t", "1__0", "nope"],
    ["stop", "-t", "10_", "nope"],
    ["stop", "-t", "0b102", "nope"],
    ["stop", "-t", "0x", "nope"],
    ["stop", "-t", "", "nope"],
    ["stop", "-t", "+", "nope"],
    ["stop", "-t", " 5", "nope"],
    ["stop", "-t", "5\t", "nope"],
    ["stop", "-t", "٥", "nope"],
    ["ps", "-n", BIG],
    ["ps", "-n", BIG + "z"],  # the overflow comes first: a range error
    ["ps", "-n", "0x7fffffffffffffffz"],
    ["search", "--limit", BIG, "x"],
    ["network", "connect", "--gw-priority", BIG, "a", "b"],
    ["update", "--cpu-shares", BIG, "{C}"],
    ["update", "--pids-limit", BIG, "{C}"],
    # uint flags: ParseUint(s, 0, 64), and ParseUint(s, 0, 16) for --blkio-weight
    ["run", "--io-maxiops", "18446744073709551616", "busybox", "true"],
    ["run", "--io-maxiops", "-1", "busybox", "true"],
    ["run", "--blkio-weight", "70000", "busybox", "true"],
    ["run", "--blkio-weight", "0x10000", "busybox", "true"],
    ["run", "--blkio-weight", "-1", "busybox", "true"],
    ["update", "--blkio-weight", "65536", "{C}"],
    ["update", "--memory", "1e400", "{C}"],
    # sizes: go-units RAMInBytes
    ["run", "--memory", "1e400", "busybox", "true"],
    ["run", "--shm-size", "1e400", "busybox", "true"],
    ["run", "--memory-reservation", "1e400", "busybox", "true"],
    ["run", "--memory", "1.2.3", "busybox", "true"],
    ["run", "--memory", "0x10", "busybox", "true"],
    ["run", "--memory", " 5", "busybox", "true"],
    ["run", "--memory", "1  g", "busybox", "true"],
    ["run", "--memory", "1__0", "busybox", "true"],
    ["run", "--memory", "10KBBB", "busybox", "true"],
    ["run", "--memory", "10X", "busybox", "true"],
    ["run", "--memory", "10iB", "busybox", "true"],
    ["run", "--memory", "Inf", "busybox", "true"],
    ["run", "--memory", "-1", "busybox", "true"],
    # numbers inside other flags' values
    ["run", "--ulimit", f"nofile={BIG}", "busybox", "true"],
    ["run", "--ulimit", "nofile=0x10", "busybox", "true"],
    ["run", "--device-read-bps", f"/dev/sda:{BIG}", "busybox", "true"],
    ["run", "--device-read-iops", f"/dev/sda:{BIG}", "busybox", "true"],
    ["run", "--blkio-weight-device", f"/dev/sda:{BIG}", "busybox", "true"],
    ["run", "--health-interval", "99999999999h", "busybox", "true"],
    ["run", "--health-interval", "2562048h", "busybox", "true"],
    ["run", "--restart", f"on-failure:{BIG}", "busybox", "true"],
    ["run", "-p", f"{BIG}:80", "busybox", "true"],
    ["run", "-p", "65536:80", "busybox", "true"],
]

ACCEPTED_BY_THE_FLAG_PARSER = [
    # the edges themselves, and Go's other spellings of a number
    ["stop", "-t", "9223372036854775807", "nope"],
    ["stop", "-t", "-0x8000000000000000", "nope"],
    ["stop", "-t", "0x10", "nope"],
    ["stop", "-t", "010", "nope"],
    ["stop", "-t", "0o17", "nope"],
    ["stop", "-t", "0b101", "nope"],
    ["stop", "-t", "1_0", "nope"],
    ["stop", "-t", "+5", "nope"],
    ["ps", "-n", "0x7fffffffffffffff", "-q", "--filter", "name=^nothing-is-called-this$"],
    # a size beyond int64 becomes Go's int64 minimum: the daemon refuses it
    ["create", "--memory", BIG, "busybox", "true"],
    ["create", "--memory", "100000000000g", "busybox", "true"],
    ["create", "--memory", "1e19", "busybox", "true"],
    ["create", "--memory", "inf ", "busybox", "true"],
    ["create", "--shm-size", BIG, "busybox", "true"],
    ["run", "--memory", BIG, "busybox", "true"],
    ["run", "--memory-swap", "10", "--memory", "1e19", "busybox", "true"],
    ["update", "--memory", "99999999999999999999", "{C}"],
    # --tail is a string flag: the daemon reads it
    ["logs", "--tail", BIG, "{C}"],
    ["logs", "-n", BIG, "{C}"],
    ["logs", "--tail", "-5", "{C}"],
    ["logs", "--tail", "abc", "{C}"],
    ["logs", "--tail", "0x10", "{C}"],
    ["logs", "--tail", "3", "{C}"],
]


@pytest.fixture(scope="module")
def printed_lines(engine) -> Iterator[str]:
    """A stopped container whose log holds the lines 1 to 20."""
    with harness.container(engine, "busybox", "seq", "1", "20") as container:
        harness.run_docker_ok(engine, "wait", container.name)
        yield container.name


def _message(err: str) -> str:
    """The first line of standard error, without what each tool adds around the message."""
    first = err.splitlines()[0] if err else ""
    return SEE_HELP.sub("", first.removeprefix("docker: "))


def _compare(engine, printed_lines: str, args: list[str]) -> harness.Differential:
    argv = [word.replace("{C}", printed_lines) for word in args]
    pair = harness.differential(engine, *argv)
    assert "Traceback" not in pair.dshell.err
    assert (pair.dshell.status, _message(pair.dshell.err), pair.dshell.out) == (
        pair.docker.status, _message(pair.docker.err), pair.docker.out)
    return pair


@pytest.mark.parametrize("args", REJECTED_BY_THE_FLAG_PARSER, ids=" ".join)
def test_a_number_out_of_range_is_refused_as_docker_refuses_it(engine, printed_lines, args):
    pair = _compare(engine, printed_lines, args)
    assert pair.docker.status == 125, pair.docker.err


@pytest.mark.parametrize("args", ACCEPTED_BY_THE_FLAG_PARSER, ids=" ".join)
def test_a_number_docker_accepts_goes_to_the_daemon_as_docker_sends_it(engine, printed_lines,
                                                                      args):
    _compare(engine, printed_lines, args)


def test_messages_spell_the_value_as_go_quotes_it(engine):
    """pflag's %q: a tab in the value is escaped in both quoted places."""
    pair = harness.differential(engine, "stop", "-t", "1\t", "nope")
    assert _message(pair.dshell.err) == _message(pair.docker.err) == (
        'invalid argument "1\\t" for "-t, --timeout" flag: '
        'strconv.ParseInt: parsing "1\\t": invalid syntax')
