"""The BuildKit session's pieces without an engine: the protobuf codec against hand-made
bytes, the fsutil walk's order and filters, and the plain progress printer's lines."""

from __future__ import annotations

import io
import os

from dshell.buildkit import wire
from dshell.buildkit.filesync import MODE_DIR, MODE_SYMLINK, walk
from dshell.render.buildkit_progress import PlainPrinter, Trace, format_bytes

SECOND = 1_000_000_000


def timestamp(ns: int) -> bytes:
    return wire.Writer().varint(1, ns // SECOND).varint(2, ns % SECOND).done()


def test_packet_bytes_are_protobufs():
    # Packet{type: DATA(2), ID: 300, data: "hi"}: field 1 varint 2, field 3 varint 300
    # (0xac 0x02), field 4 length 2.
    packet = wire.Packet(type=wire.PACKET_DATA, id=300, data=b"hi")
    assert packet.encode() == b"\x08\x02\x18\xac\x02\x22\x02hi"
    assert wire.Packet.decode(packet.encode()) == packet


def test_stat_round_trip_keeps_negative_times_and_xattrs():
    stat = wire.Stat(path="a/b", mode=MODE_DIR | 0o755, uid=1000, gid=50, size=7,
                     mod_time=-5, linkname="x", xattrs={"user.k": b"v"})  # fmt: skip
    packet = wire.Packet(type=wire.PACKET_STAT, stat=stat)
    decoded = wire.Packet.decode(packet.encode())
    assert decoded.stat == stat
    # an empty STAT (the end of the stats) is an empty message
    assert wire.Packet(type=wire.PACKET_STAT).encode() == b""


def test_status_response_decodes_vertexes_statuses_and_logs():
    vertex = (wire.Writer().string(1, "sha256:aa").string(2, "sha256:bb").string(3, "RUN x")
              .varint(4, 1).message(5, timestamp(3 * SECOND + 5))
              .message(6, timestamp(4 * SECOND)).string(7, "boom").done())  # fmt: skip
    status = (wire.Writer().string(1, "transferring context:").string(2, "sha256:aa")
              .varint(4, 36).varint(5, 100).message(6, timestamp(9)).done())  # fmt: skip
    log = (wire.Writer().string(1, "sha256:aa").message(2, timestamp(SECOND)).varint(3, 2)
           .bytes(4, b"out\n").done())  # fmt: skip
    data = wire.Writer().message(1, vertex).message(2, status).message(3, log).done()
    response = wire.StatusResponse.decode(data)
    [v] = response.vertexes
    assert (v.digest, v.inputs, v.name, v.cached, v.error) == (
        "sha256:aa",
        ["sha256:bb"],
        "RUN x",
        True,
        "boom",
    )
    assert (v.started, v.completed) == (3 * SECOND + 5, 4 * SECOND)
    [s] = response.statuses
    assert (s.id, s.vertex, s.current, s.total, s.timestamp, s.started) == (
        "transferring context:",
        "sha256:aa",
        36,
        100,
        9,
        None,
    )
    [entry] = response.logs
    assert (entry.vertex, entry.timestamp, entry.stream, entry.msg) == (
        "sha256:aa",
        SECOND,
        2,
        b"out\n",
    )


def tree(root, names):
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name)


def test_walk_is_depth_first_in_byte_order(tmp_path):
    tree(tmp_path, ["b.txt", "a/z", "a.txt", "a/b/c", "B"])
    os.symlink("a.txt", tmp_path / "link")
    entries = list(walk(str(tmp_path)))
    assert [e.stat.path for e in entries] == [
        "B",
        "a",
        "a/b",
        "a/b/c",
        "a/z",
        "a.txt",
        "b.txt",
        "link",
    ]
    link = entries[-1].stat
    assert link.mode & MODE_SYMLINK and link.linkname == "a.txt" and not entries[-1].regular
    assert entries[1].stat.mode & MODE_DIR and entries[1].stat.size == 0


def test_walk_applies_the_engines_patterns(tmp_path):
    tree(tmp_path, ["Dockerfile", "keep/x", "skip/y", "skip/keepme", "notes.md", "src/a.md"])
    excluded = [
        e.stat.path for e in walk(str(tmp_path), excludes=["skip", "**/*.md", "!skip/keepme"])
    ]
    assert excluded == ["Dockerfile", "keep", "keep/x", "skip", "skip/keepme", "src"]
    included = [e.stat.path for e in walk(str(tmp_path), includes=["keep/x", "Dockerfile"])]
    assert included == ["Dockerfile", "keep", "keep/x"]


def test_walk_follows_a_dockerfile_link(tmp_path):
    tree(tmp_path, ["real/Dockerfile", "other"])
    os.symlink("real/Dockerfile", tmp_path / "Dockerfile")
    paths = [e.stat.path for e in walk(str(tmp_path), includes=[],
                                       follow_paths=["Dockerfile"])]  # fmt: skip
    assert paths == ["Dockerfile", "real", "real/Dockerfile"]


def test_walk_resets_owner_for_the_context(tmp_path):
    tree(tmp_path, ["f"])
    os.chown(tmp_path / "f", 123, 456)
    [kept] = walk(str(tmp_path))
    [reset] = walk(str(tmp_path), reset_owner=True)
    assert (kept.stat.uid, kept.stat.gid) == (123, 456)
    assert (reset.stat.uid, reset.stat.gid) == (0, 0)


def test_sizes_as_buildkit_prints_them():
    assert [format_bytes(n) for n in (0, 36, 999, 1000, 1234, 104_857_600)] == [
        "0B",
        "36B",
        "999B",
        "1.00kB",
        "1.23kB",
        "104.86MB",
    ]


def status_response(**parts) -> wire.StatusResponse:
    return wire.StatusResponse(**parts)


def test_plain_lines_as_buildx_prints_them():
    t0 = 1_700_000_000 * SECOND
    load = wire.Vertex(digest="d1", name="[internal] load build definition from Dockerfile",
                       started=t0, completed=t0 + SECOND // 50)  # fmt: skip
    run = wire.Vertex(digest="d2", name="[2/2] RUN echo hi", started=t0 + SECOND)
    trace = Trace()
    out = io.StringIO()
    printer = PlainPrinter(out)
    trace.update(
        status_response(
            vertexes=[load],
            statuses=[
                wire.VertexStatus(
                    id="transferring dockerfile:",
                    vertex="d1",
                    current=31,
                    timestamp=t0 + 2,
                    started=t0 + 1,
                    completed=t0 + 2,
                )
            ],
        )
    )
    printer.print(trace)
    trace.update(
        status_response(
            vertexes=[run],
            logs=[
                wire.VertexLog(vertex="d2", timestamp=t0 + SECOND + SECOND // 8, msg=b"hi\npart"),
            ],
        )
    )
    printer.print(trace)
    failed = wire.Vertex(digest="d2", name=run.name, started=run.started,
                         completed=t0 + 2 * SECOND, error="exit code: 3")  # fmt: skip
    trace.update(
        status_response(
            vertexes=[failed],
            logs=[wire.VertexLog(vertex="d2", timestamp=t0 + SECOND + SECOND // 4, msg=b"ial\n")],
        )
    )
    printer.print(trace)
    printer.error_logs(trace)
    assert out.getvalue() == (
        "#1 [internal] load build definition from Dockerfile\n"
        "#1 transferring dockerfile: 31B done\n"
        "#1 DONE 0.0s\n"
        "\n"
        "#2 [2/2] RUN echo hi\n"
        "#2 0.125 hi\n"
        "#2 0.125 partial\n"
        "#2 ERROR: exit code: 3\n"
        "------\n"
        " > [2/2] RUN echo hi:\n"
        # progressui's ring of last lines: while a line is partial every line printed with it
        # lands in the same slot, and the rest of the partial line replaces it
        "ial\n"
        "------\n"
    )


def test_a_cached_vertex_and_switching_between_running_ones():
    t0 = 5 * SECOND
    first = wire.Vertex(digest="a", name="A", started=t0)
    second = wire.Vertex(digest="b", name="B", started=t0)
    trace = Trace()
    out = io.StringIO()
    printer = PlainPrinter(out)
    trace.update(status_response(vertexes=[first]))
    printer.print(trace)
    trace.update(
        status_response(
            vertexes=[
                second,
                wire.Vertex(digest="a", name="A", started=t0, completed=t0 + SECOND, cached=True),
            ]
        )
    )
    printer.print(trace)
    assert out.getvalue() == "#1 A\n#1 CACHED\n\n#2 B\n"


def test_rawjson_line_is_gos_solve_status():
    """One update as buildx's rawjson prints it: client.SolveStatus's field names and order,
    times in UTC with the nanoseconds' trailing zeros cut, []byte as base64 (nil as null),
    omitempty fields left out; UTF-8 as is but HTML characters and U+2028 escaped, as Go's
    json.Encoder writes them; one line per update."""
    from dshell.render.buildkit_progress import RawJsonDisplay

    group = wire.Writer().string(1, "g1").string(2, "stage <a>").done()
    vertex = (wire.Writer().string(1, "sha256:aa").string(2, "sha256:bb")
              .string(3, "RUN a && b é\u2028\x1b").varint(4, 1)
              .message(5, timestamp(1_700_000_000 * SECOND + 120_000_000))
              .message(6, timestamp(1_700_000_001 * SECOND)).message(8, group).done())  # fmt: skip
    pending = wire.Writer().string(1, "sha256:cc").string(3, "[2/2] RUN x").done()
    status = (wire.Writer().string(1, "transferring context:").string(2, "sha256:aa")
              .varint(4, 36).message(6, timestamp(1_700_000_000 * SECOND + 5)).done())  # fmt: skip
    log = (wire.Writer().string(1, "sha256:aa").message(2, timestamp(1_700_000_002 * SECOND))
           .varint(3, 2).bytes(4, b"hi\n").done())  # fmt: skip
    empty_log = wire.Writer().string(1, "sha256:aa").done()
    position = wire.Writer().varint(1, 3).done()
    ranges = wire.Writer().message(1, position).message(2, position).done()
    info = wire.Writer().string(1, "Dockerfile").bytes(2, b"FROM x").done()
    warning = (wire.Writer().string(1, "sha256:aa").varint(2, 1).bytes(3, b"short")
               .bytes(4, b"d1").bytes(4, b"d2").message(6, info).message(7, ranges)
               .done())  # fmt: skip
    data = (wire.Writer().message(1, vertex).message(1, pending).message(2, status)
            .message(3, log).message(3, empty_log).message(4, warning).done())  # fmt: skip
    out = io.StringIO()
    display = RawJsonDisplay(out)
    display.update(wire.StatusResponse.decode(data))
    display.update(wire.StatusResponse())
    display.done()
    first = (
        '{"vertexes":[{"digest":"sha256:aa","inputs":["sha256:bb"],'
        '"name":"RUN a \\u0026\\u0026 b é\\u2028\\u001b",'
        '"started":"2023-11-14T22:13:20.12Z","completed":"2023-11-14T22:13:21Z","cached":true,'
        '"progressGroup":{"id":"g1","name":"stage \\u003ca\\u003e"}},'
        '{"digest":"sha256:cc","name":"[2/2] RUN x"}],'
        '"statuses":[{"id":"transferring context:","vertex":"sha256:aa","current":36,'
        '"timestamp":"2023-11-14T22:13:20.000000005Z"}],'
        '"logs":[{"vertex":"sha256:aa","stream":2,"data":"aGkK",'
        '"timestamp":"2023-11-14T22:13:22Z"},'
        '{"vertex":"sha256:aa","data":null,"timestamp":"1970-01-01T00:00:00Z"}],'
        '"warnings":[{"vertex":"sha256:aa","level":1,"short":"c2hvcnQ=",'
        '"detail":["ZDE=","ZDI="],"sourceInfo":{"filename":"Dockerfile","data":"RlJPTSB4"},'
        '"range":[{"start":{"line":3},"end":{"line":3}}]}]}'
    )
    assert out.getvalue() == first + "\n{}\n"
