"""``docker events`` output: docker's one-line form, or a ``--format`` template per event."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from dshell.render import gojson, gotemplate
from dshell.render.formatter import FormatError, prepare_format

__all__ = ["EventFormatParseError", "EventMessage", "EventPrinter", "timestamp_param"]

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def _local_rfc3339_nano(nanoseconds: int) -> str:
    """Go's ``RFC3339NanoFixed`` (nine fraction digits) in local time."""
    seconds, nanos = divmod(nanoseconds, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, timezone.utc).astimezone()
    offset = moment.strftime("%z")
    zone = "Z" if offset == "+0000" else f"{offset[:3]}:{offset[3:]}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}{zone}"


class EventMessage:
    """One ``events.Message`` for templates: Go field names over the daemon's JSON keys."""

    go_type_name = "events.Message"

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._m = raw

    def Status(self) -> str:
        return self._m.get("status", "")

    def ID(self) -> str:
        return self._m.get("id", "")

    def From(self) -> str:
        return self._m.get("from", "")

    def Type(self) -> str:
        return self._m.get("Type", "")

    def Action(self) -> str:
        return self._m.get("Action", "")

    def Actor(self) -> _Actor:
        return _Actor(self._m.get("Actor") or {})

    def Scope(self) -> str:
        return self._m.get("scope", "")

    def Time(self) -> int:
        return int(self._m.get("time") or 0)

    def TimeNano(self) -> int:
        return int(self._m.get("timeNano") or 0)

    def marshal_json(self) -> gojson.RawJSON:
        return gojson.RawJSON(json.dumps(self._m, separators=(",", ":"), ensure_ascii=False)
                              .replace("<", "\\u003c").replace(">", "\\u003e")
                              .replace("&", "\\u0026"))


class _Actor:
    go_type_name = "events.Actor"

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._a = raw

    def ID(self) -> str:
        return self._a.get("ID", "")

    def Attributes(self) -> dict:
        return dict(self._a.get("Attributes") or {})

    def marshal_json(self) -> gojson.RawJSON:
        return gojson.RawJSON(gojson.dumps({"ID": self.ID(), "Attributes": self.Attributes()},
                                           escape_html=True))


class EventFormatParseError(FormatError):
    """docker exits 64 when the events template does not parse."""


class EventPrinter:
    """Renders events one at a time (the stream never ends on its own)."""

    def __init__(self, fmt: str | None) -> None:
        self.template = None
        if fmt:
            try:
                self.template = gotemplate.parse(prepare_format(fmt))
            except gotemplate.TemplateError as err:
                raise EventFormatParseError(f"Error parsing format: {err}") from None

    def render(self, event: Mapping[str, Any]) -> str:
        if self.template is not None:
            try:
                return self.template.execute(EventMessage(event)) + "\n"
            except gotemplate.TemplateError as err:
                raise FormatError(str(err)) from None
        parts = []
        if event.get("timeNano"):
            parts.append(_local_rfc3339_nano(int(event["timeNano"])) + " ")
        elif event.get("time"):
            parts.append(_local_rfc3339_nano(int(event["time"]) * 1_000_000_000) + " ")
        actor = event.get("Actor") or {}
        parts.append(f"{event.get('Type', '')} {event.get('Action', '')} {actor.get('ID', '')}")
        attributes = actor.get("Attributes") or {}
        if attributes:
            joined = ", ".join(f"{key}={attributes[key]}" for key in sorted(attributes))
            parts.append(f" ({joined})")
        return "".join(parts) + "\n"


def _go_duration(text: str) -> float | None:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    position, total = 0, 0.0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    return sign * total if body else None


def timestamp_param(value: str, now: float | None = None) -> str:
    """docker's ``timetypes.GetTimestamp``: a Go duration (before now), a Unix time, or an
    RFC 3339 date or date-time, as the ``seconds.nanoseconds`` the daemon reads."""
    current = time.time() if now is None else now
    duration = _go_duration(value)
    if duration is not None:
        moment = current - duration
        seconds = int(moment)
        return f"{seconds}.{int(round((moment - seconds) * 1e9)):09d}"
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return value
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value.replace("Z", "+0000"), fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()
        stamp = parsed.timestamp()
        seconds = int(stamp)
        return f"{seconds}.{int(round((stamp - seconds) * 1e9)):09d}"
    return value
