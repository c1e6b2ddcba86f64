"""Flag values refused as pflag refuses them: docker's flag value types (MemBytes, NanoCPUs,
durations, ListOpts with a validator, MountOpt, UlimitOpt, PortOpt…) check a value when the flag
is parsed, so a bad one is reported before the arguments are counted or the daemon is asked.

A flag names its check (``Flag(check=…)``) or gets its type's (``declare.TYPE_CHECKS``); the
parser runs it as it sets the flag. The checks are the parsers the commands later use,
imported only when a flag that has one is given.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def _checks() -> dict[str, Callable[[str], object]]:
    from dshell.commands import run_options as ro

    def swap_bytes(value: str) -> int:
        return -1 if value == "-1" else ro.parse_bytes(value)

    def port(value: str) -> object:
        from dshell.commands.services import parse_port

        return parse_port(value)

    return {
        "bytes": ro.parse_bytes,
        "swap_bytes": swap_bytes,
        "cpus": ro.parse_cpus,
        "duration": ro.parse_duration,
        "ulimit": ro.parse_ulimit,
        "mount": ro.parse_mount,
        "port": port,
        "ip": ro.validate_ip,
        "extra_host": ro.validate_extra_host,
        "sysctl": ro._allowed_sysctl,
        "weight_device": ro._weight_device,
        "bps": lambda value: ro._throttle(value, True),
        "iops": lambda value: ro._throttle(value, False),
        "env": lambda value: ro.validate_env(value, os.environ),
        "attach": ro.attach_stream,
    }


_CHECKS: dict[str, Callable[[str], object]] | None = None


def check(name: str, value: str) -> None:
    """Raise ``ValueError`` (pflag's reason) when ``value`` is not one the check accepts."""
    global _CHECKS
    if _CHECKS is None:
        _CHECKS = _checks()
    _CHECKS[name](value)
