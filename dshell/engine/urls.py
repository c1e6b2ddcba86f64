"""URL quoting for the Engine API that never fails on the bytes a user typed.

Names and values that arrived as bytes that are not UTF-8 (argv and scripts are decoded with
surrogate escapes) go out as those same bytes, %-encoded, as Go's net/url sends them for the
docker CLI; the daemon then answers with its own message ("No such container: …").
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

SURROGATES = "surrogateescape"


def quote(text: str, safe: str = "/") -> str:
    return urllib.parse.quote(text, safe=safe, errors=SURROGATES)


def urlencode(query: Mapping[str, Any] | Iterable[tuple[str, Any]], doseq: bool = False) -> str:
    return urllib.parse.urlencode(query, doseq=doseq, errors=SURROGATES)
