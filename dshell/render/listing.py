"""Small pieces the network, volume, context and disk-usage listings share with docker."""

from __future__ import annotations

import re
from collections.abc import Mapping

from dshell.render import gojson

__all__ = ["go_time_text", "joined_labels", "marshal_fields", "natural_less_key"]

_CHUNK = re.compile(r"([0-9]+)")
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$"
)


def natural_less_key(text: str) -> tuple:
    """A sort key for fvbommel/sortorder's ``NaturalLess`` (docker's listings): runs of ASCII
    digits compare as numbers (fewer leading zeros first on a tie) and sort before any other
    byte at the same place; everything else compares byte by byte."""
    key = []
    for index, part in enumerate(_CHUNK.split(text)):
        if index % 2:
            stripped = part.lstrip("0")
            key.append((0, len(stripped), stripped, len(part)))
        elif part:
            key.append((1, part.encode("utf-8", "surrogateescape")))
    return tuple(key)


def joined_labels(labels: Mapping[str, str] | None) -> str:
    """``k=v,k2=v2``. Go ranges over a map in random order; sorted is one of its orders and
    the only one a test can rely on."""
    return ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items()))


def go_time_text(value: str) -> str:
    """Go's ``time.Time.String()`` for an RFC 3339 timestamp from the daemon:
    ``2026-11-28 05:27:06.444433553 +0000 UTC`` (fraction without trailing zeros)."""
    match = _RFC3339.match(value or "")
    if not match:
        return "0001-01-01 00:00:00 +0000 UTC"
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    text = f"{year}-{month}-{day} {hour}:{minute}:{second}"
    fraction = (fraction or "").rstrip("0")
    if fraction:
        text += "." + fraction
    if zone == "Z":
        return text + " +0000 UTC"
    offset = zone.replace(":", "")
    from datetime import datetime, timezone  # ~1 ms to import; only CreatedAt needs it

    moment = datetime(int(year), int(month), int(day), tzinfo=timezone.utc)
    local = moment.astimezone()
    if local.strftime("%z") == offset:
        return f"{text} {offset} {local.tzname()}"
    return f"{text} {offset} {offset}"


def marshal_fields(context: object, names: list[str]) -> gojson.RawJSON:
    """docker's ``formatter.MarshalJSON``: each exported no-argument field, keys sorted."""
    fields = {name: getattr(context, name)() for name in names}
    return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))
