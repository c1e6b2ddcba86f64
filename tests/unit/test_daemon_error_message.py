"""How a daemon's error body becomes the message (docker's client checkResponseErr)."""

from __future__ import annotations

import requests

from dshell.engine.client import _error_message


def response(status: int, body: bytes, content_type: str | None) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made._content = body
    if content_type:
        made.headers["Content-Type"] = content_type
    return made


def test_json_message_is_trimmed():
    body = b'{"message":"  node is not part of a swarm \\n"}'
    assert _error_message(response(503, body, "application/json")) == \
        "node is not part of a swarm"  # fmt: skip


def test_json_without_message_names_the_status():
    assert _error_message(response(500, b'{"detail":"x"}', "application/json")) == \
        "API returned a 500 (Internal Server Error) but provided no error-message"  # fmt: skip


def test_message_key_matches_in_any_case_as_go_decodes_it():
    assert _error_message(response(404, b'{"Message":"gone"}', "application/json")) == "gone"


def test_plain_body_is_trimmed_as_is():
    body = b'{"message":"not json content"}\n'
    assert _error_message(response(400, body, "text/plain")) == '{"message":"not json content"}'
