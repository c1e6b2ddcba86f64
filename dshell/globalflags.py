"""The ``dshell`` command line itself, declared like any other command so that help and the
shell completion scripts read the same declaration."""

from __future__ import annotations

from dshell.commands.declare import Arg, Command, Flag

LOG_LEVELS = ("debug", "info", "warn", "error", "fatal")

DSHELL_COMMAND = Command(
    words=("dshell",),
    summary="An interactive shell for Docker: type docker commands without 'docker'.",
    method="main",
    usage="[OPTIONS] [FILE [ARG...]]\n        dshell [OPTIONS] -c COMMAND",
    interspersed=False,
    args=(Arg("FILE", kind="path", optional=True, many=True),),
    flags=(
        Flag("command", "Run COMMAND (one line, or several separated by newlines) and exit",
             short="c", type="string"),
        Flag("exit-on-error", "In scripts, stop at the first command that fails", short="e"),
        Flag("config", 'Location of client config files (default "~/.docker")', type="string",
             kind="path"),
        Flag("context", 'Name of the context to use to connect to the daemon (overrides '
             'DOCKER_HOST env var and default context set with "docker context use")',
             type="string", kind="context"),
        Flag("debug", "Enable debug mode", short="D"),
        Flag("host", "Daemon socket to connect to", short="H", type="list", kind="host"),
        Flag("log-level", 'Set the logging level ("debug", "info", "warn", "error", "fatal")',
             short="l", type="string", kind="choice:" + "|".join(LOG_LEVELS), default="info"),
        Flag("tls", "Use TLS; implied by --tlsverify"),
        Flag("tlscacert", "Trust certs signed only by this CA", type="string", kind="path"),
        Flag("tlscert", "Path to TLS certificate file", type="string", kind="path"),
        Flag("tlskey", "Path to TLS key file", type="string", kind="path"),
        Flag("tlsverify", "Use TLS and verify the remote"),
        Flag("version", "Print version information and quit", short="v"),
    ),
)  # fmt: skip
