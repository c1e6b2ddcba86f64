"""`docker ps` rendering, checked against output recorded from the docker 28 CLI.

tests/unit/data/ps/ holds `/containers/json?all=1` answers from dockerd 20.10 and, beside
them, what `docker ps` printed for the same state (cases.json: arguments and the clock).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dshell.render.containers import (
    ContainerContext,
    container_format,
    container_list_size,
    displayable_ports,
    render_containers,
)
from dshell.render.formatter import FormatError, ellipsis, go_quote, render_list, truncate_id

DATA = Path(__file__).parent / "data" / "ps"
CASES = json.loads((DATA / "cases.json").read_text())
NOW = CASES["now"]


pytestmark = pytest.mark.usefixtures("utc")


def load(name: str) -> list[dict]:
    return json.loads((DATA / f"{name}.json").read_text())


def by_name(name: str, source: str = "containers") -> dict:
    return next(c for c in load(source) if c["Names"] == [f"/{name}"])


def golden(case: str) -> str:
    return (DATA / f"{case}.golden").read_text()


# --- fields -------------------------------------------------------------------------------


def test_id_is_cut_to_twelve_unless_no_trunc() -> None:
    summary = by_name("h3-sleep")
    assert ContainerContext(summary).ID() == "3bf292e48b44"
    assert ContainerContext(summary, trunc=False).ID() == summary["Id"]


def test_command_is_quoted_go_style_and_cut_at_twenty_display_columns() -> None:
    long = ContainerContext(by_name("h3-long"))
    assert long.Command() == '"sh -c \'echo \\"hello …"'
    wide = ContainerContext(by_name("h3-created"))
    assert wide.Command() == "\"echo 'héllo 世界 wi…\""
    assert ContainerContext(by_name("h3-created"), trunc=False).Command() == (
        "\"echo 'héllo 世界 wide characters here'\""
    )


@pytest.mark.parametrize(
    ("name", "image"),
    [
        ("h3-sleep", "busybox"),
        ("h3-byid", "6ab194ac6f50"),  # created from the full sha256 ID
        ("h3-short", "6ab194ac6f50"),
        ("h3-fullref", "busybox:latest"),  # docker.io/library/ made familiar
        ("h3-tagged", "h3/one:v1"),
    ],
)
def test_image_is_familiar_or_a_short_id(name: str, image: str) -> None:
    assert ContainerContext(by_name(name)).Image() == image


def test_image_without_trunc_is_what_the_daemon_said() -> None:
    summary = by_name("h3-byid")
    assert ContainerContext(summary, trunc=False).Image() == summary["Image"]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("", "<no image>"),
        ("docker.io/library/nginx:1.25@sha256:" + "a" * 64, "nginx:1.25"),
        ("example.com:5000/team/app@sha256:" + "b" * 64, "example.com:5000/team/app"),
        ("index.docker.io/user/app", "user/app"),
        ("Not/A/Valid:Reference", "Not/A/Valid:Reference"),
    ],
)
def test_image_digests_are_dropped_and_invalid_references_kept(image: str, expected: str) -> None:
    context = ContainerContext({"Image": image, "ImageID": "sha256:" + "c" * 64})
    assert context.Image() == expected


def test_names_drop_the_slash_and_link_aliases() -> None:
    summary = {"Names": ["/web/db-alias", "/db", "/other/db"]}
    assert ContainerContext(summary).Names() == "db"
    assert ContainerContext(summary, trunc=False).Names() == "web/db-alias,db,other/db"


def test_labels_are_sorted_and_label_reads_one() -> None:
    context = ContainerContext(by_name("h3-labels"))
    assert context.Labels() == "a=2,b=4,m=3,y=5,z=1"
    assert context.Label("m") == "3"
    assert context.Label("missing") == ""
    assert ContainerContext({"Labels": None}).Labels() == ""


def test_mounts_networks_and_local_volumes() -> None:
    volume = ContainerContext(by_name("h3-sleep"))
    assert (volume.Mounts(), volume.LocalVolumes(), volume.Networks()) == ("h3vol", "1", "none")
    bind = ContainerContext(by_name("h3-bind"))
    assert (bind.Mounts(), bind.LocalVolumes()) == ("/tmp", "0")
    anonymous = {"Mounts": [{"Name": "f" * 64, "Source": "/x", "Driver": "local"}]}
    assert ContainerContext(anonymous).Mounts() == "f" * 14 + "…"
    assert ContainerContext(anonymous, trunc=False).Mounts() == "f" * 64
    assert ContainerContext({"NetworkSettings": None}).Networks() == ""


def test_size_needs_the_daemon_sizes_and_records_its_use() -> None:
    sized = ContainerContext(by_name("h3-sleep", "containers_size"))
    assert not sized.size_used
    assert sized.Size() == "0B (virtual 1.98MB)"
    assert sized.size_used
    assert ContainerContext(by_name("h3-sleep")).Size() == "0B"
    assert ContainerContext({"SizeRw": 2, "SizeRootFs": 21500000}).Size() == "2B (virtual 21.5MB)"


def test_created_at_is_go_time_string_and_running_for_an_age() -> None:
    summary = by_name("h3-labels")
    context = ContainerContext(summary, now=summary["Created"] + 125)
    assert context.CreatedAt() == "2026-11-28 05:31:16 +0000 UTC"
    assert context.RunningFor() == "2 minutes ago"
    assert ContainerContext(summary, now=summary["Created"]).RunningFor() == (
        "Less than a second ago"
    )


def test_created_at_follows_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    context = ContainerContext({"Created": 1795843876})
    assert context.CreatedAt() == "2026-11-28 00:31:16 -0500 EST"


def test_platform_is_nil_on_api_141() -> None:
    assert str(ContainerContext(by_name("h3-sleep")).Platform()) == "<nil>"
    summary = {"ImageManifestDescriptor": {"platform": {"os": "linux", "architecture": "arm64",
                                                        "variant": "v8"}}}
    assert str(ContainerContext(summary).Platform()) == "linux/arm64/v8"


# --- ports (cases from docker/cli's TestDisplayablePorts, IPv6 as docker 28 prints it) ------


def port(private: int, proto: str = "tcp", ip: str = "", public: int = 0) -> dict:
    return {"IP": ip, "PrivatePort": private, "PublicPort": public, "Type": proto}


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([], ""),
        ([port(9988)], "9988/tcp"),
        ([port(9988, ip="0.0.0.0")], "0.0.0.0:0->9988/tcp"),
        ([port(9988, public=8899)], "9988/tcp"),
        ([port(9988, ip="4.3.2.1", public=8899)], "4.3.2.1:8899->9988/tcp"),
        ([port(9988, ip="4.3.2.1", public=9988)], "4.3.2.1:9988->9988/tcp"),
        ([port(9988, "udp"), port(9988, "udp")], "9988/udp, 9988/udp"),
        (
            [port(9998, "udp", "1.2.3.4", 9998), port(9999, "udp", "1.2.3.4", 9999)],
            "1.2.3.4:9998-9999->9998-9999/udp",
        ),
        (
            [port(9998, "udp", "1.2.3.4", 8887), port(9999, "udp", "1.2.3.4", 8888)],
            "1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp",
        ),
        ([port(9999, "udp"), port(9998, "udp")], "9998-9999/udp"),
        (
            [port(6677, ip="1.2.3.4", public=7766), port(9988, "udp", public=8899)],
            "9988/udp, 1.2.3.4:7766->6677/tcp",
        ),
        (
            [port(9988, "udp", "1.2.3.4", 8899), port(9988, "tcp", "1.2.3.4", 8899),
             port(2233, "tcp", "4.3.2.1", 3322)],
            "4.3.2.1:3322->2233/tcp, 1.2.3.4:8899->9988/tcp, 1.2.3.4:8899->9988/udp",
        ),
        (
            [port(80, ip="::", public=8080), port(80, ip="0.0.0.0", public=8080)],
            "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",
        ),
        (
            [port(80, ip="::", public=80), port(81, ip="::", public=81)],
            "[::]:80-81->80-81/tcp",
        ),
        (
            [port(80), port(81), port(82), port(90), port(443, "udp")],
            "80-82/tcp, 90/tcp, 443/udp",
        ),
    ],
)
def test_displayable_ports(ports: list[dict], expected: str) -> None:
    assert displayable_ports(ports) == expected


# --- display helpers shared by the formatters --------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("sleep 3600", 20, "sleep 3600"),
        ("abcdefghijklmnopqrstuvwxyz", 20, "abcdefghijklmnopqrs…"),
        ("abcdefghijklmnopqrst", 20, "abcdefghijklmnopqrst"),
        ("t\u00e9l\u00e9phone portable de luxe", 20, "t\u00e9l\u00e9phone portable …"),
        ("世界世界世界世界世界世界", 20, "世界世界世界世界世…"),
        ("abc", 1, "a"),
        ("abc", 0, ""),
    ],
)
def test_ellipsis_counts_east_asian_wide_as_two(text: str, width: int, expected: str) -> None:
    assert ellipsis(text, width) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sleep 3600", '"sleep 3600"'),
        ('say "hi" \\o/', '"say \\"hi\\" \\\\o/"'),
        ("tab\there\nnl", '"tab\\there\\nnl"'),
        ("\x1b[0m\x7f", '"\\x1b[0m\\x7f"'),
        ("héllo 世界", '"héllo 世界"'),
        ("\u00a0\u200b", '"\\u00a0\\u200b"'),
        ("\U0001f600", '"\U0001f600"'),
    ],
)
def test_go_quote(text: str, expected: str) -> None:
    assert go_quote(text) == expected


def test_truncate_id() -> None:
    assert truncate_id("sha256:6ab194ac6f50a2e24f0ea427c6495a177f3f") == "6ab194ac6f50"
    assert truncate_id("6ab194ac6f50a2e24f0e") == "6ab194ac6f50"
    assert truncate_id("busybox:latest") == "latest"


# --- choosing the format ------------------------------------------------------------------

DEFAULT_TABLE = (
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
)


@pytest.mark.parametrize(
    ("fmt", "config", "quiet", "size", "expected"),
    [
        (None, None, False, False, DEFAULT_TABLE),
        ("", None, False, True, DEFAULT_TABLE + "\t{{.Size}}"),
        ("table", None, False, False, DEFAULT_TABLE),
        (None, None, True, False, "{{.ID}}"),
        ("{{.Names}}", None, True, False, "{{.ID}}"),  # -q wins, docker warns
        ("table {{.Names}}", None, True, False, "{{.ID}}"),
        ("{{.Names}}", None, False, True, "{{.Names}}"),
        (None, "table {{.Names}}", False, False, "table {{.Names}}"),
        ("{{.ID}}", "table {{.Names}}", False, False, "{{.ID}}"),
        (None, "{{.Names}}", True, False, "{{.ID}}"),
        ("raw", None, True, False, "container_id: {{.ID}}"),
    ],
)
def test_container_format(fmt, config, quiet, size, expected) -> None:
    assert container_format(fmt, config, quiet, size) == expected


def test_raw_format_gets_a_size_line_with_sizes() -> None:
    assert container_format("raw", None, False, True).endswith(
        "ports: {{- pad .Ports 1 0}}\nsize: {{.Size}}\n"
    )


# --- whole outputs against docker's -------------------------------------------------------


def args_of(case: str) -> list[str]:
    return CASES["cases"][case]["args"]


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


@pytest.mark.parametrize("case", sorted(CASES["cases"]))
def test_output_matches_docker(case: str) -> None:
    args = args_of(case)
    fmt = option(args, "--format")
    quiet = "-q" in args
    size = container_list_size(fmt, None, quiet, True if "-s" in args else None)
    containers = load("containers_size" if size else "containers")
    rendered = render_containers(
        containers,
        container_format(fmt, None, quiet, size),
        trunc="--no-trunc" not in args,
        now=NOW,
    )
    assert rendered == golden(case)


def test_format_using_size_asks_for_sizes_unless_quiet_or_size_false() -> None:
    assert container_list_size("{{json .}}", None, False, None) is True
    assert container_list_size("table {{.Names}}\t{{.Size}}", None, False, None) is True
    assert container_list_size(None, "{{.Size}}", False, None) is True
    assert container_list_size("json", None, False, None) is False  # the word, not a template
    assert container_list_size("{{.Size}}", None, True, None) is False
    assert container_list_size("{{.Size}}", None, False, False) is False
    assert container_list_size(None, None, False, True) is True
    assert container_list_size("{{.Names}}", None, False, None) is False


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("{{.ID", "failed to parse template: template: :1: unclosed action"),
        (
            "table {{.Foo}}",
            'failed to execute template: template: :1:8: executing "" at <.Foo>: '
            "can't evaluate field Foo in type *formatter.ContainerContext",
        ),
        (
            "{{.ID}} {{.Label}}",
            'failed to execute template: template: :1:10: executing "" at <.Label>: '
            "wrong number of args for Label: want 1 got 0",
        ),
    ],
)
def test_bad_templates_fail_before_listing_with_docker_messages(fmt: str, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        container_list_size(fmt, None, False, None)
    assert str(caught.value) == message


def test_rendering_errors_are_template_parsing_errors_and_print_nothing() -> None:
    with pytest.raises(FormatError) as caught:
        render_containers(load("containers"), "{{.Foo}}")
    assert str(caught.value) == (
        'template parsing error: template: :1:2: executing "" at <.Foo>: '
        "can't evaluate field Foo in type *formatter.ContainerContext"
    )


def test_empty_list_prints_only_the_header_for_tables() -> None:
    assert render_containers([], container_format(None, None, False, False)) == (
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n"
    )
    assert render_containers([], "{{.Names}}") == ""
    assert render_containers([], "table {{.Names}}\t{{.Ports}}") == "NAMES     PORTS\n"


def test_header_keeps_titles_through_functions_and_labels() -> None:
    fmt = 'table {{upper .Names}}\t{{json .ID}}\t{{.Label "com.example.some-key"}}\t{{.Nope}}'
    assert render_list(fmt, [], {"Names": "NAMES", "ID": "CONTAINER ID"}) == (
        "NAMES     CONTAINER ID   some key   <no value>\n"
    )


def test_header_stops_where_a_header_function_fails_as_docker_does() -> None:
    fmt = "table {{.Names}}\t{{json .}}\t{{.ID}}"
    assert render_list(fmt, [], {"Names": "NAMES", "ID": "CONTAINER ID"}) == "NAMES     \n"


def test_json_escapes_html_characters_like_docker() -> None:
    summary = {"Id": "x", "Names": ["/a"], "Labels": {"k": "<b>&"}, "Command": "echo <hi>"}
    line = render_containers([summary], "{{json .}}", now=0)
    assert '"Labels":"k=\\u003cb\\u003e\\u0026"' in line
    assert '"Command":"\\"echo \\u003chi\\u003e\\""' in line
    assert render_containers([summary], "{{json .Labels}}") == '"k=<b>&"\n'
