"""gojson.indent is Go's json.Indent: the strings and literals as sent, only the layout new."""

from __future__ import annotations

import pytest

from dshell.render.gojson import compact, indent


def test_punctuation_inside_strings_and_go_literals_are_copied_as_sent():
    raw = '{"a":"x,{}[]:\\"y","b":[],"c":{},"d":[1,2E5,-0,true,null],"e":"\\u003c"}\n'
    assert indent(raw, ">", "  ") == (
        "{\n"
        '>  "a": "x,{}[]:\\"y",\n'
        '>  "b": [],\n'
        '>  "c": {},\n'
        '>  "d": [\n'
        ">    1,\n"
        ">    2E5,\n"
        ">    -0,\n"
        ">    true,\n"
        ">    null\n"
        ">  ],\n"
        '>  "e": "\\u003c"\n'
        ">}\n"
    )


def test_whitespace_between_tokens_goes_and_trailing_whitespace_stays():
    assert indent(' \n{ "a" : [ 1 , { } ] }  \n') == (
        '{\n    "a": [\n        1,\n        {}\n    ]\n}  \n'
    )
    assert compact(' { "a" : [ 1 , "b c" ] } ') == '{"a":[1,"b c"]}'


def test_the_same_run_between_strings_at_other_depths_is_laid_out_for_each():
    # "],[" and "]]" recur at different depths and after different openings: what is
    # remembered for one must not leak into the other.
    assert indent('[["a"],["b"]]', "", " ") == '[\n [\n  "a"\n ],\n [\n  "b"\n ]\n]'
    assert indent('[[["a"],["b"]]]', "", " ") == (
        '[\n [\n  [\n   "a"\n  ],\n  [\n   "b"\n  ]\n ]\n]'
    )
    assert indent('{"k":[],"l":["m"]}', "", " ") == '{\n "k": [],\n "l": [\n  "m"\n ]\n}'


def test_scalars_and_empty_documents():
    assert indent('"just a string"') == '"just a string"'
    assert indent("42 ") == "42 "
    assert indent("[]") == "[]"


@pytest.mark.parametrize("raw", ["", "{", '{"a":}', "[1,]", "NaN", '{"a":1}x'])
def test_invalid_json_is_refused(raw):
    with pytest.raises(ValueError):
        indent(raw)
