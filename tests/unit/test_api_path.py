"""urls.api_path cleans as Go's path.Join and escapes as url.URL.EscapedPath."""

from __future__ import annotations

import pytest

from dshell.engine.urls import api_path


@pytest.mark.parametrize(("path", "sent"), [
    ("/containers/json", "/v1.41/containers/json"),
    ("/containers/%2Fabs%2Fpath/start", "/v1.41/containers/abs/path/start"),
    ("/containers/..%2Fx/start", "/v1.41/x/start"),
    ("/containers/..%2F..%2F..%2Fx/json", "/x/json"),
    ("/containers/.%2Fx%2F..%2Fy/start", "/v1.41/containers/y/start"),
    ("/containers/a%2F%2Fb", "/v1.41/containers/a/b"),
    ("/images/a%3Fb/json", "/v1.41/images/a%3Fb/json"),
    ("/images/a%25b/json", "/v1.41/images/a%25b/json"),
    ("/images/x%40sha256%3Aab/json", "/v1.41/images/x@sha256:ab/json"),
    ("/images/%FF/json", "/v1.41/images/%FF/json"),
    ("/containers/c/json?size=1", "/v1.41/containers/c/json?size=1"),
    ("/volumes/", "/v1.41/volumes"),
])  # fmt: skip
def test_api_path(path, sent):
    assert api_path("1.41", path) == sent
