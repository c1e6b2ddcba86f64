"""CLI plugins (``docker-NAME``) found, listed and run as docker 28 does, against docker on the
same engine, with plugins the tests write themselves (tests/cli_plugins.py)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests import harness
from tests.cli_plugins import GOOD_METADATA, raw_plugin, write_plugin

SOCKET = re.compile(r"@docker_cli_[0-9a-f]{32}")


@pytest.fixture
def config(tmp_path):
    """A fresh DOCKER_CONFIG with a ``cli-plugins`` folder (the recorder ``rec`` in it)."""
    folder = tmp_path / "config"
    write_plugin(folder / "cli-plugins", "rec")
    return folder


@pytest.fixture
def env(engine, config):
    return dict(engine.env, DOCKER_CONFIG=str(config))


def normalized(text: str) -> str:
    """What legitimately differs between the two runs: the socket's random name and the
    program docker says it was started as (docker: its own path; dshell: its own)."""
    text = SOCKET.sub("@docker_cli_<id>", text)
    return re.sub(r"(?m)^DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND=.+$",
                  "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND=<set>", text)  # fmt: skip


def same_run(target, *args: str, global_flags: tuple[str, ...] = (), **options) -> None:
    pair = harness.differential(target, *args, global_flags=global_flags, **options)
    assert normalized(pair.dshell.out) == normalized(pair.docker.out), pair.dshell.err
    assert pair.dshell.err == pair.docker.err
    assert pair.dshell.status == pair.docker.status
    return pair


def test_a_plugin_gets_dockers_argv_environment_and_socket_and_its_status_is_the_commands(env):
    pair = same_run(env, "rec", "a b", "--flag", "-x", "", "--", "é")
    out = pair.dshell.out
    assert "arg1=[rec]\narg2=[a b]\narg3=[--flag]\narg4=[-x]\narg5=[]\narg6=[--]\n" in out
    assert "OTEL_RESOURCE_ATTRIBUTES=docker.cli.cobra.command_path=docker%20rec\n" in out
    assert SOCKET.search(out), out
    assert "BUILDX_BUILDER=unset" in out
    assert pair.dshell.status == 3 and pair.dshell.err == "to stderr\n"
    same_run(env, "rec", env={"REC_STATUS": "0", "OTEL_RESOURCE_ATTRIBUTES": "a=b"})


def test_global_flags_reach_the_plugin_before_its_name(env, engine):
    same_run(env, "rec", "x", global_flags=("--context", "default"))
    same_run(env, "rec", global_flags=("-H", engine.host))


def test_a_plugin_writes_into_pipes_redirections_and_substitutions(env, tmp_path):
    for line in (
        "rec a | grep arg | tr a-z A-Z",
        "rec > out.txt 2>&1; echo $?",
        'echo "got: $(rec b | head -2)"',
        "rec 2>&1 >/dev/null | tr a-z A-Z",
    ):
        bash = line.replace("rec", "docker rec")
        oracle = subprocess.run(["bash", "-c", bash], env=env, capture_output=True, text=True,
                                cwd=tmp_path, check=False)  # fmt: skip
        ours = harness.run_dshell(env, "-c", line, cwd=tmp_path)
        assert normalized(ours.out) == normalized(oracle.stdout), ours.err
        assert ours.status == oracle.returncode
    assert "stdout: not a terminal" in (tmp_path / "out.txt").read_text()


def test_context_use_inside_dshell_reaches_the_plugin(env, engine, config):
    """The plugin reads the current context as docker would give it: dshell's ``context use``
    writes config.json and drops a --context given at startup."""
    plugins = config / "cli-plugins"
    raw_plugin(
        plugins,
        "where",
        f"""\
if [ "$1" = docker-cli-plugin-metadata ]; then echo '{json.dumps(GOOD_METADATA)}'; exit 0; fi
flags=""
for arg in "$@"; do [ "$arg" = where ] && break; flags="$flags $arg"; done
exec {harness.DOCKER_CLI} $flags context show
""",
    )
    harness.run_docker_ok(env, "context", "create", "other", "--docker", f"host={engine.host}",
                          env={"DOCKER_HOST": None})  # fmt: skip
    lines = "where\ncontext use other\nwhere\ncontext use default\nwhere\n"
    ours = harness.run_dshell(env, input=lines, env={"DOCKER_HOST": None})
    assert ours.out.split() == ["default", "other", "other", "default", "default"], ours.err
    started = harness.run_dshell(env, "--context", "other", input="where\ncontext use default\n"
                                 "where\n", env={"DOCKER_HOST": None})  # fmt: skip
    assert started.out.split() == ["other", "default", "default"], started.err


def test_help_lists_plugins_as_docker_does(env, config):
    plugins = config / "cli-plugins"
    write_plugin(plugins, "zz10", dict(GOOD_METADATA, ShortDescription="Ten"))
    write_plugin(plugins, "zz9", dict(GOOD_METADATA, ShortDescription="Nine"))
    write_plugin(plugins, "bad", dict(GOOD_METADATA, SchemaVersion="0.2.0"))
    write_plugin(plugins, "novendor", {"SchemaVersion": "0.1.0"})
    write_plugin(plugins, "broken", "nope")
    write_plugin(plugins, "typed", '{"SchemaVersion": 1}')
    write_plugin(plugins, "cased", '{"schemaversion": "0.1.0", "VENDOR": "v"}')
    write_plugin(plugins, "Upper")
    write_plugin(plugins, "ps")
    raw_plugin(plugins, "fails", "echo no >&2; exit 2\n")
    (plugins / "docker-folder").mkdir()  # not a file: never a candidate
    extra = config.parent / "extra"
    write_plugin(extra, "rec", dict(GOOD_METADATA, ShortDescription="From the extra folder"))
    (config / "config.json").write_text(json.dumps({"cliPluginsExtraDirs": [str(extra)]}))

    docker = harness.run_docker(env, "--help")
    ours = harness.run_dshell(env, "-c", "help")
    assert docker.status == ours.status == 0

    def plugin_lines(text: str) -> tuple[list[list[str]], list[list[str]]]:
        valid = [(line.split(None, 1) + [""])[:2] for line in text.splitlines()
                 if re.match(r"  [a-z0-9]+\*", line)]  # fmt: skip
        invalid = text.split("Invalid Plugins:\n", 1)[1].split("\n\n", 1)[0]
        return valid, [line.split(None, 1) for line in invalid.splitlines()]

    assert plugin_lines(ours.out) == plugin_lines(docker.out)
    valid, invalid = plugin_lines(ours.out)
    assert [name for name, _ in valid] == ["cased*", "rec*", "zz10*", "zz9*"]  # cobra sorts
    assert ["rec*", "From the extra folder"] in valid
    assert ["ps", 'plugin "ps" duplicates builtin command'] in invalid
    assert len(invalid) == 7


def test_a_plugins_help_is_its_own(env):
    same_run(env, "rec", "--help")
    same_run(env, "help", "rec")  # docker: the plugin's "help rec"; its failure: exit status 3
    same_run(env, "help", "rec", env={"REC_STATUS": "0"})


def test_a_builtin_wins_and_an_invalid_plugin_never_runs(env, config, tmp_path):
    log = tmp_path / "runs"
    write_plugin(config / "cli-plugins", "ps")
    write_plugin(config / "cli-plugins", "odd", dict(GOOD_METADATA, Vendor=""))
    pair = same_run(env, "ps", "--format", "{{.ID}}", env={"REC_LOG": str(log)})
    assert not log.exists() or "run" not in log.read_text()
    docker = harness.run_docker(env, "odd", env={"REC_LOG": str(log)})
    ours = harness.run_dshell(env, "-c", "odd", env={"REC_LOG": str(log)})
    assert docker.status == ours.status == 1
    assert "Command not found: odd" in ours.err
    assert "run" not in log.read_text()
    assert pair.dshell.status == 0


# -- the builder: docker's processBuilder ---------------------------------------------------
@pytest.fixture
def buildx(config):
    write_plugin(config / "cli-plugins", "buildx", dict(GOOD_METADATA, Vendor="Docker Inc."))


@pytest.mark.parametrize("args", [
    ("build", "-t", "x", "."),
    ("image", "build", "--builder", "b", "."),
    ("builder", "prune", "-f"),
    ("builder", "build", "."),
    ("bake", "all"),
    ("build", "--help"),
])  # fmt: skip
def test_with_buildx_installed_build_runs_buildx(env, buildx, args):
    pair = same_run(env, *args)
    assert "arg1=[buildx]" in pair.dshell.out


def test_docker_buildkit_0_keeps_the_classic_builder_and_1_needs_buildx(env, tmp_path):
    """(``build`` itself with BuildKit wanted and no buildx is dshell's own BuildKit client,
    tests/engine/test_buildkit.py; ``builder`` and ``bake`` still need buildx.)"""
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    same_run(env, "build", "-q", "--help", env={"DOCKER_BUILDKIT": "0"})
    same_run(env, "build", ".", env={"DOCKER_BUILDKIT": "nonsense"})
    for setting in ("1", "true", "nonsense"):
        for args in (("builder", "prune", "-f"), ("bake",)):
            same_run(env, *args, env={"DOCKER_BUILDKIT": setting})
    same_run(env, "bake", env={"DOCKER_BUILDKIT": "0"})
    same_run(env, "version", "--format", "{{.Client.Os}}", env={"DOCKER_BUILDKIT": "maybe"})


def test_docker_buildkit_0_with_buildx_installed_builds_classically(env, buildx, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    tag = harness.unique_name("dsh-classic")
    pair = harness.differential(env, "build", "-q", "-t", tag, ".", cwd=tmp_path,
                                env={"DOCKER_BUILDKIT": "0"})  # fmt: skip
    assert pair.docker.err == pair.dshell.err
    assert pair.dshell.err.startswith("DEPRECATED: The legacy builder is deprecated")
    assert pair.dshell.status == pair.docker.status == 0
    assert pair.dshell.out.startswith("sha256:")
    harness.run_docker(env, "rmi", tag)


def test_a_broken_buildx_is_named_in_the_refusal(env, config):
    raw_plugin(config / "cli-plugins", "buildx", "exit 1\n")
    for setting in ("1", None):
        same_run(env, "build", "--help", env={"DOCKER_BUILDKIT": setting})


@pytest.mark.parametrize(
    "aliases",
    [{"foo": "bar"}, {"builder": "ps"}, {"builder": "image build"}, {"builder": "nosuch"}],
)
def test_config_aliases_are_checked_before_any_command(env, config, aliases):
    (config / "config.json").write_text(json.dumps({"aliases": aliases}))
    same_run(env, "version", "--format", "{{.Client.Os}}")
    same_run(env, "build", "--help")


def test_a_builder_alias_names_the_plugin_build_runs(env, config):
    write_plugin(config / "cli-plugins", "mybuild")
    (config / "config.json").write_text(json.dumps({"aliases": {"builder": "mybuild"}}))
    pair = same_run(env, "build", "-t", "x", ".")
    assert "arg1=[mybuild]\narg2=[build]\n" in pair.dshell.out
    assert "BUILDX_BUILDER=unset" in pair.dshell.out
