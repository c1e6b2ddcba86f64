"""A config.json or a context meta.json that is not quite right, read as docker reads it.

docker decodes both with Go's encoding/json into typed structs: Go's syntax errors, a field of
the wrong type left at its zero value while the rest decodes, the first error in docker's words
("WARNING: Error parsing config file (PATH): json: cannot unmarshal …"), and a context whose
metadata does not decode, or that has no docker endpoint, is an error — never a quiet fallback
to another engine. Every case runs through the docker CLI and dshell in the same scratch
DOCKER_CONFIG and is compared byte for byte (stdout, stderr, status).

Both tools run with a private tmpfs over /run: a context that resolves to the default socket
(unix:///var/run/docker.sock) reaches nothing there, whatever this machine runs, even if dshell
regressed to its old fallback.
"""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests import harness

HIDE_RUN = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount -t tmpfs tmpfs /run && exec "$@"', "sh"]


def start(tool: str, args: list[str], env: dict[str, str], cwd: Path,
          global_flags: list[str] = (), line: str | None = None) -> subprocess.Popen:
    """docker GLOBAL ARGS, or dshell GLOBAL -c 'ARGS' (or -c LINE), with /run hidden."""
    if tool == "docker":
        argv = [harness.DOCKER_CLI, *global_flags, *args]
    else:
        argv = [*harness.DSHELL_COMMAND, *global_flags, "-c",
                line if line is not None else shlex.join(args)]
    return subprocess.Popen([*HIDE_RUN, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, cwd=cwd)


def finish(process: subprocess.Popen) -> harness.Result:
    out, err = process.communicate(timeout=60)
    return harness.Result(out.decode(errors="surrogateescape"),
                          err.decode(errors="surrogateescape"), process.returncode)


def run(tool: str, args: list[str], env: dict[str, str], cwd: Path,
        global_flags: list[str] = (), line: str | None = None) -> harness.Result:
    return finish(start(tool, args, env, cwd, global_flags, line))


def both(args: list[str], env: dict[str, str], cwd: Path) -> harness.Differential:
    """docker and dshell side by side (for commands that change nothing)."""
    docker, dshell = (start(tool, args, env, cwd) for tool in ("docker", "dshell"))
    return harness.Differential(docker=finish(docker), dshell=finish(dshell))


@pytest.fixture
def scratch(engine, tmp_path):
    """An empty DOCKER_CONFIG aimed at the suite's engine (DOCKER_HOST set)."""
    config = tmp_path / "config"
    config.mkdir()
    return {**engine.env, "DOCKER_CONFIG": str(config)}, config


# --- config.json -----------------------------------------------------------------------------

CONFIG_CASES = {
    # Go's syntax errors: the first invalid byte, in the scanner's words
    "garbage": b"x",
    "cut-short": b"{",
    "cut-in-string": b'{"a":"abc',
    "missing-value": b'{"a":}',
    "trailing-comma": b'{"a":1,}',
    "missing-colon": b'{"a" 1}',
    "bad-literal": b'{"a":tru}',
    "bad-escape": b'{"a":"\\x"}',
    "bad-unicode-escape": b'{"a":"\\u12"}',
    "control-char": b'{"a":"\x01"}',
    "wrong-close": b'{"a":1]',
    "leading-zero": b'{"a":01}',
    "lone-minus": b'{"a":-}',
    "bare-exponent": b'{"a":1e}',
    "single-quotes": b"{'a':1}",
    "unquoted-key": b"{a:1}",
    "array-missing-comma": b'{"a":[1 2]}',
    "nan": b'{"a":NaN}',
    "byte-order-mark": b"\xef\xbb\xbf{}",
    "latin1-byte": b"\xe9",
    "syntax-error-wins": b'{"psFormat": 5, "x": }',
    # what the decoder never reads, or reads as nothing
    "empty": b"",
    "white-space": b"  \n\t ",
    "null": b"null",
    "trailing-garbage": b'{"a":1}x',
    # not an object at all
    "array": b"[1]",
    "string": b'"str"',
    # a field of the wrong type: the first error, every field still decoded
    "auths-number": b'{"auths": 5}',
    "auths-entry-number": b'{"auths": {"a": 5}}',
    "auths-entry-field": b'{"auths": {"a": {"auth": 5}}}',
    "psformat-number": b'{"psFormat": 5}',
    "psformat-object": b'{"psFormat": {}}',
    "psformat-null": b'{"psFormat": null}',
    "first-error-wins": b'{"psFormat": 5, "auths": "x"}',
    "headers": b'{"HttpHeaders": {"a": 5}}',
    "cred-helpers": b'{"credHelpers": {"a": [1]}}',
    "prune-filters": b'{"pruneFilters": [1]}',
    "prune-filters-object-element": b'{"pruneFilters": ["a", {}]}',
    "proxy-entry": b'{"proxies": {"a": 5}}',
    "proxy-field": b'{"proxies": {"a": {"httpProxy": 1}}}',
    "plugins": b'{"plugins": {"a": 1}}',
    "plugin-option": b'{"plugins": {"a": {"b": 1}}}',
    "features": b'{"features": {"hooks": true}}',
    "current-context": b'{"currentContext": 5}',
    "big-number-in-unknown": b'{"a": 1e400, "psFormat": 5}',
    # Go's field matching: exact, then case-folded (Unicode folding too)
    "folded-name": b'{"PSFORMAT": "{{.ID}}"}',
    "long-s-folds-to-s": '{"p\u017fFormat": "{{.ID}}"}'.encode(),
    "kelvin-sign": '{"networ\u212asFormat": 5}'.encode(),
    "duplicate-keeps-earlier": b'{"psFormat": "{{.ID}}", "psFormat": 5}',
    "duplicate-later-wins": b'{"psFormat": 5, "psFormat": "{{.ID}}"}',
    "unknown-keys": b'{"unknown": {"x": [1, 2]}, "psFormat": "table {{.ID}}"}',
    "invalid-utf8-in-string": b'{"psFormat": "\xff"}',
    # auths decode after the rest: docker's decodeAuth errors
    "auth-bad-base64": b'{"auths": {"a": {"auth": "!!"}}}',
    "auth-no-colon": b'{"auths": {"a": {"auth": "eA=="}}}',
    "auth-no-user": b'{"auths": {"a": {"auth": "OnA="}}}',
    "auth-short": b'{"auths": {"a": {"auth": "eDp5e"}}}',
    "auth-bad-padding": b'{"auths": {"a": {"auth": "eD=5"}}}',
    "auth-trailing-garbage": b'{"auths": {"a": {"auth": "eDp5eg==x"}}}',
    "auth-good": b'{"auths": {"a": {"auth": "eDp5"}}}',
    "type-error-before-auth": b'{"auths": {"a": {"auth": "eDp5"}}, "psFormat": 5}',
}


@pytest.mark.parametrize("content", CONFIG_CASES.values(), ids=CONFIG_CASES.keys())
def test_config_json_is_read_as_docker_reads_it(scratch, tmp_path, content):
    env, config = scratch
    (config / "config.json").write_bytes(content)
    harness.assert_alike(both(["ps"], env, tmp_path), stderr=True)


FORMAT_CASES = {
    "wrong-typed-formats": b'{"imagesFormat": 5, "networksFormat": "x", "volumesFormat": {}}',
    "some-typed-formats": b'{"IMAGESFORMAT": "{{.Repository}}", "networksFormat": 5, '
                          b'"VolumesFormat": "{{.Name}}x"}',
}


@pytest.mark.parametrize("content", FORMAT_CASES.values(), ids=FORMAT_CASES.keys())
@pytest.mark.parametrize("command", [["images"], ["network", "ls"], ["volume", "ls"]])
def test_format_fields_are_what_go_decoded(scratch, tmp_path, content, command):
    env, config = scratch
    (config / "config.json").write_bytes(content)
    for _ in range(3):  # the default images table holds ages, which may tick between the runs
        pair = both(command, env, tmp_path)
        if pair.dshell.out == pair.docker.out:
            break
    harness.assert_alike(pair, stderr=True)


def test_config_json_that_cannot_be_read(scratch, tmp_path):
    """A folder (Go opens it, reading fails), a symlink loop, and a DOCKER_CONFIG that is a
    file: docker's 'parsing'/'loading' warnings, then the command runs all the same."""
    env, config = scratch
    config_json, a_file = config / "config.json", tmp_path / "file"
    a_file.write_text("")

    def check(target: dict[str, str]) -> None:
        pair = harness.assert_alike(both(["ps"], target, tmp_path), stderr=True)
        assert pair.docker.err.startswith("WARNING: Error ")

    config_json.mkdir()
    check(env)
    config_json.rmdir()
    config_json.symlink_to("config.json")
    check(env)
    check({**env, "DOCKER_CONFIG": str(a_file)})


# --- the context store -----------------------------------------------------------------------


def context_dir(config: Path, name: str) -> Path:
    return config / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()


@pytest.fixture
def store(engine, tmp_path):
    """A function that makes a fresh scratch DOCKER_CONFIG holding the context ``bad`` (the
    given meta.json bytes) and ``eng`` (the suite's engine), optionally a config.json; and
    the environment, without DOCKER_HOST, so that contexts decide the endpoint."""
    config = tmp_path / "config"
    env = {key: value for key, value in engine.env.items() if key != "DOCKER_HOST"}
    env["DOCKER_CONFIG"] = str(config)
    eng = {"Name": "eng", "Metadata": {}, "Endpoints": {"docker": {"Host": engine.host,
                                                                    "SkipTLSVerify": False}}}

    def make(meta: bytes, config_json: str | None = None) -> dict[str, str]:
        subprocess.run(["rm", "-rf", str(config)], check=True)
        for name, content in (("bad", meta), ("eng", json.dumps(eng).encode())):
            context_dir(config, name).mkdir(parents=True)
            (context_dir(config, name) / "meta.json").write_bytes(content)
        if config_json is not None:
            (config / "config.json").write_text(config_json)
        return env

    return make


def meta(value: object) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


X = {"Host": "unix:///nonexistent/x.sock"}
#: (global flags, command, extra environment, config.json)
BASIC = [
    (["--context", "bad"], ["ps"], {}, None),
    ([], ["context", "ls"], {}, None),
    ([], ["context", "inspect", "bad"], {}, None),
]
EVERY_WAY = [  # the other ways to make `bad` current
    ([], ["ps"], {"DOCKER_CONTEXT": "bad"}, None),
    ([], ["ps"], {}, '{"currentContext": "bad"}'),
]
DECODED = [  # what was decoded, shown and written back
    ([], ["context", "ls", "--format", "json"], {}, None),
    ([], ["context", "inspect", "--format", "{{json .}}", "bad"], {}, None),
    ([], ["context", "update", "bad", "--description", "new"], {}, None),
    ([], ["context", "create", "copy", "--docker", "from=bad"], {}, None),
]
#: meta.json of `bad`, and the modes beyond BASIC it runs in
META_CASES = {
    # no usable docker endpoint: an error, never the default socket
    "endpoints-null": ({"Name": "bad", "Metadata": {}, "Endpoints": None}, EVERY_WAY + DECODED),
    "no-endpoints": ({"Name": "bad", "Metadata": {"Description": "d"}}, []),
    "no-docker-endpoint": ({"Name": "bad", "Endpoints": {"other": {"a": 1}}}, DECODED),
    "docker-endpoint-null": ({"Name": "bad", "Endpoints": {"docker": None}},
                             EVERY_WAY + DECODED),
    # a value of the wrong type: the whole context fails to read
    "host-number": ({"Name": "bad", "Metadata": {}, "Endpoints": {"docker": {"Host": 5}}},
                    EVERY_WAY + DECODED),
    "skip-tls-string": ({"Name": "bad", "Endpoints": {"docker": {"SkipTLSVerify": "yes"}}},
                        []),
    "docker-endpoint-number": ({"Name": "bad", "Endpoints": {"docker": 5}}, []),
    "endpoints-number": ({"Name": "bad", "Endpoints": 5}, []),
    "name-number": ({"Name": 5, "Endpoints": {"docker": X}}, []),
    "metadata-array": ({"Name": "bad", "Metadata": [1], "Endpoints": {"docker": X}}, []),
    "other-endpoint-array": ({"Name": "bad", "Endpoints": {"docker": X, "k8s": [1]}}, []),
    "huge-number": (b'{"Name":"bad","Metadata":{"x":1e400},"Endpoints":{"docker":X}}'
                    .replace(b"X", json.dumps(X).encode()), []),
    # not JSON, or not an object
    "garbage": (b"garbage", EVERY_WAY + DECODED),
    "trailing-garbage": (b'{"Name":"bad","Endpoints":{"docker":{"Host":"unix:///x"}}} x', []),
    "cut-short": (b'{"Name":"bad"', []),
    "empty": (b"", []),
    "array": (b"[]", []),
    "null": (b"null", DECODED),
    # decodes: folded names, nil Metadata, no Name, another Name, null fields, empty Host
    "folded-names": ({"name": "bad", "metadata": {"Description": "lower"},
                      "endpoints": {"docker": {"host": X["Host"], "skiptlsverify": True}}},
                     EVERY_WAY + DECODED),
    "metadata-null": ({"Name": "bad", "Metadata": None, "Endpoints": {"docker": X}}, DECODED),
    "no-name": ({"Endpoints": {"docker": X}}, DECODED),
    "other-name": ({"Name": "other", "Endpoints": {"docker": X}}, DECODED),
    "host-null": ({"Name": "bad", "Endpoints": {"docker": {"Host": None}}}, DECODED),
    "host-empty": ({"Name": "bad", "Endpoints": {"docker": {"Host": ""}}}, EVERY_WAY),
    "extra-metadata": ({"Name": "bad", "Metadata": {"Description": "d", "Extra": [1, {"z": 2}]},
                        "Endpoints": {"docker": X, "other": {"a": [1.5, None]}}}, DECODED),
    # docker's DockerContext.UnmarshalJSON panics on a Description that is not a string
    "description-number": ({"Name": "bad", "Metadata": {"Description": 5},
                            "Endpoints": {"docker": X}}, DECODED),
}
IN_SHELL_CASES = ["endpoints-null", "docker-endpoint-null", "host-number", "garbage",
                  "folded-names", "host-empty", "description-number"]


def alike(pair: harness.Differential, engine_command: bool) -> None:
    """Byte for byte; where docker panics (a goroutine dump, status 2) dshell prints the
    panic's first line alone and fails (status 2, or 1 where the engine was wanted)."""
    if pair.docker.err.startswith("panic: "):
        assert (pair.dshell.out, pair.dshell.err) == ("", pair.docker.err.splitlines()[0] + "\n")
        assert pair.dshell.status == (1 if engine_command else pair.docker.status)
        return
    harness.assert_alike(pair, stderr=True)


def store_files(config: Path) -> dict[str, bytes]:
    return {str(path.relative_to(config)): path.read_bytes()
            for path in sorted(config.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("content, modes", [(meta(m), modes) for m, modes in META_CASES.values()],
                         ids=META_CASES.keys())
def test_context_meta_json_is_read_as_docker_reads_it(store, tmp_path, content, modes):
    config = tmp_path / "config"
    for flags, command, extra, config_json in BASIC + modes:
        if command[1:2] in (["update"], ["create"]):  # each tool on a fresh store
            results, files = [], []
            for tool in ("docker", "dshell"):
                env = {**store(content, config_json), **extra}
                results.append(run(tool, command, env, tmp_path, flags))
                files.append(store_files(config))
            assert files[1] == files[0], command
            pair = harness.Differential(*results)
        else:
            env = {**store(content, config_json), **extra}
            docker, dshell = (start(tool, command, env, tmp_path, flags)
                              for tool in ("docker", "dshell"))
            pair = harness.Differential(finish(docker), finish(dshell))
        alike(pair, engine_command=command == ["ps"])


@pytest.mark.parametrize("case", IN_SHELL_CASES)
def test_context_use_inside_the_shell_switches_to_what_docker_would_use(store, tmp_path, case):
    """`context use bad` then `ps` in one dshell session does what `docker context use bad`
    and a later `docker ps` do; when `bad` has no usable engine, `ps` fails with docker's
    error instead of going on with the engine the session had."""
    content, start = meta(META_CASES[case][0]), '{"currentContext": "eng"}'
    env = store(content, start)
    used = run("docker", ["context", "use", "bad"], env, tmp_path)
    listed = run("docker", ["ps"], env, tmp_path)
    env = store(content, start)
    ours = run("dshell", [], env, tmp_path, line="context use bad; ps")
    if used.err.startswith("panic: "):
        assert ours.err.startswith(used.err.splitlines()[0] + "\n")
        return
    assert (ours.out, ours.err, ours.status) == (
        used.out + listed.out, used.err + listed.err, listed.status)


def test_context_use_warns_about_docker_host_after_switching(store, engine, tmp_path):
    env = {**store(meta({"Name": "bad", "Endpoints": {"docker": X}})),
           "DOCKER_HOST": engine.host}
    for name in ("bad", "default"):
        pair = harness.Differential(
            docker=run("docker", ["context", "use", name], env, tmp_path),
            dshell=run("dshell", ["context", "use", name], env, tmp_path))
        harness.assert_alike(pair, stderr=True)


def test_context_ls_lists_nested_and_stray_context_folders(store, tmp_path):
    """docker's store lists every folder under meta/ holding a meta.json, whatever its name;
    a row is named after the meta.json's Name."""
    env = store(meta({"Name": "bad", "Endpoints": {"docker": X}}))
    config = tmp_path / "config"
    stray = config / "contexts" / "meta" / "stray"
    (stray / "nested").mkdir(parents=True)
    (stray / "meta.json").write_text(json.dumps({"Name": "stray", "Endpoints": {}}))
    (stray / "nested" / "meta.json").write_text(json.dumps({"Name": "nested"}))
    (config / "contexts" / "meta" / "folder-only" / "meta.json").mkdir(parents=True)
    for command in (["context", "ls"], ["context", "ls", "-q"]):
        harness.assert_alike(both(command, env, tmp_path), stderr=True)


IMPORT_CASES = {
    "array": b"[1]",
    "garbage": b"garbage",
    "empty": b"",
    "name-number": b'{"Name": 5}',
    "endpoints-number": b'{"Endpoints": 5}',
    "kept-as-read": b'{"Metadata": [1], "Endpoints": {"docker": {"Host": 5}, "x": {}}}',
    "description-number": b'{"Metadata": {"Description": 5}}',
    "sorted-and-go-numbers": b'{"Name": "zz", "Metadata": {"b": 1, "a": [2.50, 1e-5, 1e21]}, '
                             b'"Endpoints": {"docker": {"SkipTLSVerify": false, "Host": ""}}}',
    "null": b"null",
}


@pytest.mark.parametrize("content", IMPORT_CASES.values(), ids=IMPORT_CASES.keys())
def test_context_import_reads_meta_json_as_docker(scratch, tmp_path, content):
    """docker's import decodes an archive's meta.json into store.Metadata (any values kept as
    they were read) and writes it back with Go's encoder."""
    env, config = scratch
    archive = tmp_path / "ctx.tar"
    with tarfile.open(archive, "w") as tar:
        member = tarfile.TarInfo("meta.json")
        member.size = len(content)
        tar.addfile(member, io.BytesIO(content))
    results, files = [], []
    for tool in ("docker", "dshell"):
        subprocess.run(["rm", "-rf", str(config / "contexts")], check=True)
        results.append(run(tool, ["context", "import", "new", str(archive)], env, tmp_path))
        files.append(store_files(config))
    harness.assert_alike(harness.Differential(*results), stderr=True)
    assert files[1] == files[0]
