"""`docker version` output, checked against docker 28.2.2 run on the same daemon states.

Fixtures in data/version/<state>/: api.json is the daemon's /v1.41/version answer, the
docker*.stdout files are what docker printed for it (dev: the shared dev daemon; tuned: a daemon
started with --experimental; unreachable: no daemon at all).
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest

import dshell
from dshell.render.version import TemplateError, reformat_date, render_version, version_data

DATA = Path(__file__).parent / "data" / "version"
STATES = ("dev", "tuned")


def fixture(state: str, name: str) -> str:
    return (DATA / state / name).read_text()


def data_for(state: str, api_version: str = "1.41", default: str = "1.45"):
    server = json.loads(fixture(state, "api.json")) if state != "unreachable" else None
    return version_data(server, api_version=api_version, default_api_version=default,
                        context="default")


def server_block(text: str) -> str:
    return text[text.index("\nServer:"):]


@pytest.mark.parametrize("state", STATES)
def test_server_block_is_docker_exact(state):
    out = render_version(data_for(state), None)
    assert server_block(out) == server_block(fixture(state, "docker.stdout"))


def test_client_block_describes_dshell_in_docker_layout():
    out = render_version(data_for("dev"), None)
    assert out.split("\n\nServer:")[0] == "\n".join([
        "Client:",
        f" Version:           {dshell.__version__}",
        " API version:       1.41 (downgraded from 1.45)",
        f" Go version:        python{platform.python_version()}",
        " Git commit:        -",
        " Built:             -",
        " OS/Arch:           linux/amd64",
        " Context:           default",
    ])


def test_no_downgrade_note_when_negotiated_version_is_the_newest():
    out = render_version(data_for("dev", api_version="1.45"), None)
    assert " API version:       1.45\n" in out
    assert "downgraded" not in out


def test_unreachable_daemon_prints_only_the_client_block():
    out = render_version(data_for("unreachable", api_version="1.45"), None)
    docker = fixture("unreachable", "docker.stdout")
    assert out.count("\n") == docker.count("\n") == 8
    assert out.endswith(" Context:           default\n")
    assert "Server" not in out


def test_unreachable_daemon_json_has_null_server():
    out = render_version(data_for("unreachable", api_version="1.45"), "{{json .}}")
    assert out.endswith(',"Context":"default"},"Server":null}\n')
    assert fixture("unreachable", "docker-json.stdout").endswith(',"Server":null}\n')


@pytest.mark.parametrize("state", STATES)
def test_json_server_is_docker_exact(state):
    out = render_version(data_for(state), "{{json .Server}}")
    assert out == fixture(state, "docker-json-server.stdout")


@pytest.mark.parametrize("fmt", ["json", "{{json .}}"])
def test_json_of_everything_keeps_docker_field_order(fmt):
    out = render_version(data_for("dev"), fmt)
    docker = fixture("dev", "docker-json.stdout")
    assert out[out.index(',"Server":'):] == docker[docker.index(',"Server":'):]
    client = json.loads(out)["Client"]
    assert list(client) == ["Version", "ApiVersion", "DefaultAPIVersion", "GitCommit",
                            "GoVersion", "Os", "Arch", "BuildTime", "Context"]
    assert client["ApiVersion"] == "1.41" and client["DefaultAPIVersion"] == "1.45"


def test_templates_use_go_field_names():
    data = data_for("dev")
    fmt = "{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.Version}} {{.Client.Version}}"
    assert render_version(data, fmt) == f"1.41 1.41 20.10.24+dfsg1 {dshell.__version__}\n"


def test_user_templates_go_through_the_tabwriter():
    assert render_version(data_for("dev"), 'x{{"\\t"}}y') == "x" + " " * 19 + "y\n"


def test_unparsable_template_fails_like_docker_with_status_64():
    with pytest.raises(TemplateError) as caught:
        render_version(data_for("dev"), "{{.Foo")
    assert str(caught.value) == "template parsing error: template: version:1: unclosed action"
    assert caught.value.exit_status == 64


@pytest.mark.parametrize(
    ("fmt", "output", "message"),
    [
        ("{{.Foo}}", "\n", 'template: version:1:2: executing "version" at <.Foo>: '
         "can't evaluate field Foo in type system.versionInfo"),
        ("{{.Server.Foo}}", "\n", 'template: version:1:9: executing "version" at '
         "<.Server.Foo>: can't evaluate field Foo in type *types.Version"),
        ("a{{.Client.Nope}}", "a\n", 'template: version:1:10: executing "version" at '
         "<.Client.Nope>: can't evaluate field Nope in type system.clientVersion"),
    ],
)
def test_failing_template_keeps_docker_output_message_and_status(fmt, output, message):
    with pytest.raises(TemplateError) as caught:
        render_version(data_for("dev"), fmt)
    assert (caught.value.output, str(caught.value), caught.value.exit_status) == (
        output, message, 1
    )


def test_engine_component_is_synthesised_for_daemons_without_components():
    server = json.loads(fixture("dev", "api.json"))
    server["Components"] = [c for c in server["Components"] if c["Name"] != "Engine"]
    data = version_data(server, api_version="1.41", default_api_version="1.45",
                        context="default")
    out = render_version(data, None)
    assert out.endswith(
        " docker-init:\n  Version:          0.19.0\n  GitCommit:        \n"
        " Engine:\n"
        "  Version:          20.10.24+dfsg1\n"
        "  API version:      1.41 (minimum version 1.12)\n"
        "  Go version:       go1.19.8\n"
        "  Git commit:       5d6db84\n"
        "  Built:            Thu May  7 21:09:36 2026\n"
        "  OS/Arch:          linux/amd64\n"
        "  Experimental:     false\n"
    )


def test_long_detail_keys_widen_their_column_block():
    server = json.loads(fixture("dev", "api.json"))
    server["Components"].append(
        {"Name": "extra", "Version": "1", "Details": {"AVeryLongDetailKeyName": "x"}}
    )
    data = version_data(server, api_version="1.41", default_api_version="1.45",
                        context="default")
    out = render_version(data, None)
    # A line without a tab (" extra:") ends a column block: only this block widens.
    width = len("  AVeryLongDetailKeyName:") + 1
    assert out.endswith(
        " extra:\n" + "  Version:".ljust(width) + "1\n" + "  AVeryLongDetailKeyName: x\n"
    )
    assert "  GitCommit:        \n extra:" in out


@pytest.mark.parametrize(
    ("raw", "ansic"),
    [
        ("2026-05-07T21:09:36.000000000+00:00", "Thu May  7 21:09:36 2026"),
        ("2025-05-30T12:07:14Z", "Fri May 30 12:07:14 2025"),
        ("2025-05-30T12:07:14.5+02:00", "Fri May 30 12:07:14 2025"),
        ("not a date", "not a date"),
        ("2025-13-30T12:07:14Z", "2025-13-30T12:07:14Z"),
    ],
)
def test_build_times_are_reformatted_like_go(raw, ansic):
    assert reformat_date(raw) == ansic
