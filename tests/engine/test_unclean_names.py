"""Names with slashes, `.` and `..` reach the daemon as docker sends them: its client cleans
the API path (path.Join) before the request, so the daemon never answers with a redirect and
`start /abs/path` fails with docker's "No such container: abs/path", never a false success."""

from __future__ import annotations

import pytest

from tests import harness

LINES = [
    "start /abs/path", "stop /abs/path", "pause /abs/path", "kill /abs/path", "wait /abs/path",
    "rm /abs/path", "rm a//b", "rename /abs/path x", "inspect /abs/path", "inspect ..",
    "container inspect /abs/path", "logs /abs/path", "top /abs/path", "port /abs/path",
    "diff /abs/path", "export /abs/path", "exec /abs/path ls", "attach /abs/path",
    "stats --no-stream /abs/path", "cp /abs/path:/x /tmp/", "start ../x", "start ./x/../y",
    "logs ../../_ping", "history /home/x", "image inspect /a/b", "rmi /a/b", "tag /a/b c",
    "save /a/b", "network inspect /x/y", "network rm /x/y", "volume inspect /x/y",
    "volume rm /x/y", "run --rm /a/b", "create BusyBox", "run --rm ../busybox",
]  # fmt: skip


@pytest.mark.parametrize("line", LINES)
def test_unclean_name_as_docker(engine, line):
    harness.assert_same(engine, *line.split(), stderr=True)
