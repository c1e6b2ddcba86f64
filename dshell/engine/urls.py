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


def api_path(version: str, path: str) -> str:
    """``/v{version}{path}`` as docker's client sends it: the path unescaped, cleaned as Go's
    ``path.Join`` cleans it (repeated slashes, ``.`` and ``..`` resolved, no trailing slash),
    then escaped as ``url.URL.EscapedPath`` does. So ``start /abs/path`` asks for
    ``/containers/abs/path/start`` and ``start ../x`` for ``/x/start``, as docker does (the
    daemon's router would answer an unclean path with a redirect)."""
    target, mark, query = path.partition("?")
    kept: list[str] = []
    unescaped = urllib.parse.unquote(target, errors=SURROGATES)
    for part in f"/v{version}/{unescaped}".split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if kept:
                kept.pop()
            continue
        kept.append(part)
    return quote("/" + "/".join(kept), safe=GO_PATH_SAFE) + mark + query


#: What Go's url.URL.EscapedPath leaves as it is besides letters, digits and ``-._~``.
GO_PATH_SAFE = "/$&+,:;=@"
