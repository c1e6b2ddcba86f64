"""The registry client's pure parts: which endpoints docker tries, registry error bodies in
distribution's words, WWW-Authenticate challenges, and the local store's file names."""

from __future__ import annotations

import json

import pytest

from dshell.commands.manifests import _filesafe, manifest_list, normalize_reference
from dshell.engine.distribution import (
    ImageManifest,
    _parse_challenges,
    handle_error_response,
    is_secure_index,
    platform_record,
    pull_endpoints,
    push_endpoint,
)


class _Response:
    """What handle_error_response reads of a requests.Response."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status_code = status
        self.content = body
        self.headers = headers
        self.reason = {404: "Not Found", 500: "Internal Server Error"}.get(status, "")


JSON = {"Content-Type": "application/json; charset=utf-8"}


@pytest.mark.parametrize(("status", "body", "headers", "message", "codes"), [
    (404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown",'
          b'"detail":{"Tag":"x"}}]}', JSON, "manifest unknown: manifest unknown",
     ("MANIFEST_UNKNOWN",)),
    (404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to '
          b'registry"}]}', JSON, "name unknown: repository name not known to registry",
     ("NAME_UNKNOWN",)),
    (401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', JSON,
     "unauthorized: authentication required", ("UNAUTHORIZED",)),
    (400, b'{"errors":[{"code":"A_NEW_CODE","message":"m1"},{"code":"DENIED","message":"m2"}]}',
     JSON, "errors:\nunknown: m1\ndenied: m2\n", ("UNKNOWN", "DENIED")),
    (403, b"nope", {"Content-Type": "text/plain"}, "denied: nope", ("DENIED",)),
    (400, b'{"details":"old style"}', JSON, "unknown: old style", ("UNKNOWN",)),
    (500, b"boom", {}, "received unexpected HTTP status: 500 Internal Server Error", ()),
])  # fmt: skip
def test_error_bodies_in_distributions_words(status, body, headers, message, codes):
    error = handle_error_response(_Response(status, body, headers))
    assert (str(error), error.codes) == (message, codes)


def test_bearer_challenge_error_comes_first():
    headers = dict(
        JSON,
        **{
            "WWW-Authenticate": 'Bearer realm="https://a/token",'
            'error="insufficient_scope",error_description="no push"'
        },
    )
    body = b'{"errors":[{"code":"DENIED","message":"requested access denied"}]}'
    error = handle_error_response(_Response(403, body, headers))
    assert str(error) == "errors:\ndenied: no push\ndenied: requested access denied\n"


def test_challenges():
    assert _parse_challenges('Bearer realm="https://auth.example/token",'
                             'service="registry.example",scope="repository:a/b:pull"') == [
        ("bearer", {"realm": "https://auth.example/token", "service": "registry.example",
                    "scope": "repository:a/b:pull"})]  # fmt: skip
    assert _parse_challenges('Basic realm="dshell-tests"') == [("basic", {"realm": "dshell-tests"})]


def test_loopback_registries_are_insecure_and_tried_over_https_first():
    assert not is_secure_index("127.0.0.1:5000")
    assert not is_secure_index("127.1.2.3")
    assert is_secure_index("docker.io")
    assert is_secure_index("192.0.2.1:5000")  # TEST-NET: an address, never contacted
    assert not is_secure_index("192.0.2.1:5000", ("192.0.2.1:5000",))
    endpoints = pull_endpoints("127.0.0.1:5000", insecure=False)
    assert [(e.scheme, e.skip_verify) for e in endpoints] == [("https", True), ("http", True)]
    assert [e.base for e in pull_endpoints("docker.io", False)] == ["https://registry-1.docker.io"]
    secure = pull_endpoints("192.0.2.1:5000", insecure=False)
    assert [(e.scheme, e.skip_verify) for e in secure] == [("https", False)]
    assert push_endpoint("127.0.0.1:5000", insecure=False).scheme == "http"
    assert push_endpoint("192.0.2.1:5000", insecure=True).skip_verify


def test_store_names_are_dockers():
    ref = normalize_reference("busybox")
    assert _filesafe(f"{ref.domain}/{ref.path}:{ref.tag}") == "docker.io_library_busybox-latest"
    assert _filesafe("127.0.0.1:5000/a/b:v1") == "127.0.0.1-5000_a_b-v1"


def test_manifest_list_is_marshalled_as_go_does():
    digest = "sha256:" + "a" * 64
    image = ImageManifest(
        ref="127.0.0.1:5000/app:arm",
        descriptor={"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                    "digest": digest, "size": 527,
                    "platform": platform_record({"architecture": "arm64", "os": "linux",
                                                 "variant": "v8", "os.features": ["<x>"]})},
    )  # fmt: skip
    media_type, text = manifest_list(normalize_reference("127.0.0.1:5000/app:list"), [image])
    assert media_type == "application/vnd.docker.distribution.manifest.list.v2+json"
    assert text.splitlines()[:4] == [
        "{",
        '   "schemaVersion": 2,',
        f'   "mediaType": "{media_type}",',
        '   "manifests": [',
    ]
    assert '"os.features": [\n               "\\u003cx\\u003e"\n            ],\n' in text
    assert json.loads(text)["manifests"][0]["platform"]["variant"] == "v8"
