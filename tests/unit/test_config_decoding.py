"""config.json and meta.json decoded as Go's encoding/json decodes them into docker's structs.

The expected texts are docker 28's (checked against the CLI by tests/engine/test_broken_config.py);
these tests pin the decoder without a daemon.
"""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from dshell.engine.config import ConfigFile, GoJSONError, go_unmarshal, parse_config
from dshell.engine.context_store import (
    CONTEXT_FILE_TYPE,
    ContextPanic,
    ContextStore,
    ContextStoreError,
    context_id,
    go_marshal,
)


@pytest.mark.parametrize("content, message", [
    (b"x", "invalid character 'x' looking for beginning of value"),
    (b"{", "unexpected EOF"),
    (b'{"a":"abc', "unexpected EOF"),
    (b'{"a":}', "invalid character '}' looking for beginning of value"),
    (b'{"a":1,}', "invalid character '}' looking for beginning of object key string"),
    (b'{"a" 1}', "invalid character '1' after object key"),
    (b'{"a":1]', "invalid character ']' after object key:value pair"),
    (b'{"a":[1 2]}', "invalid character '2' after array element"),
    (b'{"a":tru}', "invalid character '}' in literal true (expecting 'e')"),
    (b'{"a":nulx}', "invalid character 'x' in literal null (expecting 'l')"),
    (b'{"a":"\\x"}', "invalid character 'x' in string escape code"),
    (b'{"a":"\\u12"}', "invalid character '\"' in \\u hexadecimal character escape"),
    (b'{"a":"\x01"}', "invalid character '\\x01' in string literal"),
    (b'{"a":"\t"}', "invalid character '\\t' in string literal"),
    (b'{"a":01}', "invalid character '1' after object key:value pair"),
    (b'{"a":-}', "invalid character '}' in numeric literal"),
    (b'{"a":1.}', "invalid character '}' after decimal point in numeric literal"),
    (b'{"a":1e}', "invalid character '}' in exponent of numeric literal"),
    (b"{'a':1}", "invalid character '\\'' looking for beginning of object key string"),
    (b"\xef\xbb\xbf{}", "invalid character '\u00ef' looking for beginning of value"),
    (b'{"a":NaN}', "invalid character 'N' looking for beginning of value"),
    (b"[" * 10001, "invalid character '[' exceeded max depth"),
    (b"-", "unexpected EOF"),
    (b"tru", "unexpected EOF"),
    (b'{"psFormat": 5, "x": }', "invalid character '}' looking for beginning of value"),
])
def test_syntax_errors_in_go_words(content, message):
    assert parse_config(content) == ({}, message)


@pytest.mark.parametrize("content", [b"", b" \n\t", b"null", b'{"a":1}x', b'{"a":1} {'])
def test_what_the_stream_decoder_does_not_complain_about(content):
    assert parse_config(content)[1] == ""


@pytest.mark.parametrize("content, message", [
    (b"[1]", "json: cannot unmarshal array into Go value of type configfile.ConfigFile"),
    (b"5x", "json: cannot unmarshal number into Go value of type configfile.ConfigFile"),
    (b'{"auths": 5}', "json: cannot unmarshal number into Go struct field ConfigFile.auths "
                      "of type map[string]types.AuthConfig"),
    (b'{"auths": {"a": 5}}', "json: cannot unmarshal number into Go struct field "
                             "ConfigFile.auths of type types.AuthConfig"),
    (b'{"auths": {"a": {"auth": 5}}}', "json: cannot unmarshal number into Go struct field "
                                       "AuthConfig.auths.auth of type string"),
    (b'{"proxies": {"a": {"httpProxy": []}}}', "json: cannot unmarshal array into Go struct "
                                               "field ProxyConfig.proxies.httpProxy of type "
                                               "string"),
    (b'{"plugins": {"a": 1}}', "json: cannot unmarshal number into Go struct field "
                               "ConfigFile.plugins of type map[string]string"),
    (b'{"plugins": {"a": {"b": true}}}', "json: cannot unmarshal bool into Go struct field "
                                         "ConfigFile.plugins of type string"),
    (b'{"pruneFilters": ["a", {}]}', "json: cannot unmarshal object into Go struct field "
                                     "ConfigFile.pruneFilters of type string"),
    (b'{"PSFORMAT": "x", "psFormat": 5, "auths": "x"}', "json: cannot unmarshal number into "
                                                       "Go struct field ConfigFile.psFormat "
                                                       "of type string"),
])
def test_type_errors_name_the_struct_field_and_go_type(content, message):
    assert parse_config(content)[1] == message


def test_wrong_typed_fields_keep_go_zero_values_and_the_rest_decodes():
    data, problem = parse_config(json.dumps({
        "psFormat": 5, "imagesFormat": "{{.ID}}", "HttpHeaders": {"a": 5, "b": "c"},
        "pruneFilters": ["x", 1], "auths": {"r": {"auth": 7, "email": "e"}, "s": []},
        "plugins": {"p": 1}, "unknown": {"kept": True}}).encode())
    assert problem.startswith("json: cannot unmarshal number into Go struct field "
                              "ConfigFile.psFormat")
    assert data == {"imagesFormat": "{{.ID}}", "HttpHeaders": {"a": "", "b": "c"},
                    "pruneFilters": ["x", ""], "auths": {"r": {"email": "e"}, "s": {}},
                    "plugins": {"p": None}, "unknown": {"kept": True}}


def test_duplicates_and_folded_names_decode_in_order():
    data, problem = parse_config(
        '{"psFormat": "{{.ID}}", "PSFORMAT": 5, "p\u017fFormat": null, "Auths": {"a": {}},'
        ' "auths": {"b": {}}}'.encode())
    assert problem.endswith("ConfigFile.psFormat of type string")
    assert data == {"psFormat": "{{.ID}}", "auths": {"a": {}, "b": {}}}


@pytest.mark.parametrize("auth, message", [
    ("eDp5", ""),
    ("!!", "illegal base64 data at input byte 0"),
    ("eA==", "Invalid auth configuration file"),
    ("OnA=", "Invalid auth configuration file"),
    ("eDp5e", "illegal base64 data at input byte 4"),
    ("eDp5eg", "illegal base64 data at input byte 4"),
    ("eD=5", "illegal base64 data at input byte 2"),
    ("eDp5eg==x", "illegal base64 data at input byte 8"),
    ("eDp5\n", ""),
])
def test_auths_decode_as_docker_decode_auth(auth, message):
    assert parse_config(json.dumps({"auths": {"a": {"auth": auth}}}).encode())[1] == message


def test_strings_as_go_decodes_them():
    data, _ = parse_config(b'{"psFormat": "a\\u00e9\\ud83d\\ude00\\ud800\xff\\n"}')
    assert data["psFormat"] == "a\u00e9\U0001f600\ufffd\ufffd\n"


def test_config_file_load_warnings(tmp_path):
    assert ConfigFile.load(tmp_path).warning == ""
    (tmp_path / "config.json").write_text('{"psFormat": 5, "currentContext": "c"}')
    config = ConfigFile.load(tmp_path)
    assert (config.ps_format, config.current_context) == ("", "c")
    assert config.warning == (f"parsing config file ({tmp_path}/config.json): json: cannot "
                              "unmarshal number into Go struct field ConfigFile.psFormat of "
                              "type string")
    (tmp_path / "config.json").unlink()
    (tmp_path / "config.json").mkdir()
    assert ConfigFile.load(tmp_path).warning == (
        f"parsing config file ({tmp_path}/config.json): read {tmp_path}/config.json: "
        "is a directory")


def write_context(tmp_path, content: bytes, name: str = "bad") -> None:
    folder = tmp_path / "contexts" / "meta" / context_id(name)
    folder.mkdir(parents=True)
    (folder / "meta.json").write_bytes(content)


@pytest.mark.parametrize("content, message", [
    (b"garbage", "invalid character 'g' looking for beginning of value"),
    (b"", "unexpected end of JSON input"),
    (b'{"Name":"bad"', "unexpected end of JSON input"),
    (b'{"Name":"bad"} x', "invalid character 'x' after top-level value"),
    (b"-", "invalid character ' ' in numeric literal"),
    (b"[]", "json: cannot unmarshal array into Go value of type store.untypedContextMetadata"),
    (b'{"Name": 5}', "json: cannot unmarshal number into Go struct field "
                     "untypedContextMetadata.name of type string"),
    (b'{"Endpoints": 5}', "json: cannot unmarshal number into Go struct field "
                          "untypedContextMetadata.endpoints of type map[string]json.RawMessage"),
    (b'{"Endpoints": {"docker": {"Host": 5}}}', "json: cannot unmarshal number into Go struct "
                                                "field EndpointMetaBase.Host of type string"),
    (b'{"Endpoints": {"docker": 5}}', "json: cannot unmarshal number into Go value of type "
                                      "context.EndpointMetaBase"),
    (b'{"Endpoints": {"k8s": [1]}}', "json: cannot unmarshal array into Go value of type "
                                     "map[string]interface {}"),
    (b'{"Metadata": "x"}', "json: cannot unmarshal string into Go value of type "
                           "map[string]interface {}"),
    (b'{"Metadata": {"x": 1e400}}', "json: cannot unmarshal number 1e400 into Go value of "
                                    "type float64"),
])
def test_meta_json_errors_in_docker_words(tmp_path, content, message):
    write_context(tmp_path, content)
    path = tmp_path / "contexts" / "meta" / context_id("bad") / "meta.json"
    with pytest.raises(ContextStoreError) as caught:
        ContextStore(tmp_path).load("bad")
    assert str(caught.value) == f'context "bad": parsing {path}: {message}'
    with pytest.raises(ContextStoreError) as listed:
        ContextStore(tmp_path).list()
    assert str(listed.value) == f"failed to read metadata: parsing {path}: {message}"


@pytest.mark.parametrize("content, error", [
    (b'{"Name": "bad", "Endpoints": null}', "cannot find docker endpoint in context"),
    (b'{"Name": "bad"}', "cannot find docker endpoint in context"),
    (b'{"Name": "bad", "Endpoints": {"docker": null}}',
     'endpoint "docker" is not of type EndpointMeta'),
    (b'{"name": "bad", "endpoints": {"docker": {"host": "unix:///x"}}}', ""),
])
def test_docker_endpoint_errors(tmp_path, content, error):
    write_context(tmp_path, content)
    assert ContextStore(tmp_path).load("bad").docker_endpoint_error == error


def test_description_that_is_no_string_is_docker_s_panic(tmp_path):
    write_context(tmp_path, b'{"Name": "bad", "Metadata": {"Description": [1]}}')
    with pytest.raises(ContextPanic) as caught:
        ContextStore(tmp_path).load("bad")
    assert str(caught.value) == ("panic: interface conversion: interface {} is "
                                 "[]interface {}, not string")


def test_meta_json_written_back_as_go_writes_it(tmp_path):
    write_context(tmp_path, b'{"Name": "bad", "Metadata": null, "Endpoints": {"docker": '
                            b'{"Host": ""}, "x": {"n": 1, "f": 1.5, "l": [2e0]}}}')
    store = ContextStore(tmp_path)
    context = store.load("bad")
    assert context.metadata_nil
    store.save(context, replace_tls=False)
    written = (store.meta_dir("bad") / "meta.json").read_text()
    assert written == ('{"Name":"bad","Endpoints":{"docker":{"SkipTLSVerify":false},'
                       '"x":{"f":1.5,"l":[2],"n":1}}}')


def test_go_unmarshal_keeps_raw_values_for_later(tmp_path):
    value, error = go_unmarshal(b'{"metadata": {"a": 1}, "ENDPOINTS": {"docker": null}}',
                                CONTEXT_FILE_TYPE)
    assert error is None
    assert value == {"metadata": {"a": 1.0}, "endpoints": {"docker": None}}
    with pytest.raises(GoJSONError):
        go_unmarshal(b"{", CONTEXT_FILE_TYPE)


@pytest.mark.parametrize("value, text", [
    (1.0, "1"), (-3.0, "-3"), (-0.0, "-0"), (1.5, "1.5"), (0.1, "0.1"), (1e-5, "0.00001"),
    (1.2345e-5, "0.000012345"), (1e-7, "1e-7"), (1.5e-10, "1.5e-10"), (1e20, "1" + "0" * 20),
    (1e21, "1e+21"), (2.0 ** 60, "1152921504606847000"), (True, "true"), (None, "null"),
    ("a<b&c>\u2028", '"a\\u003cb\\u0026c\\u003e\\u2028"'), ("\udcff", '"\ufffd"'),
])
def test_go_marshal_scalars(value, text):
    assert go_marshal(value, top=False) == text


def test_go_marshal_keeps_struct_order_and_sorts_maps():
    assert go_marshal({"Name": "n", "Metadata": {"z": 1, "a": [{"y": 1, "b": 2}]},
                       "Endpoints": {"k": {}, "docker": {"Host": "h", "SkipTLSVerify": False}}}) \
        == ('{"Name":"n","Metadata":{"a":[{"b":2,"y":1}],"z":1},'
            '"Endpoints":{"docker":{"Host":"h","SkipTLSVerify":false},"k":{}}}')


def archive(meta: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        member = tarfile.TarInfo("meta.json")
        member.size = len(meta)
        tar.addfile(member, io.BytesIO(meta))
    return buffer.getvalue()


@pytest.mark.parametrize("meta, message", [
    (b"[1]", "json: cannot unmarshal array into Go value of type store.Metadata"),
    (b"garbage", "invalid character 'g' looking for beginning of value"),
    (b"", "unexpected end of JSON input"),
    (b'{"Name": 5}', "json: cannot unmarshal number into Go struct field Metadata.Name of type "
                     "string"),
    (b'{"Endpoints": 5}', "json: cannot unmarshal number into Go struct field "
                          "Metadata.Endpoints of type map[string]interface {}"),
])
def test_import_refuses_what_docker_refuses(tmp_path, meta, message):
    with pytest.raises(ContextStoreError) as caught:
        ContextStore(tmp_path).import_archive("new", archive(meta))
    assert str(caught.value) == message


def test_import_writes_what_it_read_as_go_writes_it(tmp_path):
    store = ContextStore(tmp_path)
    store.import_archive("new", archive(
        b'{"Name": "x", "Metadata": [1.0], "Endpoints": {"docker": {"Host": "", "b": 1}}}'))
    assert (store.meta_dir("new") / "meta.json").read_bytes() == (
        b'{"Name":"new","Metadata":[1],"Endpoints":{"docker":{"Host":"","b":1}}}')
