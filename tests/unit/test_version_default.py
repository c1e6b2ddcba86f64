"""`version`'s default output is written out directly (no template engine on a cold start):
it must be what docker's default template, run by the engine, prints for the same data."""

from __future__ import annotations

import pytest

from dshell.render import version
from dshell.render.version import (
    _DEFAULT_TEMPLATE,
    _VERSION_FUNCS,
    _tab_aligned,
    default_output,
    render_version,
    run_template,
    version_data,
)

ENGINE_DETAILS = {
    "ApiVersion": "1.47", "Arch": "amd64", "BuildTime": "2025-01-02T03:04:05.000000000+00:00",
    "Experimental": "false", "GitCommit": "abc1234", "GoVersion": "go1.22.10",
    "KernelVersion": "6.1.0", "MinAPIVersion": "1.24", "Os": "linux",
}  # fmt: skip
FULL = {
    "Platform": {"Name": "Docker Engine - Community"},
    "Components": [
        {"Name": "Engine", "Version": "27.5.1", "Details": ENGINE_DETAILS},
        {"Name": "containerd", "Version": "1.7.25", "Details": {"GitCommit": "bcc810d"}},
        {"Name": "runc", "Version": "1.2.4", "Details": {"GitCommit": "v1.2.4-0-g6c52b3f"}},
        {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}},
    ],
    "Version": "27.5.1", "ApiVersion": "1.47", "MinAPIVersion": "1.24", "GitCommit": "4c9b3b0",
    "GoVersion": "go1.22.10", "Os": "linux", "Arch": "amd64", "KernelVersion": "6.1.0",
    "BuildTime": "2025-01-22T13:41:17.000000000+00:00",
}  # fmt: skip
BARE = {"Version": "20.10.24", "ApiVersion": "1.41", "MinAPIVersion": "1.12", "Os": "linux",
        "Arch": "arm64", "GoVersion": "go1.19", "GitCommit": "5d6db84", "Experimental": True,
        "BuildTime": "2023-05-18T08:38:34.000000000+00:00"}  # fmt: skip

PLAIN = [
    (None, "1.45"),
    (FULL, "1.45"),
    (FULL, "1.47"),
    (BARE, "1.41"),
    ({**FULL, "Platform": {"Name": ""}}, "1.45"),
    ({**FULL, "Components": [*FULL["Components"], {"Name": "extra", "Version": "1"}]}, "1.45"),
    ({**BARE, "Platform": {"Name": "Dökker – 社区"}, "Version": "版本"}, "1.41"),
    ({**FULL, "Components": []}, "1.45"),
]
ODD = [
    {**FULL, "Components": [{"Name": "Engine", "Version": "1", "Details": {"Os": "linux"}}]},
    {**FULL, "Components": [{"Name": "x", "Version": "1", "Details": {"n": 3, "b": True}}]},
    {**FULL, "Components": [{"Name": 7, "Version": "1"}]},
    {**FULL, "Components": [{"Name": "Engine", "Version": 27}]},
]


def data(server, api_version="1.45"):  # noqa: ANN001, ANN201
    return version_data(server, api_version=api_version, default_api_version="1.45",
                        context="default")  # fmt: skip


def by_template(value) -> str:  # noqa: ANN001
    return run_template(_DEFAULT_TEMPLATE, value, _tab_aligned, funcs=_VERSION_FUNCS,
                        name="version")  # fmt: skip


@pytest.mark.parametrize(("server", "api_version"), PLAIN)
def test_default_output_is_the_templates(server, api_version):
    value = data(server, api_version)
    direct = default_output(value)
    assert direct is not None, "plain data must take the direct path"
    assert _tab_aligned(direct) == by_template(value)
    assert render_version(value, None) == by_template(value)


@pytest.mark.parametrize("server", ODD)
def test_anything_else_goes_through_the_template(server):
    value = data(server)
    assert default_output(value) is None
    try:
        expected = by_template(value)
    except version.TemplateError as exc:
        with pytest.raises(version.TemplateError) as raised:
            render_version(value, None)
        assert str(raised.value) == str(exc)
    else:
        assert render_version(value, None) == expected


def test_a_format_still_uses_the_template():
    assert render_version(data(FULL), "{{.Server.Version}}") == "27.5.1\n"
