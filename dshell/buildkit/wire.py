"""The protobuf messages of BuildKit's session and status protocols, encoded by hand.

Hand-written rather than generated: the session needs about a dozen small proto3 messages,
and a ~200-line codec keeps dshell free of the ``protobuf`` runtime and of generated code
tied to one protoc version. Every field number and type below is BuildKit's (the .proto file
named on each message); proto3 rules apply: zero values are not sent, unknown fields are
skipped, a repeated field may come packed or not.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """Bytes that are not a well-formed protobuf message."""


# -- the codec ---------------------------------------------------------------------------------
def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint too long")


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Each field as (number, wire type, value): ints for varint/fixed, bytes for length."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, kind = key >> 3, key & 7
        if kind == VARINT:
            value, pos = _read_varint(data, pos)
        elif kind == LENGTH:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise WireError("truncated field")
            value, pos = data[pos : pos + size], pos + size
        elif kind == FIXED64:
            value, pos = struct.unpack_from("<Q", data, pos)[0], pos + 8
        elif kind == FIXED32:
            value, pos = struct.unpack_from("<I", data, pos)[0], pos + 4
        else:
            raise WireError(f"unsupported wire type {kind}")
        yield number, kind, value


def _signed(value: int) -> int:
    """An int64 read as a varint (two's complement over 64 bits)."""
    return value - (1 << 64) if value >= 1 << 63 else value


class Writer:
    """Appends proto3 fields, leaving zero values out as proto3 does."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def varint(self, number: int, value: int) -> Writer:
        if value:
            self.parts.append(_varint(number << 3 | VARINT) + _varint(value))
        return self

    def bytes(self, number: int, value: bytes, *, always: bool = False) -> Writer:
        if value or always:
            self.parts.append(_varint(number << 3 | LENGTH) + _varint(len(value)) + value)
        return self

    def string(self, number: int, value: str) -> Writer:
        return self.bytes(number, value.encode())

    def message(self, number: int, value: bytes) -> Writer:
        """An embedded message: sent even when empty (it is set)."""
        return self.bytes(number, value, always=True)

    def done(self) -> bytes:
        return b"".join(self.parts)


def _text(value: int | bytes) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else ""


# -- google.protobuf.Timestamp --------------------------------------------------------------
def decode_timestamp(data: bytes) -> int:
    """Nanoseconds since the epoch (``int64 seconds = 1; int32 nanos = 2``)."""
    seconds = nanos = 0
    for number, _kind, value in fields(data):
        if number == 1 and isinstance(value, int):
            seconds = _signed(value)
        elif number == 2 and isinstance(value, int):
            nanos = _signed(value)
    return seconds * 1_000_000_000 + nanos


# -- fsutil.types (tonistiigi/fsutil types/stat.proto, types/wire.proto) ----------------------
PACKET_STAT, PACKET_REQ, PACKET_DATA, PACKET_FIN, PACKET_ERR = 0, 1, 2, 3, 4


@dataclass
class Stat:
    """fsutil's Stat: ``mode`` is a Go ``os.FileMode`` (type bits high), not a unix mode."""

    path: str = ""
    mode: int = 0
    uid: int = 0
    gid: int = 0
    size: int = 0
    mod_time: int = 0
    linkname: str = ""
    devmajor: int = 0
    devminor: int = 0
    xattrs: dict[str, bytes] = field(default_factory=dict)

    def encode(self) -> bytes:
        out = Writer().string(1, self.path).varint(2, self.mode).varint(3, self.uid)
        out.varint(4, self.gid).varint(5, self.size).varint(6, self.mod_time)
        out.string(7, self.linkname).varint(8, self.devmajor).varint(9, self.devminor)
        for key, value in sorted(self.xattrs.items()):
            entry = Writer().string(1, key).bytes(2, value).done()
            out.message(10, entry)
        return out.done()

    @classmethod
    def decode(cls, data: bytes) -> Stat:
        stat = cls()
        for number, _kind, value in fields(data):
            if number == 1:
                stat.path = _text(value)
            elif number in (2, 3, 4) and isinstance(value, int):
                setattr(stat, ("mode", "uid", "gid")[number - 2], value & 0xFFFFFFFF)
            elif number in (5, 6, 8, 9) and isinstance(value, int):
                name = {5: "size", 6: "mod_time", 8: "devmajor", 9: "devminor"}[number]
                setattr(stat, name, _signed(value))
            elif number == 7:
                stat.linkname = _text(value)
            elif number == 10 and isinstance(value, bytes):
                key, item = "", b""
                for inner, _k, part in fields(value):
                    if inner == 1:
                        key = _text(part)
                    elif inner == 2 and isinstance(part, bytes):
                        item = part
                stat.xattrs[key] = item
        return stat


@dataclass
class Packet:
    """fsutil's Packet: the unit of the DiffCopy stream."""

    type: int = PACKET_STAT
    stat: Stat | None = None
    id: int = 0
    data: bytes = b""

    def encode(self) -> bytes:
        out = Writer().varint(1, self.type)
        if self.stat is not None:
            out.message(2, self.stat.encode())
        return out.varint(3, self.id).bytes(4, self.data).done()

    @classmethod
    def decode(cls, data: bytes) -> Packet:
        packet = cls()
        for number, _kind, value in fields(data):
            if number == 1 and isinstance(value, int):
                packet.type = value
            elif number == 2 and isinstance(value, bytes):
                packet.stat = Stat.decode(value)
            elif number == 3 and isinstance(value, int):
                packet.id = value
            elif number == 4 and isinstance(value, bytes):
                packet.data = value
        return packet


# -- pb (solver/pb/ops.proto): what status messages carry of the build definition -----------
@dataclass
class ProgressGroup:
    id: str = ""
    name: str = ""
    weak: bool = False


@dataclass
class Position:
    line: int = 0
    character: int = 0


@dataclass
class Range:
    start: Position | None = None
    end: Position | None = None


@dataclass
class SourceInfo:
    """``SourceInfo``: the Dockerfile a warning points into (its ``definition``, the LLB of a
    frontend's source, is kept as the list of its ops only)."""

    filename: str = ""
    data: bytes | None = None
    definition: list[bytes] | None = None
    language: str = ""


def _progress_group(data: bytes) -> ProgressGroup:
    group = ProgressGroup()
    for number, _kind, value in fields(data):
        if number == 1:
            group.id = _text(value)
        elif number == 2:
            group.name = _text(value)
        elif number == 3 and isinstance(value, int):
            group.weak = bool(value)
    return group


def _position(data: bytes) -> Position:
    position = Position()
    for number, _kind, value in fields(data):
        if number in (1, 2) and isinstance(value, int):
            value = value & 0xFFFFFFFF
            value = value - (1 << 32) if value >= 1 << 31 else value
            setattr(position, "line" if number == 1 else "character", value)
    return position


def _range(data: bytes) -> Range:
    found = Range()
    for number, _kind, value in fields(data):
        if number == 1 and isinstance(value, bytes):
            found.start = _position(value)
        elif number == 2 and isinstance(value, bytes):
            found.end = _position(value)
    return found


def _source_info(data: bytes) -> SourceInfo:
    info = SourceInfo()
    for number, _kind, value in fields(data):
        if number == 1:
            info.filename = _text(value)
        elif number == 2 and isinstance(value, bytes):
            info.data = value
        elif number == 3 and isinstance(value, bytes):
            info.definition = [op for inner, _k, op in fields(value)
                               if inner == 1 and isinstance(op, bytes)]  # fmt: skip
        elif number == 4:
            info.language = _text(value)
    return info


# -- moby.buildkit.v1 StatusResponse (api/services/control/control.proto) ---------------------
@dataclass
class Vertex:
    digest: str = ""
    inputs: list[str] = field(default_factory=list)
    name: str = ""
    cached: bool = False
    started: int | None = None
    completed: int | None = None
    error: str = ""
    progress_group: ProgressGroup | None = None


@dataclass
class VertexStatus:
    id: str = ""
    vertex: str = ""
    name: str = ""
    current: int = 0
    total: int = 0
    timestamp: int = 0
    started: int | None = None
    completed: int | None = None


@dataclass
class VertexLog:
    vertex: str = ""
    timestamp: int = 0
    stream: int = 0
    msg: bytes = b""


@dataclass
class VertexWarning:
    vertex: str = ""
    level: int = 0
    short: bytes = b""
    detail: list[bytes] = field(default_factory=list)
    url: str = ""
    info: SourceInfo | None = None
    ranges: list[Range] = field(default_factory=list)


@dataclass
class StatusResponse:
    vertexes: list[Vertex] = field(default_factory=list)
    statuses: list[VertexStatus] = field(default_factory=list)
    logs: list[VertexLog] = field(default_factory=list)
    warnings: list[VertexWarning] = field(default_factory=list)

    @classmethod
    def decode(cls, data: bytes) -> StatusResponse:
        response = cls()
        for number, _kind, value in fields(data):
            if not isinstance(value, bytes):
                continue
            if number == 1:
                response.vertexes.append(_vertex(value))
            elif number == 2:
                response.statuses.append(_vertex_status(value))
            elif number == 3:
                response.logs.append(_vertex_log(value))
            elif number == 4:
                response.warnings.append(_vertex_warning(value))
        return response


def _vertex(data: bytes) -> Vertex:
    vertex = Vertex()
    for number, _kind, value in fields(data):
        if number == 1:
            vertex.digest = _text(value)
        elif number == 2:
            vertex.inputs.append(_text(value))
        elif number == 3:
            vertex.name = _text(value)
        elif number == 4 and isinstance(value, int):
            vertex.cached = bool(value)
        elif number == 5 and isinstance(value, bytes):
            vertex.started = decode_timestamp(value)
        elif number == 6 and isinstance(value, bytes):
            vertex.completed = decode_timestamp(value)
        elif number == 7:
            vertex.error = _text(value)
        elif number == 8 and isinstance(value, bytes):
            vertex.progress_group = _progress_group(value)
    return vertex


def _vertex_status(data: bytes) -> VertexStatus:
    status = VertexStatus()
    for number, _kind, value in fields(data):
        if number == 1:
            status.id = _text(value)
        elif number == 2:
            status.vertex = _text(value)
        elif number == 3:
            status.name = _text(value)
        elif number == 4 and isinstance(value, int):
            status.current = _signed(value)
        elif number == 5 and isinstance(value, int):
            status.total = _signed(value)
        elif number in (6, 7, 8) and isinstance(value, bytes):
            setattr(status, ("timestamp", "started", "completed")[number - 6],
                    decode_timestamp(value))  # fmt: skip
    return status


def _vertex_log(data: bytes) -> VertexLog:
    log = VertexLog()
    for number, _kind, value in fields(data):
        if number == 1:
            log.vertex = _text(value)
        elif number == 2 and isinstance(value, bytes):
            log.timestamp = decode_timestamp(value)
        elif number == 3 and isinstance(value, int):
            log.stream = _signed(value)
        elif number == 4 and isinstance(value, bytes):
            log.msg = value
    return log


def _vertex_warning(data: bytes) -> VertexWarning:
    """``VertexWarning`` (newer engines): vertex 1, level 2, short 3, detail 4, url 5, info 6,
    ranges 7."""
    warning = VertexWarning()
    for number, _kind, value in fields(data):
        if number == 1:
            warning.vertex = _text(value)
        elif number == 2 and isinstance(value, int):
            warning.level = _signed(value)
        elif number == 3 and isinstance(value, bytes):
            warning.short = value
        elif number == 4 and isinstance(value, bytes):
            warning.detail.append(value)
        elif number == 5:
            warning.url = _text(value)
        elif number == 6 and isinstance(value, bytes):
            warning.info = _source_info(value)
        elif number == 7 and isinstance(value, bytes):
            warning.ranges.append(_range(value))
    return warning


# -- small request/response messages --------------------------------------------------------
def string_field(data: bytes, wanted: int) -> str:
    """The last value of one string field (proto3: the last one wins)."""
    found = ""
    for number, _kind, value in fields(data):
        if number == wanted:
            found = _text(value)
    return found


def string_field_bytes(data: bytes, wanted: int) -> bytes:
    """The last value of one bytes field (a BytesMessage's data is field 1)."""
    found = b""
    for number, _kind, value in fields(data):
        if number == wanted and isinstance(value, bytes):
            found = value
    return found


def credentials_response(username: str, secret: str) -> bytes:
    """moby.filesync.v1.CredentialsResponse (session/auth/auth.proto): Username 1, Secret 2."""
    return Writer().string(1, username).string(2, secret).done()


def secret_response(data: bytes) -> bytes:
    """moby.buildkit.secrets.v1.GetSecretResponse (session/secrets/secrets.proto): data 1."""
    return Writer().bytes(1, data).done()


HEALTH_SERVING = 1


def health_response(status: int = HEALTH_SERVING) -> bytes:
    """grpc.health.v1.HealthCheckResponse: status 1 (SERVING = 1)."""
    return Writer().varint(1, status).done()


def bytes_message(data: bytes) -> bytes:
    """BytesMessage (filesync.proto, control.proto): data 1."""
    return Writer().bytes(1, data).done()
