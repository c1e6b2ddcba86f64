"""CLI plugins the tests write themselves: small /bin/sh scripts that answer docker's
metadata request, cobra's ``__complete`` protocol, and otherwise report what they were given.

Never a downloaded binary: every plugin here is a few lines written into a temporary
``cli-plugins`` folder by the test that uses it.
"""

from __future__ import annotations

import json
from pathlib import Path

#: A plugin that reports its argv, the environment docker gives plugins, whether it could
#: reach the plugin socket, its terminals, and exits with $REC_STATUS (default 3). With
#: REC_LOG set, each run appends a line to that file (to count runs).
RECORDER = r"""#!/bin/sh
if [ "$1" = docker-cli-plugin-metadata ]; then
  [ -n "$REC_LOG" ] && echo metadata >> "$REC_LOG"
  echo '@METADATA@'
  exit 0
fi
if [ "$1" = __complete ]; then
  shift
  echo "complete: $*" >> "${REC_LOG:-/dev/null}"
  printf 'alpha\tFirst candidate\nalpine\tSecond candidate\nbeta\n:4\n'
  exit 0
fi
[ -n "$REC_LOG" ] && echo run >> "$REC_LOG"
n=0
for arg in "$@"; do n=$((n+1)); echo "arg$n=[$arg]"; done
for name in DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND DOCKER_CLI_PLUGIN_SOCKET \
            OTEL_RESOURCE_ATTRIBUTES BUILDX_BUILDER DOCKER_HOST DOCKER_CONFIG; do
  eval "value=\${$name-unset}"
  echo "$name=$value"
done
[ -t 0 ] && echo "stdin: terminal" || echo "stdin: not a terminal"
[ -t 1 ] && echo "stdout: terminal" || echo "stdout: not a terminal"
echo "to stderr" >&2
exit ${REC_STATUS:-3}
"""

#: Metadata that docker accepts.
GOOD_METADATA = {"SchemaVersion": "0.1.0", "Vendor": "Test Co", "Version": "v1.2.3",
                 "ShortDescription": "Record what docker gives a plugin",
                 "URL": "https://example.invalid"}  # fmt: skip


def write_plugin(
    folder: Path, name: str, metadata: dict | str | None = None, script: str = RECORDER
) -> Path:
    """``folder/docker-NAME``, executable, answering ``docker-cli-plugin-metadata`` with
    ``metadata`` (JSON of a dict, or the text as given)."""
    folder.mkdir(parents=True, exist_ok=True)
    if metadata is None:
        metadata = GOOD_METADATA
    text = metadata if isinstance(metadata, str) else json.dumps(metadata)
    path = folder / f"docker-{name}"
    path.write_text(script.replace("@METADATA@", text.replace("'", "'\\''")))
    path.chmod(0o755)
    return path


def raw_plugin(folder: Path, name: str, body: str) -> Path:
    """``folder/docker-NAME`` holding the shell script ``body`` as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"docker-{name}"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path
