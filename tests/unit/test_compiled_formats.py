"""The compiled row formatter must print what the Go-template executor prints, row for row.

formatter.compile_row turns templates made of text, plain fields, ``{{json .}}`` and ``if`` on
a field into direct formatters; everything else (functions, pipelines, ``range``, arguments)
keeps the executor. These tests run both paths over awkward rows and formats and compare.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from dshell.render import formatter, gotemplate
from dshell.render.containers import (
    CONTAINER_HEADER,
    DEFAULT_CONTAINER_TABLE_FORMAT,
    ContainerContext,
    container_format,
    render_containers,
)
from dshell.render.formatter import FormatError, compile_row, prepare_format, render_list
from dshell.render.images import (
    DEFAULT_IMAGE_TABLE_FORMAT,
    DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST,
    image_contexts,
    render_images,
)
from dshell.render.networks import (
    DEFAULT_NETWORK_TABLE_FORMAT,
    NetworkContext,
    render_networks,
)
from dshell.render.volumes import DEFAULT_VOLUME_TABLE_FORMAT, VolumeContext, render_volumes

NOW = 1_764_000_000

CONTAINERS = [
    {},  # every field missing
    {
        "Id": "a" * 64,
        "Names": ["/plain"],
        "Image": "busybox",
        "ImageID": "sha256:" + "b" * 64,
        "Command": "true",
        "Created": NOW - 5,
        "State": "exited",
        "Status": "Exited (0) 2 seconds ago",
    },
    {
        "Id": "c" * 64,
        "Names": ["/ünïcödé-名前", "/other/link"],
        "Image": "docker.io/library/busybox@sha256:" + "d" * 64,
        "ImageID": "sha256:" + "d" * 64,
        "Command": 'sh -c "echo 世界世界世界世界世界 100% \\\\ done"\n\t',
        "Created": NOW - 7200,
        "Ports": [
            {"PrivatePort": 80, "PublicPort": 8080, "IP": "0.0.0.0", "Type": "tcp"},
            {"PrivatePort": 53, "Type": "udp"},
            {"PrivatePort": 81, "PublicPort": 81, "IP": "::", "Type": "tcp"},
        ],
        "Labels": {"tier": "web", "empty": "", "ü": "ß"},
        "State": "running",
        "Status": "Up 2 hours",
        "SizeRw": 12345,
        "SizeRootFs": 2_000_000,
        "Mounts": [{"Name": "v" * 40, "Driver": "local"}, {"Source": "/host/path"}],
        "NetworkSettings": {"Networks": {"none": {}, "host": {}}},
        "ImageManifestDescriptor": {"platform": {"os": "linux", "architecture": "amd64"}},
    },
    {
        "Id": "sha256:" + "e" * 64,
        "Names": [],
        "Image": "sha256:" + "f" * 64,
        "ImageID": "sha256:" + "f" * 64,
        "Command": "",
        "Created": NOW + 30,  # a clock behind the daemon's
        "Status": "",
    },
]

CONTAINER_FORMATS = [
    DEFAULT_CONTAINER_TABLE_FORMAT,
    DEFAULT_CONTAINER_TABLE_FORMAT + "\t{{.Size}}",
    "table {{.Names}}\t{{.Status}}",
    "table {{.ID}}\\t{{.Command}}\\t{{.State}}",
    "  table   {{.Names}}\t{{.Ports}}  ",
    "{{.Names}}\t{{.Status}}\t{{.Labels}}",
    "{{.ID}}",
    "json",
    "table {{json .}}",
    "{{.Platform}} {{.Mounts}} {{.Networks}} {{.LocalVolumes}} {{.CreatedAt}}",
    "{{.Names}} 100% %s %%",
    "{{- .ID -}}  |  {{/* a comment */}}{{.Image}}",
    "{{if .Ports}}{{.Ports}}{{else}}-{{end}}|{{if .Status}}up{{end}}",
    "table {{if .Labels}}{{.Labels}}{{else}}{{if .Names}}{{.Names}}{{end}}{{end}}",
    "{{.Label}}",
    "{{.NoSuchField}}",
    "{{.size_used}}",
    "{{.Names.Foo}}",
]


def executor_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the light front end nor the compiler: every row through the executor."""
    monkeypatch.setattr(formatter, "_plain_pieces", lambda text: None)
    monkeypatch.setattr(formatter, "compile_row", lambda template, context_type: None)


def both(monkeypatch: pytest.MonkeyPatch, render) -> tuple[object, object]:  # noqa: ANN001
    """``render()`` with the compiled path, then with the executor only: output or error."""

    def outcome() -> object:
        try:
            return render()
        except FormatError as err:
            return ("error", str(err))

    compiled = outcome()
    with monkeypatch.context() as patch:
        executor_only(patch)
        executed = outcome()
    return compiled, executed


@pytest.mark.parametrize("trunc", [True, False], ids=["trunc", "no-trunc"])
@pytest.mark.parametrize("fmt", CONTAINER_FORMATS)
def test_containers_render_alike_on_both_paths(monkeypatch, utc, fmt, trunc):
    compiled, executed = both(
        monkeypatch, lambda: render_containers(CONTAINERS, fmt, trunc=trunc, now=NOW)
    )
    assert compiled == executed
    compiled, executed = both(monkeypatch, lambda: render_containers([], fmt, trunc=trunc))
    assert compiled == executed


@pytest.mark.parametrize(
    "text",
    [
        "{{.ID}}\t{{.Image}}",
        "{{ .ID }} x }} y",
        "{{if .Ports}}{{.Ports}}{{else}}-{{end}}",
        "{{if .A }}{{if .B}}b{{else}}{{.C}}{{end}}{{else}}{{if .D}}d{{end}}{{end}}tail",
        "no action at all",
        "",
    ],
)
def test_the_light_front_end_reads_what_the_parser_reads(text):
    assert formatter._plain_pieces(text) == formatter._template_pieces(
        gotemplate.parse(text)._root.nodes
    )


@pytest.mark.parametrize(
    "text",
    [
        "{{- .ID}}",
        "{{.ID -}}",
        "{{/* c */}}",
        "{{json .}}",
        "{{.A.B}}",
        "{{ else }}",
        "{{end}}",
        "{{if .A}}x",
        "{{if .A}}{{else}}{{else}}{{end}}",
        "{{else if .A}}",
        "{{{.ID}}",
        "{{.ID}} {{",
        "{{.ID}}{{$x}}",
        '{{"}}"}}',
    ],
)
def test_the_light_front_end_leaves_the_rest_to_the_parser(text):
    assert formatter._plain_pieces(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "{{.ID}}\t{{.Names}}\t{{.Nope}}",
        "{{if .Ports}}{{.Ports}}{{else}}-{{end}}|{{if .Nope}}a{{else}}{{.Image}}{{end}}",
        "{{if .Nope}}{{.Label}}{{end}}",
    ],
)
def test_the_light_header_is_the_executors(text):
    light = formatter._plain_header(formatter._plain_pieces(text), CONTAINER_HEADER)
    assert light == formatter._header_row(text, CONTAINER_HEADER)


@pytest.mark.parametrize("text", ["{{.Label}}", "{{.go_type_name}}", "{{if .Label}}x{{end}}"])
def test_the_header_context_answers_these_itself(text):
    assert formatter._plain_header(formatter._plain_pieces(text), CONTAINER_HEADER) is None


@pytest.mark.parametrize("fmt", CONTAINER_FORMATS)
def test_each_compiled_row_equals_the_executed_row(utc, fmt):
    template = gotemplate.parse(prepare_format(fmt))
    compiled = compile_row(template, ContainerContext)
    if compiled is None:
        return
    for summary in CONTAINERS:
        for trunc in (True, False):
            context = ContainerContext(summary, trunc=trunc, now=NOW)
            assert compiled(context) == template.execute(context)


@pytest.mark.parametrize(
    ("fmt", "context_type"),
    [
        (DEFAULT_CONTAINER_TABLE_FORMAT, ContainerContext),
        (DEFAULT_CONTAINER_TABLE_FORMAT + "\t{{.Size}}", ContainerContext),
        ("table {{.Names}}\t{{.Status}}", ContainerContext),
        ("json", ContainerContext),
        (DEFAULT_IMAGE_TABLE_FORMAT, type(image_contexts([{"RepoTags": ["a:b"]}], "")[0])),
        (DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST, type(image_contexts([{}], "")[0])),
        (DEFAULT_NETWORK_TABLE_FORMAT, NetworkContext),
        (DEFAULT_VOLUME_TABLE_FORMAT, VolumeContext),
    ],
)
def test_docker_default_formats_compile(fmt, context_type):
    assert compile_row(gotemplate.parse(prepare_format(fmt)), context_type) is not None


@pytest.mark.parametrize(
    "fmt",
    [
        '{{.Label "tier"}}',
        "{{upper .Names}}",
        '{{.Names | printf "%q"}}',
        "{{range .Names}}x{{end}}",
        "{{with .Names}}{{.}}{{end}}",
        "{{$x := .Names}}{{$x}}",
        "{{json .Names}}",
        '{{if eq .State "running"}}up{{end}}',
        "{{.Label}}",
        "{{.NoSuchField}}",
        "{{.size_used}}",
        "{{.Names.Foo}}",
        "{{.}}",
    ],
)
def test_anything_but_plain_fields_keeps_the_executor(fmt):
    assert compile_row(gotemplate.parse(fmt), ContainerContext) is None


def test_errors_are_the_executors(utc):
    with pytest.raises(FormatError, match="can't evaluate field NoSuchField"):
        render_containers(CONTAINERS, "{{.NoSuchField}}", now=NOW)
    with pytest.raises(FormatError, match="wrong number of args for Label"):
        render_containers(CONTAINERS, "table {{.Label}}", now=NOW)


def test_a_row_that_is_not_text_is_printed_as_go_prints_it(utc):
    """``Platform`` is a pointer: ``<nil>`` or ``linux/amd64``, through fmt as the executor."""
    out = render_containers(CONTAINERS, "{{.Platform}}", now=NOW)
    assert out == "<nil>\n<nil>\nlinux/amd64\n<nil>\n"


def test_an_empty_listing_prints_the_header_only():
    assert render_containers([], container_format(None, None, False, False)) == (
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n"
    )
    assert render_list("table {{.ID}}", [], CONTAINER_HEADER) == "CONTAINER ID\n"


IMAGES = [
    {"Id": "sha256:" + "1" * 64, "RepoTags": ["busybox:latest", "ünï/x:tag"], "Created": NOW,
     "Size": 1_980_000, "RepoDigests": ["busybox@sha256:" + "2" * 64]},
    {"Id": "sha256:" + "3" * 64, "RepoTags": [], "RepoDigests": [], "Created": -62135596800,
     "Size": 0, "Containers": -1, "SharedSize": -1},
    {"Id": "sha256:" + "4" * 64, "RepoTags": ["<none>:<none>"], "RepoDigests": ["<none>@<none>"],
     "Created": NOW - 86400 * 40, "Size": 123_456_789_012, "Containers": 2, "SharedSize": 5},
    {"Id": "sha256:" + "5" * 64, "RepoDigests": ["localhost:5000/app@sha256:" + "6" * 64],
     "Created": NOW - 3, "Size": 999},
]  # fmt: skip


@pytest.mark.parametrize("digests", [False, True], ids=["", "digests"])
@pytest.mark.parametrize("trunc", [True, False], ids=["trunc", "no-trunc"])
@pytest.mark.parametrize(
    "fmt",
    [
        DEFAULT_IMAGE_TABLE_FORMAT,
        DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST,
        "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}",
        "{{.Repository}}:{{.Tag}} {{.Size}} {{.VirtualSize}} {{.SharedSize}} {{.UniqueSize}}",
        "{{.Containers}} {{.CreatedAt}} {{if .CreatedSince}}{{.CreatedSince}}{{else}}N/A{{end}}",
        "json",
        "{{.ID}}",
    ],
)
def test_images_render_alike_on_both_paths(monkeypatch, utc, fmt, trunc, digests):
    compiled, executed = both(
        monkeypatch,
        lambda: render_images(IMAGES, fmt, trunc=trunc, digests=digests, now=NOW),
    )
    assert compiled == executed
    assert "N/A" in render_images(IMAGES, DEFAULT_IMAGE_TABLE_FORMAT, now=NOW)


NETWORKS = [
    {"Id": "9" * 64, "Name": "net10", "Driver": "bridge", "Scope": "local",
     "Labels": {"a": "1", "b": ""}, "Created": "2026-11-28T05:27:06.444433553Z",
     "EnableIPv6": True},
    {"Id": "8" * 64, "Name": "net9", "Driver": "", "Scope": "local", "Internal": True},
    {"Name": "名前"},
]  # fmt: skip

VOLUMES = [
    {"Name": "vol10", "Driver": "local", "Mountpoint": "/var/lib/x", "Labels": {"k": "v"},
     "UsageData": {"RefCount": 2, "Size": 4096}},
    {"Name": "vol9", "Driver": "", "Scope": "local"},
    {"Name": "ünï", "Driver": "local", "ClusterVolume": {"Spec": {"Group": "g"},
                                                         "PublishStatus": [{}, {}]}},
]  # fmt: skip


@pytest.mark.parametrize("trunc", [True, False], ids=["trunc", "no-trunc"])
@pytest.mark.parametrize(
    "fmt",
    [
        DEFAULT_NETWORK_TABLE_FORMAT,
        "table {{.Name}}\t{{.IPv4}}\t{{.IPv6}}\t{{.Internal}}\t{{.Labels}}\t{{.CreatedAt}}",
        "json",
        "{{.ID}}",
    ],
)
def test_networks_render_alike_on_both_paths(monkeypatch, utc, fmt, trunc):
    compiled, executed = both(monkeypatch, lambda: render_networks(NETWORKS, fmt, trunc=trunc))
    assert compiled == executed


@pytest.mark.parametrize(
    "fmt",
    [
        DEFAULT_VOLUME_TABLE_FORMAT,
        "table {{.Name}}\t{{.Mountpoint}}\t{{.Labels}}\t{{.Links}}\t{{.Size}}",
        "{{.Group}} {{.Availability}} {{.Status}} {{.Scope}}",
        "json",
        "{{.Name}}",
    ],
)
def test_volumes_render_alike_on_both_paths(monkeypatch, fmt):
    compiled, executed = both(monkeypatch, lambda: render_volumes(VOLUMES, fmt))
    assert compiled == executed


def test_compiled_tables_keep_titles_natural_order_and_wide_characters():
    assert render_networks(NETWORKS, DEFAULT_NETWORK_TABLE_FORMAT) == (
        "NETWORK ID     NAME      DRIVER    SCOPE\n"
        "888888888888   net9                local\n"
        "999999999999   net10     bridge    local\n"
        "               名前                \n"
    )


@pytest.mark.parametrize(
    "fmt",
    [
        DEFAULT_CONTAINER_TABLE_FORMAT,
        DEFAULT_CONTAINER_TABLE_FORMAT + "\t{{.Size}}",
        DEFAULT_IMAGE_TABLE_FORMAT,
        DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST,
        DEFAULT_NETWORK_TABLE_FORMAT,
        DEFAULT_VOLUME_TABLE_FORMAT,
    ],
)
def test_docker_default_tables_need_no_template_parser(fmt):
    assert formatter._plain_pieces(prepare_format(fmt)) is not None


def test_default_listings_do_not_load_the_template_package():
    """The cold ``dshell -c 'ps -a'`` path: importing and running the Go-template package
    costs a start ~15 ms, and docker's default tables do not need it."""
    code = (
        "import sys\n"
        "from dshell.render import containers, images, networks, volumes\n"
        "containers.render_containers([{'Id': 'a' * 64, 'Names': ['/x']}],"
        " containers.container_format(None, None, False, False))\n"
        "images.render_images([{'Id': 'b', 'RepoTags': ['x:y']}],"
        " images.image_format(None, None, False, False))\n"
        "networks.render_networks([{'Name': 'n'}], networks.network_format(None, '', False))\n"
        "volumes.render_volumes([{'Name': 'v'}], volumes.volume_format(None, '', False))\n"
        "print(sorted(m for m in sys.modules if m.startswith('dshell.render.gotemplate')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


@pytest.mark.parametrize(
    ("source", "asks_sizes"),
    [
        ("{{.Size}}", True),
        ("table {{.Names}}\\t{{.Size}}", True),
        ("table {{.Names}}\\t{{.Status}}", False),
        ("{{if .Names}}{{.Size}}{{end}}", False),  # the empty container has no name
        ("{{if .Status}}x{{else}}{{.Size}}{{end}}", True),
        ("json", False),  # the literal word: docker's ps passes "json" as it is
        ("{{json .}}", True),
        ("{{.Platform}}", False),
        ("{{.Nope}}", None),
        ("{{if .Nope}}{{end}}", None),
        ("{{.Label}}", None),
        ("{{.Names", None),
    ],
)
def test_the_size_probe_of_plain_formats_is_the_executors(monkeypatch, source, asks_sizes):
    from dshell.render import containers

    def probe() -> object:
        try:
            return containers.container_list_size(source, None, False, None)
        except FormatError as err:
            return str(err)

    light = probe()
    with monkeypatch.context() as patch:
        patch.setattr(containers, "_probe_plain", lambda source: None)
        executed = probe()
    assert light == executed
    assert light == asks_sizes if asks_sizes is not None else isinstance(light, str)
