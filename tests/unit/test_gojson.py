"""Tests for dshell.render.gojson: JSON byte-identical to Go's encoding/json.

Expected strings come from the docker CLI 28.2.2 (`{{json ...}}` templates) and from the
daemon's own encoder (API responses), which is Go's json.Encoder with HTML escaping on.
"""

from __future__ import annotations

import json

import pytest

from dshell.render.gojson import RawJSON, dumps, format_float, indent


def test_dumps_is_compact_and_keeps_dict_order() -> None:
    value = {"Zeta": 1, "Alpha": [True, False, None], "Nested": {"b": "x", "a": []}, "E": {}}
    assert dumps(value) == '{"Zeta":1,"Alpha":[true,false,null],"Nested":{"b":"x","a":[]},"E":{}}'


def test_dumps_sorts_keys_on_request_like_go_maps() -> None:
    assert dumps({"b": 1, "a": {"d": 2, "c": 3}}, sort_keys=True) == '{"a":{"c":3,"d":2},"b":1}'


def test_dumps_escapes_strings_as_go_does() -> None:
    # docker: {{json "a\bb\fc\u0001<>&\u2028\u2029\x7f\"\\é\t\n\r"}}
    text = "a\bb\fc\u0001<>&\u2028\u2029\x7f\"\\é\t\n\r"
    assert dumps(text) == '"a\\bb\\fc\\u0001<>&\\u2028\\u2029\x7f\\"\\\\é\\t\\n\\r"'
    assert dumps("<a&b>", escape_html=True) == '"\\u003ca\\u0026b\\u003e"'
    assert dumps("\x1b") == '"\\u001b"'


@pytest.mark.parametrize(("number", "expected"), [
    (1.0, "1"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (0.000001, "0.000001"),
    (0.0000001, "1e-7"), (1.5e-10, "1.5e-10"), (123.456, "123.456"), (-0.0, "-0"),
    (0.1, "0.1"), (2.5e-300, "2.5e-300"), (12, "12"), (-7, "-7"), (2**63, "9223372036854775808"),
])
def test_dumps_numbers_like_go(number: float, expected: str) -> None:
    assert dumps(number) == expected


def test_dumps_refuses_nan_and_infinity() -> None:
    with pytest.raises(ValueError, match="unsupported value: NaN"):
        dumps([float("nan")])
    with pytest.raises(ValueError, match=r"unsupported value: \+Inf"):
        dumps(float("inf"))


def test_dumps_uses_marshal_json_like_go_marshalers() -> None:
    class Struct:
        def marshal_json(self) -> dict:
            return {"Version": "28.2.2", "ApiVersion": "1.41"}

    assert dumps({"Client": Struct(), "List": [Struct()]}) == (
        '{"Client":{"Version":"28.2.2","ApiVersion":"1.41"},'
        '"List":[{"Version":"28.2.2","ApiVersion":"1.41"}]}')


def test_raw_json_is_inserted_compacted_like_marshal_json_bytes() -> None:
    class Context:
        def marshal_json(self) -> RawJSON:
            fields = {"Size": 1.5, "Command": "sh -c 'a && b <c>'", "ID": "abc"}
            return RawJSON(dumps(fields, escape_html=True, sort_keys=True))

    # docker ps --format '{{json .}}': keys sorted, <>& escaped by the context's json.Marshal
    assert dumps({"Row": Context(), "Note": "a&b"}) == (
        '{"Row":{"Command":"sh -c \'a \\u0026\\u0026 b \\u003cc\\u003e\'","ID":"abc",'
        '"Size":1.5},"Note":"a&b"}')
    assert dumps(RawJSON(' { "a" : [ 1 , "<\u2028>" ] } ')) == '{"a":[1,"<\u2028>"]}'
    assert dumps(RawJSON('{"a":"<\u2028>"}'), escape_html=True) == \
        '{"a":"\\u003c\\u2028\\u003e"}'
    with pytest.raises(ValueError):
        dumps(RawJSON("{oops"))


def test_dumps_reproduces_the_daemons_own_encoding() -> None:
    raw = ('{"Id":"sha256:6ab1","Name":"a\\u003cb\\u0026c","Labels":{"b":"1","a":"2"},'
           '"Size":1982256,"Ratio":0.5,"Env":null,"List":[],"Obj":{},"Uni":"é",'
           '"Created":"2026-11-28T05:27:10.418597381Z"}')
    assert dumps(json.loads(raw), escape_html=True) == raw


@pytest.mark.parametrize(("value", "fmt", "prec", "expected"), [
    (1e6, "g", -1, "1e+06"), (123456789.0, "g", -1, "1.23456789e+08"),
    (100000.0, "g", -1, "100000"),
    (0.0001, "g", -1, "0.0001"), (0.00001, "g", -1, "1e-05"), (3.0, "g", -1, "3"),
    (0.0, "g", -1, "0"), (-0.0, "g", -1, "-0"), (1e21, "G", -1, "1E+21"),
    (3.14159, "f", 2, "3.14"), (2.5, "f", 6, "2.500000"), (1234.5678, "e", 6, "1.234568e+03"),
    (0.000012, "g", -1, "1.2e-05"), (1234.5678, "g", 3, "1.23e+03"), (100.0, "g", 3, "100"),
    (1.0, "e", -1, "1e+00"), (1e20, "f", -1, "100000000000000000000"),
    (float("inf"), "g", -1, "+Inf"), (float("-inf"), "f", 2, "-Inf"),
    (float("nan"), "g", -1, "NaN"),
])
def test_format_float_ports_strconv(value: float, fmt: str, prec: int, expected: str) -> None:
    assert format_float(value, fmt, prec) == expected


def test_indent_reflows_without_reencoding() -> None:
    raw = ('[{"Id":"sha256:6ab1","Name":"a\\u003cb, c: {d}","RepoDigests":[],"Config":'
           '{"Env":null,"Cmd":["sh","-c"],"Labels":{}},"Size":1.50,"Big":1e3}]\n')
    assert indent(raw) == (
        "[\n"
        "    {\n"
        '        "Id": "sha256:6ab1",\n'
        '        "Name": "a\\u003cb, c: {d}",\n'
        '        "RepoDigests": [],\n'
        '        "Config": {\n'
        '            "Env": null,\n'
        '            "Cmd": [\n'
        '                "sh",\n'
        '                "-c"\n'
        "            ],\n"
        '            "Labels": {}\n'
        "        },\n"
        '        "Size": 1.50,\n'
        '        "Big": 1e3\n'
        "    }\n"
        "]\n"
    )


def test_indent_drops_insignificant_whitespace_and_honours_prefix() -> None:
    raw = '  { "a" : [ 1 , 2 ] ,\n "b" : { } , "c" : [ ] }'
    assert indent(raw, prefix="> ", indent="\t") == \
        '{\n> \t"a": [\n> \t\t1,\n> \t\t2\n> \t],\n> \t"b": {},\n> \t"c": []\n> }'
    assert indent("[]") == "[]"
    assert indent(' "x" ') == '"x" '  # Go keeps whitespace after the value


def test_indent_matches_docker_inspect_for_an_empty_result() -> None:
    assert indent("[]") + "\n" == "[]\n"


@pytest.mark.parametrize("raw", ['{"a":}', "[1,]", '{"a":1', "NaN", "[1] [2]", "", "{'a':1}"])
def test_indent_rejects_invalid_json(raw: str) -> None:
    with pytest.raises(ValueError):
        indent(raw)
