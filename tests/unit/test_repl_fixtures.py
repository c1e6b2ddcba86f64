"""Shared data for the REPL unit tests (no tests here): a registry declared like docker's
commands and cache contents as plain dicts. Independent of which commands the session has
today: these pin the rules."""

from __future__ import annotations

from dshell.commands.declare import Arg, Command, Flag, Registry
from dshell.repl.cache import ResourceCache


def _cmd(words: str, summary: str = "", flags=(), args=(), aliases=(), **kw) -> Command:  # noqa: ANN001, ANN003
    return Command(tuple(words.split()), summary or words, "cmd_" + words.replace(" ", "_"),
                   flags=tuple(flags), args=tuple(args),
                   aliases=tuple(tuple(a.split()) for a in aliases), **kw)  # fmt: skip


RUN_FLAGS = (
    Flag("interactive", "Keep STDIN open even if not attached", short="i"),
    Flag("tty", "Allocate a pseudo-TTY", short="t"),
    Flag("detach", "Run container in background", short="d"),
    Flag("env", "Set environment variables", short="e", type="list"),
    Flag("name", "Assign a name to the container", type="string"),
    Flag("network", "Connect a container to a network", type="string", kind="network"),
    Flag("restart", "Restart policy", type="string",
         kind="choice:no|on-failure|always|unless-stopped"),
    Flag("pull", "Pull image before running", type="string", kind="choice:always|missing|never"),
    Flag("volume", "Bind mount a volume", short="v", type="list", kind="path"),
    Flag("cidfile", "Write the container ID to the file", type="string", kind="path"),
    Flag("workdir", "Working directory", short="w", type="string"),
)  # fmt: skip

COMMANDS = [
    _cmd("container", "Manage containers", group="Management Commands"),
    _cmd("container ls", "List containers", aliases=["ps", "container list"], flags=(
        Flag("all", "Show all containers", short="a"),
        Flag("filter", "Filter output", short="f", type="filter", kind="filter:container"),
        Flag("format", "Format output", type="string", kind="format:container"),
        Flag("quiet", "Only display container IDs", short="q"),
    )),
    _cmd("container run", "Create and run a new container", aliases=["run"], flags=RUN_FLAGS,
         interspersed=False, args=(Arg("IMAGE", kind="image"),
                                   Arg("COMMAND", kind="command", optional=True),
                                   Arg("ARG", many=True, optional=True))),
    _cmd("container exec", "Execute a command", aliases=["exec"], interspersed=False,
         flags=RUN_FLAGS[:4], args=(Arg("CONTAINER", kind="container:running"),
                                    Arg("COMMAND"), Arg("ARG", many=True, optional=True))),
    _cmd("container start", "Start containers", aliases=["start"],
         args=(Arg("CONTAINER", kind="container:stopped", many=True),),
         flags=(Flag("attach", "Attach STDOUT/STDERR", short="a"),)),
    _cmd("container stop", "Stop containers", aliases=["stop"],
         args=(Arg("CONTAINER", kind="container:running", many=True),),
         flags=(Flag("signal", "Signal to send", short="s", type="string", kind="signal"),
                Flag("time", "Seconds to wait", short="t", type="int"))),
    _cmd("container unpause", "Unpause", aliases=["unpause"],
         args=(Arg("CONTAINER", kind="container:paused", many=True),)),
    _cmd("container rm", "Remove containers", aliases=["rm"],
         args=(Arg("CONTAINER", kind="container:stopped", many=True),),
         flags=(Flag("force", "Force the removal", short="f"),
                Flag("volumes", "Remove anonymous volumes", short="v"))),
    _cmd("container cp", "Copy files", aliases=["cp"],
         args=(Arg("SRC", kind="container-path"), Arg("DEST", kind="container-path"))),
    _cmd("image", "Manage images", group="Management Commands"),
    _cmd("image ls", "List images", aliases=["images"], flags=(
        Flag("filter", "Filter output", short="f", type="filter", kind="filter:image"),
        Flag("format", "Format output", type="string", kind="format:image"),
    )),
    _cmd("image rm", "Remove images", aliases=["rmi"],
         args=(Arg("IMAGE", kind="image-tagged", many=True),)),
    _cmd("build", "Build an image", args=(Arg("PATH", kind="path:dir"),),
         flags=(Flag("tag", "Name and optionally a tag", short="t", type="list"),)),
    _cmd("network", "Manage networks", group="Management Commands"),
    _cmd("network rm", "Remove networks", args=(Arg("NETWORK", kind="network", many=True),)),
    _cmd("volume", "Manage volumes", group="Management Commands"),
    _cmd("volume inspect", "Inspect volumes", args=(Arg("VOLUME", kind="volume", many=True),),
         flags=(Flag("format", "Format", short="f", type="string", kind="format"),)),
    _cmd("context", "Manage contexts", group="Management Commands"),
    _cmd("context use", "Set the current context", args=(Arg("CONTEXT", kind="context"),)),
    _cmd("system", "Manage Docker", group="Management Commands"),
    _cmd("system events", "Get real time events", aliases=["events"], flags=(
        Flag("filter", "Filter output", short="f", type="filter", kind="filter:event"),)),
    _cmd("logs", "Fetch the logs", args=(Arg("CONTAINER", kind="container:all"),),
         flags=(Flag("follow", "Follow log output", short="f"),
                Flag("mystery", "A kind nobody completes", type="string", kind="sparkles"))),
    _cmd("help", "Show the commands", args=(Arg("COMMAND", kind="command", many=True,
                                                optional=True),)),
    _cmd("version", "Show the Docker version information"),
    _cmd("hidden-thing", "Not listed", hidden=True),
]


def registry() -> Registry:
    return Registry([Command(c.words, c.summary, c.method, c.flags, c.args, c.aliases, c.group,
                             c.interspersed, c.usage, c.rest_kind, c.hidden)
                     for c in COMMANDS])  # fmt: skip


CONTAINERS = [
    {"Id": "a" * 64, "Names": ["/web"], "Image": "nginx:latest", "State": "running",
     "Status": "Up 2 minutes"},
    {"Id": "b" * 64, "Names": ["/worker"], "Image": "busybox", "State": "exited",
     "Status": "Exited (0) 3 hours ago"},
    {"Id": "c" * 64, "Names": ["/fresh"], "Image": "busybox", "State": "created",
     "Status": "Created"},
    {"Id": "d" * 64, "Names": ["/napping"], "Image": "redis:7", "State": "paused",
     "Status": "Up 1 hour (Paused)"},
]
IMAGES = [
    {"Id": "sha256:" + "1" * 64, "RepoTags": ["busybox:latest", "127.0.0.1:5000/bb:v1"],
     "Size": 1_980_000, "Created": 1_700_000_000},
    {"Id": "sha256:" + "2" * 64, "RepoTags": ["<none>:<none>"], "Size": 10, "Created": 1},
    {"Id": "sha256:" + "3" * 64, "RepoTags": ["nginx:latest"], "Size": 187_000_000,
     "Created": 1_700_000_000},
]
NETWORKS = [{"Name": "bridge", "Driver": "bridge"}, {"Name": "host", "Driver": "host"},
            {"Name": "backend", "Driver": "bridge"}]  # fmt: skip
VOLUMES = [{"Name": "data", "Driver": "local"}, {"Name": "cache", "Driver": "local"}]


def cache() -> ResourceCache:
    built = ResourceCache.from_data(containers=CONTAINERS, images=IMAGES, networks=NETWORKS,
                                    volumes=VOLUMES)  # fmt: skip
    from dataclasses import replace

    built.snapshot = replace(built.snapshot, contexts=(("default", "Current DOCKER_HOST"),
                                                       ("remote", "a remote engine")))
    return built
