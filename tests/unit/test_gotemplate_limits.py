"""Go's limits, typed comparisons and typed structs in the template port.

Every expected string was printed by the docker CLI 28 (Go 1.24.3): `docker context ls
--format` and `docker context inspect -f` run templates without a daemon, and `docker image
inspect -f` ran against the suite's private dockerd.  Where Go has no limit (output size, work),
dshell's caps are checked to fail fast with one clear line.
"""

from __future__ import annotations

import time

import pytest

from dshell.render import gotemplate
from dshell.render.contexts import ClientContext, ClientContextContext, inspected_context
from dshell.render.gotemplate import TemplateError, parse, sprintf
from dshell.render.gotemplate.limits import MAX_STEPS


def run(template: str, data: object = None) -> str:
    return parse(template).execute(data)


def error(template: str, data: object = None) -> str:
    with pytest.raises(TemplateError) as caught:
        parse(template).execute(data)
    return str(caught.value)


# --- fmt: widths and precisions past 1e6 ---------------------------------------------------

PRINTF_LIMITS = [
    # parsenum gives up past 1e6 and skips to the end of the format: the verb goes missing
    ("%99999999d", (1,), "%!(NOVERB)%!(EXTRA int=1)"),
    ("%.99999999d", (1,), "%!(NOVERB)%!(EXTRA int=1)"),
    ("%099999999d", (1,), "%!(NOVERB)%!(EXTRA int=1)"),
    ("%10000010d|", (1,), "%!(NOVERB)%!(EXTRA int=1)"),
    ("%.99999999d", (1, 2), "%!(NOVERB)%!(EXTRA int=1, int=2)"),
    # a * width or precision past 1e6 is refused
    ("%*d|", (1000001, 1), "%!(BADWIDTH)1|"),
    ("%*d|", (-1000001, 1), "%!(BADWIDTH)1|"),
    ("%[1]*d|", (1000001, 1), "%!(BADWIDTH)1|"),
    ("%.*d|", (1000001, 1), "%!(BADPREC)1|"),
    ("%.*d|", (-1, 1), "%!(BADPREC)1|"),
    # strconv's 'b' float format
    ("%b|%b|%b|%.3b", (1.5, -0.0, 0.1, 2.0),
     "6755399441055744p-52|-0p-1074|7205759403792794p-56|4503599627370496p-51"),
    ("%b", (1e-320,), "2024p-1074"),
    ("%10.3b|", (1.5,), "6755399441055744p-52|"),
]


@pytest.mark.parametrize(("fmt", "args", "expected"), PRINTF_LIMITS)
def test_printf_refuses_widths_past_a_million(fmt: str, args: tuple, expected: str) -> None:
    assert sprintf(fmt, *args) == expected
    template = "{{printf " + gotemplate.go_quote(fmt) + "".join(f" {a!r}" for a in args) + "}}"
    assert run(template) == expected


PRINTF_LENGTHS = [
    # parsenum checks before each digit, so up to 10000009 still counts
    ('{{printf "%1000001d|" 1 | len}}', "1000002"),
    ('{{printf "%10000009d|" 1 | len}}', "10000010"),
    ('{{printf "%10000010d|" 1 | len}}', "25"),
    ('{{printf "%-1000000d|" 1 | len}}', "1000001"),
    ('{{printf "%.1000000f|" 1.5 | len}}', "1000003"),
    ('{{printf "%1000000.1000000d" 1 | len}}', "1000000"),
    ('{{printf "%.9999999d" 1 | len}}', "9999999"),
    ('{{printf "%.10000000x" "ab" | len}}', "4"),
]


@pytest.mark.parametrize(("template", "expected"), PRINTF_LENGTHS)
def test_printf_widths_up_to_the_limit(template: str, expected: str) -> None:
    assert run(template) == expected


# --- depth: Go's maxExecDepth and maxStackDepth ------------------------------------------------

def nested(levels: int) -> dict:
    data: dict = {}
    for _ in range(levels):
        data = {"c": data}
    return data


WALK_DOWN = '{{define "x"}}{{with .c}}{{template "x" .}}{{end}}{{end}}{{template "x" .}}'


def test_templates_recurse_as_deep_as_go_allows() -> None:
    # one invocation per level: 100000 of them fit (depths 0 to 99999), one more does not
    assert run(WALK_DOWN + "ok", nested(100000)) == "ok"
    assert error(WALK_DOWN, nested(100001)) == (
        'template: :1:36: executing "x" at <{{template "x" .}}>: '
        "exceeded maximum template depth (100000)")


def test_endless_recursion_stops_with_gos_message() -> None:
    started = time.monotonic()
    assert error('{{define "x"}}{{template "x" .}}{{end}}{{template "x" .}}') == (
        'template: :1:25: executing "x" at <{{template "x" .}}>: '
        "exceeded maximum template depth (100000)")
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(("template", "expected"), [
    ('{{define "x"}}{{.Nope}}{{end}}{{template "x" .}}',
     'template: :1:16: executing "x" at <.Nope>: can\'t evaluate field Nope in type '
     "*formatter.clientContextContext"),
    ('{{define "x"}}a{{.Nope}}{{end}}{{template "x" .}}',
     'template: :1:17: executing "x" at <.Nope>: can\'t evaluate field Nope in type '
     "*formatter.clientContextContext"),
])
def test_errors_inside_a_defined_template_name_it(template: str, expected: str) -> None:
    assert error(template, ClientContextContext(ClientContext("default"))) == expected


def test_parentheses_nest_without_bound() -> None:
    # Go 1.24 has no maxStackDepth yet: docker 28 takes 65000 nested parentheses
    assert run("{{" + "(" * 30000 + "1" + ")" * 30000 + "}}") == "1"
    assert error("{{len " + "(" * 30000 + "1" + ")" * 30000 + "}}") == (
        'template: :1:2: executing "" at <len ' + "(" * 30000 + "1" + ")" * 30000
        + ">: error calling len: len of type int")


def test_control_structures_nest_deeper_than_pythons_stack() -> None:
    assert run("{{if 1}}" * 5000 + "x" + "{{end}}" * 5000) == "x"
    assert run("{{if 0}}" + "{{else if 0}}" * 3000 + "{{else}}y{{end}}") == "y"
    assert error("{{with 1}}" * 3000 + "{{.X}}" + "{{end}}" * 3000) == (
        'template: :1:30002: executing "" at <.X>: can\'t evaluate field X in type int')


# --- dshell's caps: output, values, work, steps ----------------------------------------------

CAPS = [
    ('{{range 100}}{{printf "%9999999d" 1}}{{end}}',
     'template: :1:15: executing "" at <{{printf "%9999999d" 1}}>: template output exceeds '
     "dshell's limit of 64 MiB"),
    ('{{$x := "aaaaaaaaaaaaaaaa"}}{{range 40}}{{$x = printf "%s%s" $x $x}}{{end}}',
     'template: :1:47: executing "" at <printf "%s%s" $x $x>: error calling printf: result '
     "exceeds dshell's limit of 64 MiB"),
    ('{{$x := printf "%9999999d" 1}}{{len (print $x $x $x $x $x $x $x $x $x $x)}}',
     'template: :1:37: executing "" at <print $x $x $x $x $x $x $x $x $x $x>: error calling '
     "print: result exceeds dshell's limit of 64 MiB"),
    ('{{printf "%9999999v" .}}',
     'template: :1:2: executing "" at <printf "%9999999v" .>: error calling printf: formatted '
     "value exceeds dshell's limit of 64 MiB"),
    ('{{$x := printf "%9999999d" 1}}{{len (split $x "")}}',
     'template: :1:37: executing "" at <split $x "">: error calling split: result exceeds '
     "dshell's limit of 64 MiB"),
    ('{{pad "x" 100000000 0}}',
     'template: :1:2: executing "" at <pad "x" 100000000 0>: error calling pad: result exceeds '
     "dshell's limit of 64 MiB"),
    ('{{range 1000000}}{{len (printf "%9999999d" 1)}}{{end}}',
     'template: :1:19: executing "" at <len (printf "%9999999d" 1)>: error calling len: '
     "template execution handles more text than dshell's limit of 512 MiB"),
    ('{{$x := printf "%9999999d" 1}}{{$y := printf "%9999999d" 1}}'
     '{{range 100000000}}{{if eq $x $y}}{{end}}{{end}}',
     'template: :1:84: executing "" at <eq $x $y>: error calling eq: template execution '
     "handles more text than dshell's limit of 512 MiB"),
    ("{{range 1000000000}}{{end}}",
     'template: :1:8: executing "" at <{{range 1000000000}}{{end}}>: template execution '
     f"exceeds dshell's limit of {MAX_STEPS} steps"),
    ("{{range 100000}}{{range 100000}}x{{end}}{{end}}",
     'template: :1:24: executing "" at <{{range 100000}}x{{end}}>: template execution '
     f"exceeds dshell's limit of {MAX_STEPS} steps"),
]


@pytest.mark.parametrize(("template", "expected"), CAPS)
def test_no_template_hangs_or_eats_memory(template: str, expected: str) -> None:
    started = time.monotonic()
    assert error(template, list(range(100))) == expected
    assert time.monotonic() - started < 30


def test_a_cap_keeps_what_was_written_before_it() -> None:
    with pytest.raises(TemplateError) as caught:
        run('ab{{range 100}}{{printf "%9999999d" 1}}{{end}}')
    assert caught.value.output.startswith("ab ")


# --- comparisons: text/template funcs.go ------------------------------------------------------

CONTEXT_ROW = ClientContextContext(ClientContext("default", "Current DOCKER_HOST based "
                                                 "configuration", "unix:///var/run/docker.sock",
                                                 current=True))


def call_error(text: str, function: str, message: str) -> str:
    return f'template: :1:2: executing "" at <{text}>: error calling {function}: {message}'


COMPARISONS = [
    ("{{eq 1 2 3 1}}", "true"),
    ("{{eq 1 1 \"a\"}}", "true"),  # eq stops at the first match
    ("{{eq nil 1}}", "false"),
    ("{{eq 1 nil}}", "false"),
    ("{{eq .Name nil}}", "false"),
    ("{{eq true true}}", "true"),
    ("{{lt \"a\" \"b\"}}", "true"),
    ("{{le 2 2}}", "true"),
    ("{{ge \"b\" \"a\"}}", "true"),
    ("{{ne .Name \"default\"}}", "false"),
    ("{{eq .Current true}}", "true"),
    ("{{eq 1i 1i}}", "true"),
    ("{{eq 'a' 97}}", "true"),
    ("{{lt 0x10 17}}", "true"),
    ("{{lt 9223372036854775807 1}}", "false"),
    ("{{eq . .}}", "true"),
    ("{{eq .FullHeader nil}}", "true"),
]


@pytest.mark.parametrize(("template", "expected"), COMPARISONS)
def test_comparisons(template: str, expected: str) -> None:
    assert run(template, CONTEXT_ROW) == expected


COMPARISON_ERRORS = [
    ('{{gt 1 "a"}}', call_error('gt 1 "a"', "gt", "incompatible types for comparison")),
    ('{{eq 1 "a"}}', call_error('eq 1 "a"', "eq", "incompatible types for comparison")),
    ('{{eq 1 2 "a"}}', call_error('eq 1 2 "a"', "eq", "incompatible types for comparison")),
    ('{{ne 1 "a"}}', call_error('ne 1 "a"', "ne", "incompatible types for comparison")),
    ("{{eq 1}}", call_error("eq 1", "eq", "missing argument for comparison")),
    ("{{lt 1.5 2}}", call_error("lt 1.5 2", "lt", "incompatible types for comparison")),
    ("{{lt 1 2.0}}", call_error("lt 1 2.0", "lt", "incompatible types for comparison")),
    ("{{lt true false}}", call_error("lt true false", "lt", "invalid type for comparison")),
    ("{{lt 1i 2i}}", call_error("lt 1i 2i", "lt", "invalid type for comparison")),
    ("{{lt .Current 1}}", call_error("lt .Current 1", "lt", "incompatible types for comparison")),
    ("{{lt . 1}}", call_error("lt . 1", "lt", "invalid type for comparison")),
    ("{{eq . 1}}", call_error("eq . 1", "eq", "incompatible types for comparison")),
    ("{{gt 1 2 3}}",
     'template: :1:2: executing "" at <gt>: wrong number of args for gt: want 2 got 3'),
    ("{{lt 1}}", 'template: :1:2: executing "" at <lt>: wrong number of args for lt: want 2 got 1'),
    ("{{eq 18446744073709551615 1}}",
     'template: :1:5: executing "" at <18446744073709551615>: 18446744073709551615 overflows '
     "int"),
]


@pytest.mark.parametrize(("template", "expected"), COMPARISON_ERRORS)
def test_comparison_errors(template: str, expected: str) -> None:
    assert error(template, CONTEXT_ROW) == expected


# --- docker's typed context: `context inspect -f` ----------------------------------------------

DEFAULT = inspected_context("default", {}, {"docker": {
    "Host": "unix:///var/run/docker.sock", "SkipTLSVerify": False}}, {},
    ("<IN MEMORY>", "<IN MEMORY>"))
CTX1 = inspected_context("ctx1", {"Description": "hi there"}, {"docker": {
    "Host": "tcp://1.2.3.4:2376", "SkipTLSVerify": False}},
    {"docker": {"key.pem": b"", "ca.pem": b"", "cert.pem": b""}}, ("/m", "/t"))

TYPED = [
    ("{{.}}", "{{default { map[]} map[docker:{unix:///var/run/docker.sock false}]} map[] "
              "{<IN MEMORY> <IN MEMORY>}}"),
    ("{{.Name}}|{{.Metadata.Name}}", "default|default"),
    ("{{.Metadata.Metadata}}", "{ map[]}"),
    ("{{.Endpoints}}", "map[docker:{unix:///var/run/docker.sock false}]"),
    ("{{.Endpoints.docker.Host}}", "unix:///var/run/docker.sock"),
    ("{{.Endpoints.nope}}|{{.Endpoints.nope.Host}}", "<no value>|<no value>"),
    ("{{.TLSMaterial}}|{{.Storage}}", "map[]|{<IN MEMORY> <IN MEMORY>}"),
    ('{{printf "%T" .}}', "context.contextWithTLSListing"),
    ('{{printf "%T|%T" .Metadata.Metadata .Endpoints}}',
     "command.DockerContext|map[string]interface {}"),
    ('{{printf "%T|%T|%T" .Endpoints.docker .TLSMaterial .Storage}}',
     "context.EndpointMetaBase|map[string]store.EndpointFiles|store.StorageInfo"),
    ('{{printf "%+v" .}}', "{Metadata:{Name:default Metadata:{Description: AdditionalFields:map[]} "
                           "Endpoints:map[docker:{Host:unix:///var/run/docker.sock "
                           "SkipTLSVerify:false}]} TLSMaterial:map[] Storage:{MetadataPath:<IN "
                           "MEMORY> TLSPath:<IN MEMORY>}}"),
    ("{{json .Metadata}}", '{"Name":"default","Metadata":{},"Endpoints":{"docker":{"Host":'
                           '"unix:///var/run/docker.sock","SkipTLSVerify":false}}}'),
    ("{{json .}}", '{"Name":"default","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///var/'
                   'run/docker.sock","SkipTLSVerify":false}},"TLSMaterial":{},"Storage":{'
                   '"MetadataPath":"<IN MEMORY>","TLSPath":"<IN MEMORY>"}}'),
    ("{{json .Metadata.Metadata.AdditionalFields}}", "null"),
    ("{{eq .Storage .Storage}}|{{eq .Endpoints.docker .Endpoints.docker}}", "true|true"),
    ("{{eq .Name .Metadata.Name}}|{{eq .Endpoints nil}}|{{eq .TLSMaterial nil}}",
     "true|false|false"),
    ("{{eq .Metadata.Metadata nil}}|{{eq .Metadata.Metadata.AdditionalFields nil}}",
     "false|true"),
    ("{{index .Endpoints \"docker\"}}", "{unix:///var/run/docker.sock false}"),
    # index gives the element type's zero value: a nil store.EndpointFiles
    ('{{index .TLSMaterial "nope"}}|{{printf "%T" (index .TLSMaterial "nope")}}|'
     '{{json (index .TLSMaterial "nope")}}|{{len (index .TLSMaterial "nope")}}|'
     '{{eq (index .TLSMaterial "nope") nil}}', "[]|store.EndpointFiles|null|0|true"),
    ('{{index .Endpoints "nope"}}|{{printf "%T" (index .Endpoints "nope")}}',
     "<no value>|<nil>"),
]


@pytest.mark.parametrize(("template", "expected"), TYPED)
def test_typed_context(template: str, expected: str) -> None:
    assert run(template, DEFAULT) == expected


def at(text: str, column: int, message: str) -> str:
    return f'template: :1:{column}: executing "" at <{text}>: {message}'


def non_comparable(value: str, typ: str) -> str:
    return f"non-comparable type {value}: {typ}"


ENDPOINTS_S = "map[docker:{unix:///var/run/docker.sock %!s(bool=false)}]"
METADATA_S = "{default { map[]} " + ENDPOINTS_S + "}"

TYPED_ERRORS = [
    ("{{.Nope}}", at(".Nope", 2, "can't evaluate field Nope in type "
                                 "context.contextWithTLSListing")),
    ("{{.Metadata.Nope}}", at(".Metadata.Nope", 11, "can't evaluate field Nope in type "
                                                    "store.Metadata")),
    # a field of type any, and map[string]any's elements, have no concrete type to name
    ("{{.Metadata.Metadata.Nope}}", at(".Metadata.Metadata.Nope", 11,
                                       "can't evaluate field Nope in type interface {}")),
    ("{{.Endpoints.docker.Nope}}", at(".Endpoints.docker.Nope", 12,
                                      "can't evaluate field Nope in type interface {}")),
    ("{{range .Endpoints}}{{.Nope}}{{end}}",
     at(".Nope", 22, "can't evaluate field Nope in type interface {}")),
    ("{{range $k, $v := .Endpoints}}{{$v.Nope}}{{end}}",
     at("$v.Nope", 34, "can't evaluate field Nope in type interface {}")),
    # a pipeline's value is its concrete type again
    ("{{with .Endpoints.docker}}{{.Nope}}{{end}}",
     at(".Nope", 28, "can't evaluate field Nope in type context.EndpointMetaBase")),
    ("{{$x := .Endpoints.docker}}{{$x.Nope}}",
     at("$x.Nope", 31, "can't evaluate field Nope in type context.EndpointMetaBase")),
    ("{{(.Endpoints.docker).Nope}}",
     at(".Endpoints.docker", 13, "can't evaluate field Nope in type context.EndpointMetaBase")),
    ("{{.Storage.Nope}}", at(".Storage.Nope", 10, "can't evaluate field Nope in type "
                                                  "store.StorageInfo")),
    ("{{.Metadata.Metadata.Description.Nope}}",
     at(".Metadata.Metadata.Description.Nope", 11, "can't evaluate field Nope in type string")),
    ("{{len .Storage}}", at("len .Storage", 2, "error calling len: len of type "
                                               "store.StorageInfo")),
    ("{{eq .Endpoints .Storage}}",
     at("eq .Endpoints .Storage", 2, "error calling eq: non-comparable types " + ENDPOINTS_S
        + ": map[string]interface {}, store.StorageInfo: {<IN MEMORY> <IN MEMORY>}")),
    ("{{eq .Endpoints .Endpoints}}",
     at("eq .Endpoints .Endpoints", 2, "error calling eq: " + non_comparable(
         ENDPOINTS_S, "map[string]interface {}"))),
    ("{{eq .Metadata .Metadata}}",
     at("eq .Metadata .Metadata", 2, "error calling eq: " + non_comparable(
         METADATA_S, "store.Metadata"))),
    ("{{eq .Storage .Metadata}}",
     at("eq .Storage .Metadata", 2, "error calling eq: " + non_comparable(
         METADATA_S, "store.Metadata"))),
    ("{{lt .Storage 1}}", at("lt .Storage 1", 2, "error calling lt: invalid type for comparison")),
    ("{{eq .Storage 1}}", at("eq .Storage 1", 2,
                             "error calling eq: incompatible types for comparison")),
]


@pytest.mark.parametrize(("template", "expected"), TYPED_ERRORS)
def test_typed_context_errors(template: str, expected: str) -> None:
    assert error(template, DEFAULT) == expected


def test_stored_context_with_tls_and_description() -> None:
    assert run("{{.}}", CTX1) == ("{{ctx1 {hi there map[]} map[docker:{tcp://1.2.3.4:2376 "
                                  "false}]} map[docker:[ca.pem cert.pem key.pem]] {/m /t}}")
    assert run('{{json .TLSMaterial}}|{{printf "%T" .TLSMaterial.docker}}', CTX1) == (
        '{"docker":["ca.pem","cert.pem","key.pem"]}|store.EndpointFiles')
    assert run("{{json .Metadata.Metadata}}", CTX1) == '{"Description":"hi there"}'


# --- docker's context ls row ------------------------------------------------------------------

ROWS = [
    ("A{{.}}B", "AB"),  # the row is an error (it has Error()), and its Error() is ""
    ('{{printf "%v|%+v|%s" . . .}}', "||"),
    ('{{.FullHeader}}|{{printf "%T" .FullHeader}}', "<no value>|<nil>"),
]


@pytest.mark.parametrize(("template", "expected"), ROWS)
def test_context_ls_row(template: str, expected: str) -> None:
    assert run(template, CONTEXT_ROW) == expected


@pytest.mark.parametrize(("template", "expected"), [
    ("{{len .}}", at("len .", 2, "error calling len: len of type "
                                 "formatter.clientContextContext")),
    ("{{.FullHeader.X}}", at(".FullHeader.X", 13, "nil pointer evaluating interface {}.X")),
])
def test_context_ls_row_errors(template: str, expected: str) -> None:
    assert error(template, CONTEXT_ROW) == expected


# --- raw JSON (docker inspect's fallback): every value sits in an interface {} ----------------

IMAGE = {"RepoTags": ["busybox:latest"], "Size": 1982256,
         "Metadata": {"LastTagTime": "2025-01-01T00:00:00Z"}}


@pytest.mark.parametrize(("template", "expected"), [
    ("{{range .RepoTags}}{{.X}}{{end}}",
     at(".X", 21, "can't evaluate field X in type interface {}")),
    ("{{.Metadata.LastTagTime.X}}",
     at(".Metadata.LastTagTime.X", 11, "can't evaluate field X in type interface {}")),
    ("{{.Size.X}}", at(".Size.X", 7, "can't evaluate field X in type interface {}")),
])
def test_raw_json_fields_are_interfaces(template: str, expected: str) -> None:
    assert error(template, IMAGE) == expected


class ComponentVersion:
    go_type_name = "types.ComponentVersion"

    def __init__(self, name: str) -> None:
        self.Name = name


def test_structs_in_a_list_keep_their_type() -> None:
    # docker version's .Server.Components is a []types.ComponentVersion
    data = {"Components": [ComponentVersion("Engine")]}
    assert error("{{range .Components}}{{.Nope}}{{end}}", data) == at(
        ".Nope", 23, "can't evaluate field Nope in type types.ComponentVersion")


def test_a_template_is_parsed_once_and_each_caller_gets_its_own_copy():
    from dshell.render import gotemplate

    first = gotemplate.parse("{{.A}}-parse-once")
    second = gotemplate.parse("{{.A}}-parse-once")
    assert first is not second and first._root is second._root
    first.option("missingkey=error")
    assert second._missing_key == "default"
    assert second.execute({}) == "<no value>-parse-once"
