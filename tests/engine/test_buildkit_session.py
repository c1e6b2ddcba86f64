"""The BuildKit session layer against the private engine, below the ``build`` command: the
services the Engine calls back (secrets, credentials, unknown methods) and the build
stream's events."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tarfile

import pytest

from dshell.buildkit import solve
from dshell.buildkit.filesync import SyncedDir
from dshell.buildkit.session import Session
from dshell.engine.client import EngineClient
from dshell.engine.endpoint import Endpoint
from tests import harness


@pytest.fixture(scope="module", autouse=True)
def no_images_left(engine):
    """The untagged images these builds make go with the module (see test_buildkit.py's)."""
    yield
    harness.run_docker(engine, "image", "prune", "-f")


@pytest.fixture
def client(engine):
    client = EngineClient(Endpoint(engine.host, "unix", engine.socket))
    yield client
    client.close()


def build(client, context, tag, outputs=None, **session_options):
    session = Session("ctx", secrets.token_hex(8), [SyncedDir("context", str(context), True),
                                                    SyncedDir("dockerfile", str(context))],
                      **session_options)  # fmt: skip
    solve.open_session(client, session)
    options = {"tags": [tag] if tag else [], "network": "none", "outputs": outputs}
    query = solve.build_query(session.id, solve.build_id(), options)
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
        "FROM busybox\nRUN --mount=type=secret,id=absent,required cat /run/secrets/absent\n"
    )
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


EXPORTED = (
    "FROM busybox AS made\nRUN mkdir -p /out/sub && echo hello > /out/sub/f && "
    "chmod 750 /out/sub/f && ln -s sub/f /out/link && dd if=/dev/zero of=/out/big bs=1k "
    "count=300 2>/dev/null\nFROM scratch\nCOPY --from=made /out /\n"
)


def test_output_local_writes_the_files(client, tmp_path):
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(EXPORTED)
    dest = tmp_path / "dest"
    events = build(client, context, "", outputs=[{"Type": "local", "Attrs": {}}],
                   output_dir=str(dest))  # fmt: skip
    assert not any(isinstance(e, solve.ImageBuilt) for e in events)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == [
        "big", "link", "sub", "sub/f"]  # fmt: skip
    assert (dest / "sub" / "f").read_text() == "hello\n"
    assert (dest / "sub" / "f").stat().st_mode & 0o777 == 0o750
    assert os.readlink(dest / "link") == "sub/f"
    assert (dest / "big").read_bytes() == bytes(300 * 1024)


def test_output_tar_streams_an_archive(client, tmp_path):
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(EXPORTED)
    sink = io.BytesIO()
    build(client, context, "", outputs=[{"Type": "tar", "Attrs": {}}], output_sink=sink)
    with tarfile.open(fileobj=io.BytesIO(sink.getvalue())) as archive:
        names = sorted(archive.getnames())
        assert names == ["big", "link", "sub", "sub/f"]
        assert archive.extractfile("sub/f").read() == b"hello\n"
