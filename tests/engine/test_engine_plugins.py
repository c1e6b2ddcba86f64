"""``plugin …`` (the Engine's managed plugins) against docker on the same daemon and registry.

Plugins are made here with ``plugin create`` from busybox's exported filesystem and a
config.json the test writes. A plugin is enabled once something accepts on its socket: the
daemon puts it under /run/docker/plugins/ID/ (whatever its --exec-root), and busybox has no
unix-socket listener (its nc lacks -U), so the test serves every plugin socket of its daemon
itself, answering /Plugin.Activate as a volume driver would.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import stat
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import harness
from tests.harness import Differential, Result, assert_alike, run_docker, run_dshell

PLUGIN_RUNTIME = Path("/run/docker/plugins")
SOCKET_NAME = "dsh-test.sock"
ACTIVATE_ANSWER = b'{"Implements": ["VolumeDriver"]}'


# --- making plugins ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rootfs(engine, tmp_path_factory) -> Path:
    """busybox's filesystem as ``docker export`` gives it, unpacked once for every plugin."""
    status, _, body = engine.api("POST", "/containers/create",
                                 json.dumps({"Image": "busybox", "Cmd": ["sh"]}).encode(),
                                 {"Content-Type": "application/json"})  # fmt: skip
    assert status == 201, body
    ident = json.loads(body)["Id"]
    try:
        status, _, archive = engine.api("GET", f"/containers/{ident}/export", timeout=60)
        assert status == 200
    finally:
        engine.api("DELETE", f"/containers/{ident}?force=1")
    target = tmp_path_factory.mktemp("plugin-rootfs") / "rootfs"
    target.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="tar")
    return target


def plugin_dir(
    rootfs: Path,
    parent: Path,
    description: str | None = None,
    config: dict | None = None,
    marker: str | None = None,
) -> Path:
    """A plugin data directory: ``rootfs/`` (busybox's, plus a marker file) and
    ``config.json``. dockerd 20.10 refuses to create a plugin whose rootfs layer another
    plugin already has ("content sha256:…: already exists"), so each gets its own marker
    unless ``marker`` is given, and its own description."""
    directory = parent / f"plugin-{secrets.token_hex(4)}"
    directory.mkdir()
    shutil.copytree(rootfs, directory / "rootfs", symlinks=True)
    stamp = directory / "rootfs" / "etc" / "dshell-plugin"
    stamp.write_text(marker or secrets.token_hex(8))
    os.utime(stamp, (1_700_000_000, 1_700_000_000))
    os.utime(stamp.parent, (1_700_000_000, 1_700_000_000))
    if config is None:
        config = {
            "Description": description or f"dshell test plugin {secrets.token_hex(4)}",
            "Documentation": "https://example.com/dshell",
            "Entrypoint": ["/bin/sleep", "1000000"],
            "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": SOCKET_NAME},
            "Network": {"Type": "host"},
            "Linux": {"Capabilities": ["CAP_SYS_ADMIN"]},
            "Env": [{"Name": "DEBUG", "Description": "debug level", "Settable": ["value"],
                     "Value": "0"}],
        }  # fmt: skip
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def create(engine, name: str, directory: Path) -> None:
    harness.run_docker_ok(engine, "plugin", "create", name, str(directory))


def remove(engine, *names: str) -> None:
    run_docker(engine, "plugin", "rm", "-f", *names)


def inspect(engine, name: str) -> dict:
    result = harness.run_docker_ok(engine, "plugin", "inspect", name)
    return json.loads(result.out)[0]


# --- the plugins' end of their sockets -----------------------------------------------------


class PluginSockets:
    """Accepts on the socket of every plugin the daemon enables: polls ``GET /plugins`` and
    binds ``/run/docker/plugins/ID/SOCKET`` once the daemon made the directory (it removes it
    again on disable, so the socket is bound anew for each enable)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.bound: dict[str, tuple[socket.socket, int]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving; a plugin gone by now leaves its directory (our socket in it) behind:
        removed here."""
        self.stopping.set()
        self.thread.join(5)
        status, _, body = self.engine.api("GET", "/plugins", timeout=10)
        alive = {plugin["Id"] for plugin in json.loads(body)} if status == 200 else None
        for path, (listener, _) in self.bound.items():
            listener.close()
            directory = Path(path).parent
            if alive is not None and directory.name not in alive:
                shutil.rmtree(directory, ignore_errors=True)

    def _watch(self) -> None:
        while not self.stopping.wait(0.1):
            try:
                status, _, body = self.engine.api("GET", "/plugins", timeout=5)
            except OSError:
                continue
            if status != 200:
                continue
            for plugin in json.loads(body):
                sock = ((plugin.get("Config") or {}).get("Interface") or {}).get("Socket")
                if sock == SOCKET_NAME:
                    self._bind(PLUGIN_RUNTIME / plugin["Id"] / sock)

    def _bind(self, path: Path) -> None:
        if not path.parent.is_dir():
            return
        known = self.bound.get(str(path))
        try:
            if known is not None and path.stat().st_ino == known[1]:
                return
        except FileNotFoundError:
            pass
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            if path.exists():
                path.unlink()
            listener.bind(str(path))
            listener.listen(8)
            inode = path.stat().st_ino
        except OSError:
            listener.close()
            return
        self.bound[str(path)] = (listener, inode)
        threading.Thread(target=self._serve, args=(listener,), daemon=True).start()

    @staticmethod
    def _serve(listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                try:
                    connection.settimeout(2)
                    if not connection.recv(65536):
                        continue
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1+json"
                        b"\r\nContent-Length: %d\r\n\r\n%s" % (len(ACTIVATE_ANSWER),
                                                               ACTIVATE_ANSWER))  # fmt: skip
                except OSError:
                    pass


@pytest.fixture(scope="module")
def sockets(engine) -> Iterator[PluginSockets]:
    served = PluginSockets(engine)
    yield served
    served.close()


# --- comparing ------------------------------------------------------------------------------


def dshell(engine, *args: str, **options) -> Result:
    return run_dshell(engine, "-c", shlex.join(args), **options)


def in_any_order(text: str) -> set[str]:
    """The daemon's pull and push progress comes from several goroutines: the order of its
    lines (``Complete`` before or after ``Download complete``), how many ``Preparing`` and
    whether a ``Waiting`` shows vary from run to run. For output holding such progress: the
    distinct lines, ``Waiting`` left out."""
    return {line for line in text.splitlines() if not line.endswith(": Waiting")}


def same_progress(pair: Differential) -> None:
    assert pair.dshell.status == pair.docker.status, pair.dshell.err
    assert in_any_order(pair.dshell.out) == in_any_order(pair.docker.out)
    assert pair.dshell.err == pair.docker.err
    # what the client prints first and last (prompt, summary line) is in the same place
    assert pair.dshell.out.splitlines()[:1] == pair.docker.out.splitlines()[:1]
    last = pair.docker.out.splitlines()[-1:]
    if not (last and re.match(r"[0-9a-f]{12}: ", last[0])):
        assert pair.dshell.out.splitlines()[-1:] == last


def each_in_turn(engine, args: list[str], reset=None, **options) -> Differential:  # noqa: ANN001
    """docker, then ``reset()`` (putting the state back), then dshell: for commands that
    change what they act on."""
    docker = run_docker(engine, *args, **options)
    if reset is not None:
        reset()
    return Differential(docker=docker, dshell=dshell(engine, *args, **options))


# --- usage and unknown plugins --------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["plugin"],
    ["plugin", "nope"],
    ["plugin", "ls", "extra"],
    ["plugin", "list", "-f", "nokey"],
    ["plugin", "inspect"],
    ["plugin", "create"],
    ["plugin", "create", "only-name"],
    ["plugin", "enable"],
    ["plugin", "enable", "a", "b"],
    ["plugin", "enable", "--timeout", "x", "a"],
    ["plugin", "enable", "--timeout", "-1", "a"],
    ["plugin", "disable"],
    ["plugin", "rm"],
    ["plugin", "remove"],
    ["plugin", "set", "only-name"],
    ["plugin", "push"],
    ["plugin", "push", "a", "b"],
    ["plugin", "install"],
    ["plugin", "upgrade"],
    ["plugin", "upgrade", "a", "b", "c"],
    ["plugin", "install", "--nope", "x"],
])  # fmt: skip
def test_usage_errors_match_docker(engine, args):
    harness.assert_same(engine, *args, stderr=True)


@pytest.mark.parametrize("args", [
    ["plugin", "inspect", "no-such-plugin"],
    ["plugin", "inspect", " "],
    ["plugin", "inspect", "--format", "{{.Name}}", "no-such-plugin", "nor-this"],
    ["plugin", "enable", "no-such-plugin"],
    ["plugin", "enable", " "],
    ["plugin", "disable", "no-such-plugin"],
    ["plugin", "disable", "-f", "no-such-plugin"],
    ["plugin", "rm", "no-such-plugin", " ", "nor-this"],
    ["plugin", "rm", "-f", "no-such-plugin"],
    ["plugin", "set", "no-such-plugin", "A=1"],
    ["plugin", "set", " ", "A=1"],
    ["plugin", "push", "no-such-plugin"],
    ["plugin", "push", "Upper"],
    ["plugin", "push", "a@sha256:" + "a" * 64],
    ["plugin", "upgrade", "no-such-plugin"],
    ["plugin", "upgrade", " "],
    ["plugin", "install", "Upper"],
    ["plugin", "install", "--alias", "a@sha256:" + "a" * 64, "x"],
    ["plugin", "install", "--alias", "Bad", "x"],
    ["plugin", "create", "Upper", "."],
])  # fmt: skip
def test_unknown_plugins_and_bad_names_fail_as_docker(engine, args):
    harness.assert_same(engine, *args, stderr=True)


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    "", "   ", "[]", '"text"', "1", "true", "{", "{}x", "xx",
    '{"Entrypoint": 3}',
    '{"Interface": {"Socket": ["a"]}}',
    '{"Env": [{"Name": 1}]}',
    '{"Linux": {"Capabilities": "CAP_SYS_ADMIN"}}',
    '{"rootfs": {"diff_ids": {}}}',
])  # fmt: skip
def test_create_refuses_a_bad_config_as_docker(engine, tmp_path, rootfs, content):
    directory = plugin_dir(rootfs, tmp_path)
    (directory / "config.json").write_text(content)
    name = harness.unique_name("bad-config")
    try:
        pair = harness.differential(engine, "plugin", "create", name, str(directory))
        assert_alike(pair, stderr=True)
        assert pair.docker.status == 1
    finally:
        remove(engine, name)


def test_create_refuses_missing_paths_as_docker(engine, tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "empty").mkdir()
    for target in ("missing", "file", "empty", "file/below"):
        pair = harness.differential(engine, "plugin", "create", "p", target, cwd=tmp_path)
        assert_alike(pair, stderr=True)
        assert pair.docker.status == 1
    # a working directory reached through a symlink is named as $PWD spells it (Go's Getwd)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "empty")
    pair = harness.differential(engine, "plugin", "create", "p", "missing", cwd=link,
                                env={"PWD": str(link)})  # fmt: skip
    assert_alike(pair, stderr=True)
    assert pair.dshell.err == f"lstat {link}/missing: no such file or directory\n"


def add_special_files(rootfs: Path) -> None:
    """What a root filesystem may hold beyond root-owned files and directories: another
    owner, a hard link, a fifo, a device, a socket (which tar cannot hold), an old mtime."""
    owned = rootfs / "etc" / "owned"
    owned.write_text("owned\n")
    os.chown(owned, 1234, 5678)
    os.link(owned, rootfs / "etc" / "hard")
    os.mkfifo(rootfs / "etc" / "fifo")
    os.mknod(rootfs / "etc" / "null3", 0o620 | stat.S_IFCHR, os.makedev(1, 3))
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(rootfs / "etc" / "sock"))
    deep = rootfs / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "f").write_text("deep\n")
    etc = rootfs / "etc"
    for path in (owned, etc / "fifo", etc / "null3", deep / "f", deep, deep.parent, etc):
        os.utime(path, (1_600_000_000, 1_600_000_000), follow_symlinks=False)


def unpacked(engine, ident: str) -> dict[str, tuple]:
    """What the daemon unpacked as the plugin's root filesystem: every entry below it with
    its type, mode, owner, mtime, link target, device and content. (The layer's digest would
    also hold the root directory's own time, which is when the daemon unpacked it.)"""
    root = engine.root / "data" / "plugins" / ident / "rootfs"
    found = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        content = None
        if stat.S_ISREG(st.st_mode):
            content = path.read_bytes()
        elif stat.S_ISLNK(st.st_mode):
            content = os.readlink(path)
        found[str(path.relative_to(root))] = (st.st_mode, st.st_uid, st.st_gid, int(st.st_mtime),
                                              st.st_rdev, st.st_nlink, content)  # fmt: skip
    return found


def test_create_sends_the_directory_as_docker_does(engine, tmp_path, rootfs):
    """The plugin dshell creates is the one docker creates from the same files: same
    config, same root filesystem (owners, links, fifos and devices kept, a socket left out
    with docker's logged error)."""
    config_of = {}
    trees = {}
    marker = secrets.token_hex(8)
    for tool in ("docker", "dshell"):
        directory = plugin_dir(rootfs, tmp_path, description=f"made by {tool}", marker=marker)
        add_special_files(directory / "rootfs")
        name = harness.unique_name(f"made-{tool}")
        args = ["plugin", "create", name, str(directory)]
        try:
            result = run_docker(engine, *args) if tool == "docker" else dshell(engine, *args)
            assert (result.out, result.status) == (f"{name}\n", 0)
            socket_path = directory / "rootfs" / "etc" / "sock"
            assert result.err.endswith(
                f"level=error msg=\"Can't add file {socket_path} to tar: archive/tar: sockets "
                'not supported"\n'
            )
            found = inspect(engine, name)
            trees[tool] = unpacked(engine, found["Id"])
        finally:
            remove(engine, name)
        config = found["Config"]
        config.pop("rootfs")
        config.pop("Description")
        config_of[tool] = config
    assert config_of["dshell"] == config_of["docker"]
    assert "etc/sock" not in trees["dshell"]
    assert trees["dshell"]["etc/owned"][1:3] == (1234, 5678)
    assert trees["dshell"] == trees["docker"]


def test_create_compress_fails_on_this_daemon_as_docker(engine, tmp_path, rootfs):
    """dockerd 20.10 reads /plugins/create's body as a plain tar: docker's --compress fails
    (docker adds logrus lines about its closed pipe, which depend on timing)."""
    name = harness.unique_name("gz")
    try:
        pair = harness.differential(
            engine, "plugin", "create", "--compress", name, str(plugin_dir(rootfs, tmp_path))
        )
        assert_alike(pair)
        assert pair.dshell.status == 1
        # the error is among docker's lines; its logrus lines may come before or after it
        assert pair.dshell.err.splitlines()[-1] in pair.docker.err.splitlines()
    finally:
        remove(engine, name)


def test_create_of_an_existing_name_fails_as_docker(engine, tmp_path, rootfs):
    """The daemon answers before it read the whole tar: docker then also logs its closed
    pipe (timing-dependent logrus lines); the error itself is the same."""
    name = harness.unique_name("twice")
    create(engine, name, plugin_dir(rootfs, tmp_path))
    try:
        again = plugin_dir(rootfs, tmp_path)
        pair = assert_alike(harness.differential(engine, "plugin", "create", name, str(again)))
        assert pair.dshell.err in pair.docker.err.splitlines(keepends=True)
        assert (
            pair.dshell.err == f"Error response from daemon: plugin {name}:latest already exists\n"
        )
    finally:
        remove(engine, name)


# --- ls / inspect ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listed(engine, rootfs, tmp_path_factory) -> Iterator[list[str]]:
    """Two plugins, one with a long multi-line description (cut at 45 columns)."""
    parent = tmp_path_factory.mktemp("listed")
    names = [harness.unique_name("lsplug-b10"), harness.unique_name("lsplug-b9")]
    long_text = "A plugin whose description\nruns on well past forty-five columns " \
                + secrets.token_hex(3)  # fmt: skip
    create(engine, names[0], plugin_dir(rootfs, parent, description=long_text))
    create(engine, names[1] + ":v2", plugin_dir(rootfs, parent))
    yield [names[0], names[1] + ":v2"]
    remove(engine, names[0], names[1] + ":v2")


@pytest.mark.parametrize("args", [
    ["plugin", "ls"],
    ["plugin", "ls", "--no-trunc"],
    ["plugin", "ls", "-q"],
    ["plugin", "ls", "-q", "--no-trunc"],
    ["plugin", "list", "--format", "json"],
    ["plugin", "ls", "--format", "raw"],
    ["plugin", "ls", "-q", "--format", "raw"],
    ["plugin", "ls", "--format", "table {{.Name}}\t{{.PluginReference}}\t{{.Enabled}}"],
    ["plugin", "ls", "--format", "{{.ID}} {{.Description}}", "--no-trunc"],
    ["plugin", "ls", "--format", "{{.Nope}}"],
    ["plugin", "ls", "--filter", "enabled=false"],
    ["plugin", "ls", "--filter", "enabled=true"],
    ["plugin", "ls", "--filter", "capability=volumedriver"],
    ["plugin", "ls", "--filter", "capability=networkdriver"],
    ["plugin", "ls", "--filter", "enabled=maybe"],
    ["plugin", "ls", "--filter", "color=blue"],
])  # fmt: skip
def test_ls_matches_docker(engine, listed, args):
    harness.assert_same(engine, *args, stderr=True)


def test_ls_takes_plugins_format_from_config_unless_quiet(engine, listed, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"pluginsFormat": "{{.Name}}: {{.Enabled}}"}))
    for args in (["plugin", "ls"], ["plugin", "ls", "-q"]):
        pair = harness.assert_same(engine, *args, env={"DOCKER_CONFIG": str(tmp_path)})
        assert pair.dshell.out


@pytest.mark.parametrize("format_args", [
    [],
    ["--format", "{{.Name}} {{.Enabled}} {{.Config.Interface.Socket}}"],
    ["-f", "{{.ID}}"],
    ["-f", "{{.Id}}"],
    ["-f", "json"],
    ["-f", "{{json .Settings}}"],
    ["-f", "{{.Nope}}"],
    ["-f", "{{"],
])  # fmt: skip
def test_inspect_matches_docker(engine, listed, format_args):
    harness.assert_same(engine, "plugin", "inspect", *format_args, *listed, stderr=True)


# --- enable / disable / set / rm ------------------------------------------------------------


@pytest.fixture
def plugin(engine, rootfs, tmp_path) -> Iterator[str]:
    name = harness.unique_name("state")
    create(engine, name, plugin_dir(rootfs, tmp_path))
    yield name
    remove(engine, name)


def test_enable_disable_and_their_refusals_match_docker(engine, sockets, plugin):
    def disable() -> None:
        harness.run_docker_ok(engine, "plugin", "disable", plugin)

    pair = each_in_turn(engine, ["plugin", "enable", plugin], reset=disable)
    assert_alike(pair, stderr=True)
    assert pair.dshell.out == f"{plugin}\n"
    assert inspect(engine, plugin)["Enabled"] is True
    for args in (
        ["plugin", "enable", plugin],  # already enabled
        ["plugin", "rm", plugin],  # enabled: refused without -f
        ["plugin", "set", plugin, "DEBUG=1"],  # only while disabled
        ["plugin", "upgrade", plugin],
        ["plugin", "ls", "--filter", "enabled=true", "--format", "{{.Name}}"],
    ):
        harness.assert_same(engine, *args, stderr=True)

    def enable() -> None:
        harness.run_docker_ok(engine, "plugin", "enable", plugin)

    pair = each_in_turn(engine, ["plugin", "disable", plugin], reset=enable)
    assert_alike(pair, stderr=True)
    assert inspect(engine, plugin)["Enabled"] is False
    enable()
    pair = each_in_turn(engine, ["plugin", "disable", "-f", plugin], reset=enable)
    assert_alike(pair, stderr=True)
    harness.assert_same(engine, "plugin", "disable", plugin, stderr=True)  # already disabled


def test_set_changes_settings_as_docker(engine, plugin):
    for args in (
        ["plugin", "set", plugin, "DEBUG=2"],
        ["plugin", "set", plugin, "NOPE=1"],
        ["plugin", "set", plugin, "novalue"],
    ):
        harness.assert_same(engine, *args, stderr=True)
    result = dshell(engine, "plugin", "set", plugin, "DEBUG=7")
    assert (result.out, result.err, result.status) == ("", "", 0)
    assert "DEBUG=7" in inspect(engine, plugin)["Settings"]["Env"]


def test_rm_as_docker_one_by_one(engine, sockets, rootfs, tmp_path):
    names = [harness.unique_name("rm-a"), harness.unique_name("rm-b")]
    directories = [plugin_dir(rootfs, tmp_path) for _ in names]

    def make() -> None:
        for name, directory in zip(names, directories, strict=True):
            create(engine, name, directory)

    try:
        make()
        pair = each_in_turn(engine, ["plugin", "rm", names[0], "no-such", names[1]], reset=make)
        assert_alike(pair, stderr=True)
        assert pair.dshell.out == f"{names[0]}\n{names[1]}\n"
        assert harness.run_docker(engine, "plugin", "inspect", names[0]).status == 1
        make()
        harness.run_docker_ok(engine, "plugin", "enable", names[0])
        pair = each_in_turn(engine, ["plugin", "remove", "-f", *names], reset=make)
        assert_alike(pair, stderr=True)
    finally:
        remove(engine, *names)


# --- push / install / upgrade ---------------------------------------------------------------


@pytest.fixture
def pushed(engine, registry, rootfs, tmp_path) -> Iterator[str]:
    """A plugin in the loopback registry (removed locally)."""
    remote = f"{registry.address}/{harness.unique_name('pushed')}:v1"
    create(engine, remote, plugin_dir(rootfs, tmp_path))
    harness.run_docker_ok(engine, "plugin", "push", remote)
    remove(engine, remote)
    yield remote
    remove(engine, remote)


def test_push_shows_docker_progress(engine, registry, rootfs, tmp_path):
    remote = f"{registry.address}/{harness.unique_name('push')}"
    create(engine, remote + ":v1", plugin_dir(rootfs, tmp_path))
    try:
        for name in (remote + ":v1", remote):  # no tag: latest, which is not there
            pair = harness.differential(engine, "plugin", "push", name)
            same_progress(pair)
        assert pair.docker.status == 1
        again = harness.differential(engine, "plugin", "push", remote + ":v1")
        same_progress(again)
        assert again.dshell.out.startswith(f"The push refers to repository [{remote}]\n")
        status, _ = harness.registry_get(registry, f"/v2/{remote.split('/', 1)[1]}/tags/list")
        assert status == 200
    finally:
        remove(engine, remote + ":v1")


def test_install_asks_for_privileges_as_docker(engine, sockets, pushed):
    def uninstall() -> None:
        remove(engine, pushed)

    for answer in ("n\n", "", "N\n"):
        pair = each_in_turn(engine, ["plugin", "install", pushed], input=answer)
        assert_alike(pair, stderr=True)
        assert pair.dshell.status == 1
        assert pair.dshell.out.startswith(f'Plugin "{pushed}" is requesting the following '
                                          "privileges:\n - network: [host]\n")  # fmt: skip
        assert pair.dshell.err == f"permission denied while installing plugin {pushed}\n"
    # agreed: pulled, set, enabled (the test serves its socket)
    pair = each_in_turn(engine, ["plugin", "install", pushed, "DEBUG=5"], reset=uninstall,
                        input="y\n")  # fmt: skip
    same_progress(pair)
    assert pair.dshell.out.endswith(f"Installed plugin {pushed}\n")
    installed = inspect(engine, pushed)
    assert installed["Enabled"] is True
    assert "DEBUG=5" in installed["Settings"]["Env"]


def test_install_disabled_with_an_alias_and_granted_permissions(engine, pushed):
    alias = harness.unique_name("alias")

    def uninstall() -> None:
        remove(engine, alias)

    try:
        args = [
            "plugin",
            "install",
            "--grant-all-permissions",
            "--disable",
            "--alias",
            alias,
            pushed,
        ]
        pair = each_in_turn(engine, args, reset=uninstall)
        same_progress(pair)
        assert "requesting" not in pair.dshell.out
        found = inspect(engine, alias)
        assert (found["Name"], found["Enabled"], found["PluginReference"]) == (
            f"{alias}:latest",
            False,
            pushed,
        )
        # installing over an existing name fails the same way
        harness.assert_same(engine, *args, stderr=True)
    finally:
        remove(engine, alias)


def test_install_of_missing_remote_fails_as_docker(engine, registry):
    missing = f"{registry.address}/{harness.unique_name('missing')}:v1"
    pair = harness.differential(engine, "plugin", "install", "--grant-all-permissions", missing)
    assert_alike(pair, stderr=True)
    assert pair.dshell.status == 1


def test_upgrade_as_docker(engine, registry, rootfs, tmp_path, pushed):
    alias = harness.unique_name("upg")
    newer = pushed.rsplit(":", 1)[0] + ":v2"
    create(engine, newer, plugin_dir(rootfs, tmp_path, description="the newer one"))
    harness.run_docker_ok(engine, "plugin", "push", newer)
    remove(engine, newer)
    harness.run_docker_ok(engine, "plugin", "install", "--grant-all-permissions", "--disable",
                          "--alias", alias, pushed)  # fmt: skip

    def downgrade() -> None:
        harness.run_docker_ok(engine, "plugin", "upgrade", "--skip-remote-check",
                              "--grant-all-permissions", alias, pushed)  # fmt: skip

    try:
        # images differ: asked (docker reads its answers with a fresh bufio.Scanner per
        # question, which takes all of a piped input at the first: so one answer here). The
        # layers are in the daemon after docker's first upgrade ("Already exists"): docker's
        # second run is the one to compare with.
        args = ["plugin", "upgrade", "--grant-all-permissions", alias, newer]
        run_docker(engine, *args, input="y\n")
        downgrade()
        pair = each_in_turn(engine, args, reset=downgrade, input="y\n")
        same_progress(pair)
        assert pair.dshell.out.startswith(
            f"Upgrading plugin {alias}:latest from {pushed} to {newer}\n"
            "Plugin images do not match, are you sure? [y/N] "
        )
        assert pair.dshell.out.endswith(f"Upgraded plugin {alias}:latest to {newer}\n")
        assert inspect(engine, alias)["Config"]["Description"] == "the newer one"
        downgrade()
        # cancelled: nothing more said, status 0 (docker's main lets a cancelled error
        # go); privileges then refused: status 1
        for answer, status in (("n\n", 0), ("y\n", 1)):
            pair = harness.differential(engine, "plugin", "upgrade", alias, newer, input=answer)
            assert_alike(pair, stderr=True)
            assert pair.dshell.status == status
        # the same remote as installed: no question; enabled ones are refused
        pair = harness.differential(engine, "plugin", "upgrade", "--grant-all-permissions",
                                    alias)  # fmt: skip
        same_progress(pair)
        harness.assert_same(engine, "plugin", "upgrade", alias, "Bad:ref", stderr=True)

        # --skip-remote-check: another image without the question (from v2 back to v1)
        def upgrade() -> None:
            harness.run_docker_ok(engine, "plugin", "upgrade", "--skip-remote-check",
                                  "--grant-all-permissions", alias, newer)  # fmt: skip

        upgrade()
        pair = each_in_turn(
            engine,
            ["plugin", "upgrade", "--skip-remote-check", "--grant-all-permissions", alias, pushed],
            reset=upgrade,
        )
        same_progress(pair)
        assert "do not match" not in pair.dshell.out
        assert inspect(engine, alias)["PluginReference"] == pushed
    finally:
        remove(engine, alias)


def test_install_whose_enable_fails_as_docker(engine, registry, rootfs, tmp_path):
    """Nothing answers on this plugin's socket: the daemon gives up after about 12 s and
    says why; docker keeps the pulled plugin, disabled (its client's clean-up never runs)."""
    remote = f"{registry.address}/{harness.unique_name('dead')}:v1"
    config = {
        "Description": f"never listens {secrets.token_hex(4)}",
        "Entrypoint": ["/bin/false"],
        "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "unserved.sock"},
    }
    create(engine, remote, plugin_dir(rootfs, tmp_path, config=config))
    harness.run_docker_ok(engine, "plugin", "push", remote)
    remove(engine, remote)

    def remove_with_its_runtime() -> None:
        """The daemon leaves the failed plugin's fifos in /run/docker/plugins/ID."""
        found = run_docker(engine, "plugin", "inspect", "-f", "{{.Id}}", remote).out.strip()
        remove(engine, remote)
        if found:
            shutil.rmtree(PLUGIN_RUNTIME / found, ignore_errors=True)

    try:
        pair = each_in_turn(engine, ["plugin", "install", remote],
                            reset=remove_with_its_runtime, timeout=120)  # fmt: skip
        ids = re.compile(r"[0-9a-f]{64}")  # each pull makes a new plugin ID
        same_progress(
            Differential(
                docker=Result(pair.docker.out, ids.sub("ID", pair.docker.err), pair.docker.status),
                dshell=Result(pair.dshell.out, ids.sub("ID", pair.dshell.err), pair.dshell.status),
            )
        )
        assert pair.dshell.status == 1
        assert "/unserved.sock: connect: no such file or directory" in pair.dshell.err
        assert "Installed plugin" not in pair.dshell.out
        assert inspect(engine, remote)["Enabled"] is False
    finally:
        remove_with_its_runtime()


@pytest.mark.parametrize("version", ["1.24", "1.25"])
@pytest.mark.parametrize("args", [
    ["plugin", "ls"],
    ["plugin", "upgrade", "x"],
    ["plugin", "--help"],
    ["plugin", "upgrade", "--help"],
])  # fmt: skip
def test_older_api_versions_refuse_or_hide_as_docker(engine, version, args):
    """docker annotates plugin with API 1.25 and plugin upgrade with 1.26."""
    harness.assert_same(engine, *args, stderr=True, env={"DOCKER_API_VERSION": version})


# --- content trust --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trust_env(engine, tmp_path_factory) -> Iterator[dict[str, str]]:
    """DOCKER_CONTENT_TRUST=1 aimed at a notary server on loopback (tests/notary_server.py),
    in a DOCKER_CONFIG of its own, with the passphrases docker reads from the environment."""
    from tests import notary_server

    try:
        server = notary_server.start_notary_server()
    except harness.HarnessError as problem:
        pytest.fail(f"notary server: {problem}", pytrace=False)
    config = tmp_path_factory.mktemp("plugin-trust")
    env = dict(engine.env, DOCKER_CONFIG=str(config), DOCKER_CONTENT_TRUST="1",
               DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE="plugin-root-1",
               DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE="plugin-repo-1")  # fmt: skip
    env.update(server.trust_env(config))
    try:
        yield env
    finally:
        notary_server.stop_notary_server(server)


def test_content_trust_push_signs_as_docker(engine, registry, rootfs, tmp_path, trust_env):
    """Each tool pushes a plugin of its own under DOCKER_CONTENT_TRUST: same progress, then
    the pushed tag signed. (Installing a signed plugin pulls it by digest, which makes
    dockerd 20.10 panic: never done here.)"""
    outputs = {}
    for tool in ("docker", "dshell"):
        repo = f"{registry.address}/{harness.unique_name('signed-' + tool)}"
        create(engine, f"{repo}:v1", plugin_dir(rootfs, tmp_path))
        try:
            args = ["plugin", "push", f"{repo}:v1"]
            result = (run_docker(trust_env, *args) if tool == "docker"
                      else run_dshell(trust_env, "-c", shlex.join(args)))  # fmt: skip
        finally:
            remove(engine, f"{repo}:v1")
        assert (result.err, result.status) == ("", 0), result.err
        text = re.sub(r"[0-9a-f]{12}: ", "LAYER: ", result.out.replace(repo, "REPO"))
        outputs[tool] = in_any_order(text), text.splitlines()[-3:]
    assert outputs["dshell"] == outputs["docker"]
    assert outputs["dshell"][1] == ["Signing and pushing trust metadata",
                                    'Finished initializing "REPO"',
                                    "Successfully signed REPO:v1"]  # fmt: skip


@pytest.mark.parametrize("args", [
    ["plugin", "install", "--grant-all-permissions", "REG/never-signed:v1"],
    ["plugin", "install", "--grant-all-permissions", "REG/never-signed"],
])  # fmt: skip
def test_content_trust_install_of_unsigned_remote_fails_as_docker(registry, trust_env, args):
    args = [arg.replace("REG", registry.address) for arg in args]
    pair = harness.assert_same(trust_env, *args, stderr=True)
    assert "does not have trust data" in pair.dshell.err


@pytest.mark.parametrize("type_args", [[], ["--type", "plugin"]])
def test_global_inspect_finds_plugins_as_docker(engine, listed, type_args):
    """docker's inspect runs a template on the typed *types.Plugin first (``.ID``)."""
    for fmt in ("{{.ID}} {{.Name}}", "{{.Id}} {{.Enabled}}", ""):
        flags = ["-f", fmt] if fmt else []
        harness.assert_same(engine, "inspect", *type_args, *flags, *listed, stderr=True)
