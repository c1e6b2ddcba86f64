"""The BuildKit session layer against the private engine, below the ``build`` command: the
services the Engine calls back (secrets, credentials, unknown methods) and the build
stream's events."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from dshell.buildkit import solve
from dshell.buildkit.filesync import SyncedDir
from dshell.buildkit.session import Session
from dshell.engine.client import EngineClient
from dshell.engine.endpoint import Endpoint
from tests import harness


@pytest.fixture
def client(engine):
    client = EngineClient(Endpoint(engine.host, "unix", engine.socket))
    yield client
    client.close()


def build(client, context, tag, **session_options):
    session = Session("ctx", secrets.token_hex(8), [SyncedDir("context", str(context), True),
                                                    SyncedDir("dockerfile", str(context))],
                      **session_options)  # fmt: skip
    solve.open_session(client, session)
    query = solve.build_query(session.id, solve.build_id(), {"tags": [tag], "network": "none"})
    events = []
    try:
        events.extend(solve.run_build(client, query))
    finally:
        session.close()
    return events


def test_a_secret_reaches_its_run_and_stays_out_of_the_image(engine, client, tmp_path):
    value = "s3cret-" + secrets.token_hex(6)
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nRUN --mount=type=secret,id=token "
        "sha256sum /run/secrets/token | cut -c1-64 > /digest\n")  # fmt: skip
    tag = harness.unique_name("dsh-secret")
    events = build(client, tmp_path, tag, secret_values={"token": value.encode()})
    [built] = [e for e in events if isinstance(e, solve.ImageBuilt)]
    assert built.id == harness.run_docker_ok(engine, "image", "inspect", "-f", "{{.Id}}",
                                             tag).out.strip()  # fmt: skip
    ran = harness.run_docker_ok(engine, "run", "--rm", "--network", "none", tag, "cat", "/digest")
    assert ran.out == hashlib.sha256(value.encode()).hexdigest() + "\n"
    history = harness.run_docker_ok(engine, "history", "--no-trunc", tag).out
    assert "/run/secrets/token" in history and value not in history
    saved = harness.run_docker_ok(engine, "save", tag).out
    assert value not in saved
    harness.run_docker(engine, "image", "rm", tag)


def test_a_missing_secret_fails_the_step(client, tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nRUN --mount=type=secret,id=absent,required cat /run/secrets/absent\n")
    with pytest.raises(solve.BuildFailed) as failed:
        build(client, tmp_path, harness.unique_name("dsh-nosecret"), secret_values={})
    assert "absent" in failed.value.message


def test_status_events_name_every_step(client, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY f /f\n")
    (tmp_path / "f").write_text("x")
    events = build(client, tmp_path, harness.unique_name("dsh-events"))
    names = {v.name for e in events if isinstance(e, solve.StatusResponse) for v in e.vertexes}
    assert {"[internal] load build definition from Dockerfile", "[internal] load build context",
            "[2/2] COPY f /f", "exporting to image"} <= names  # fmt: skip
    assert isinstance(events[-1], (solve.ImageBuilt, solve.StreamText, solve.StatusResponse))
