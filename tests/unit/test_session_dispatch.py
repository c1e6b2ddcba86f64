"""session.cmd: what a command's body raises ends as docker's words and status."""

from __future__ import annotations

import io

from dshell.commands.parse import UsageError
from dshell.engine.config import ConfigFile
from dshell.engine.endpoint import ConnectionOptions
from dshell.session import DockerSession
from dshell.streams import Stream


def make_session(tmp_path) -> tuple[DockerSession, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    session = DockerSession(
        ConnectionOptions(hosts=[f"unix://{tmp_path}/no-engine.sock"]), tmp_path,
        ConfigFile(tmp_path / "config.json"),
        streams=(Stream(io.StringIO()), Stream(out), Stream(err)),
    )  # fmt: skip
    return session, out, err


def test_usage_error_from_a_command_body_is_a_flag_refusal(tmp_path):
    session, out, err = make_session(tmp_path)
    declared = session.cmd_echo.__command__

    def refuse(opts):  # noqa: ANN001, ANN202
        print("partial", file=session.stdout)
        raise UsageError('invalid argument "x" for "--y" flag: bad value', opts.command)

    refuse.__command__ = declared
    session.cmd_echo = refuse
    status = session.cmd(["echo", "hi"])
    assert status == 125
    assert out.getvalue() == "partial\n"
    assert err.getvalue().startswith('invalid argument "x" for "--y" flag: bad value\n\nUsage:  ')
    assert "internal error" not in err.getvalue()
