"""``docker history`` output, as docker/cli's history formatter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from dshell.render import gojson
from dshell.render.formatter import (
    DEFAULT_QUIET_FORMAT,
    TABLE_FORMAT_KEY,
    ellipsis,
    human_age,
    render_list,
    truncate_id,
)
from dshell.render.units import human_size_with_precision

__all__ = ["HISTORY_HEADER", "HistoryContext", "history_format", "render_history"]

DEFAULT_HISTORY_TABLE_FORMAT = (
    "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
)
NON_HUMAN_HISTORY_TABLE_FORMAT = (
    "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
)
HISTORY_HEADER = {
    "ID": "IMAGE",
    "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT",
    "CreatedBy": "CREATED BY",
    "Size": "SIZE",
    "Comment": "COMMENT",
}
CREATED_BY_WIDTH = 45


def history_format(fmt: str | None, quiet: bool, human: bool) -> str:
    """``NewHistoryFormat``: the default table follows ``-q`` and ``-H``; others are kept."""
    source = fmt or TABLE_FORMAT_KEY
    if source != TABLE_FORMAT_KEY:
        return source
    if quiet:
        return DEFAULT_QUIET_FORMAT
    return DEFAULT_HISTORY_TABLE_FORMAT if human else NON_HUMAN_HISTORY_TABLE_FORMAT


def render_history(
    layers: list[dict], fmt: str, *, human: bool, trunc: bool, now: float | None = None
) -> str:
    contexts = [HistoryContext(layer, human=human, trunc=trunc, now=now) for layer in layers]
    return render_list(fmt, contexts, HISTORY_HEADER)


def rfc3339(unix_seconds: int) -> str:
    """Go's ``time.Unix(s, 0).Format(time.RFC3339)`` in local time."""
    moment = datetime.fromtimestamp(unix_seconds, timezone.utc).astimezone()
    text = moment.strftime("%Y-%m-%dT%H:%M:%S%z")
    if text.endswith("+0000"):
        return text[:-5] + "Z"
    return text[:-2] + ":" + text[-2:]


class HistoryContext:
    """One layer of ``GET /images/{name}/history``; methods are the ``--format`` fields."""

    go_type_name = "*image.historyContext"

    def __init__(
        self, layer: Mapping[str, Any], *, human: bool, trunc: bool, now: float | None = None
    ) -> None:
        self._layer = layer
        self._human = human
        self._trunc = trunc
        self._now = now

    def _created(self) -> int:
        return int(self._layer.get("Created") or 0)

    def ID(self) -> str:
        ident = str(self._layer.get("Id") or "")
        return truncate_id(ident) if self._trunc else ident

    def CreatedAt(self) -> str:
        return rfc3339(self._created())

    def CreatedSince(self) -> str:
        if not self._human:
            return self.CreatedAt()
        return human_age(self._created(), self._now)

    def CreatedBy(self) -> str:
        created_by = str(self._layer.get("CreatedBy") or "").replace("\t", " ")
        return ellipsis(created_by, CREATED_BY_WIDTH) if self._trunc else created_by

    def Size(self) -> str:
        size = int(self._layer.get("Size") or 0)
        return human_size_with_precision(size, 3) if self._human else str(size)

    def Comment(self) -> str:
        return str(self._layer.get("Comment") or "")

    def marshal_json(self) -> gojson.RawJSON:
        fields = {name: getattr(self, name)() for name in sorted(HISTORY_HEADER)}
        return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))
