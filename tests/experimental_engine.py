"""A second private dockerd started with ``--experimental``, for what docker shows and runs
only against experimental daemons (``checkpoint``, ``start --checkpoint``, ``build --squash``).

Started as the suite's engine is (tests/harness.py: same namespace flags, own data-root and
socket, busybox imported), with one more flag.
"""

from __future__ import annotations

import subprocess

from tests import harness


def start_experimental_engine() -> harness.Engine:
    """A private dockerd with experimental features on, busybox imported."""
    harness._check_can_run_dockerd()
    root = harness._short_temp_dir("dsx-")
    socket_path = str(root / "docker.sock")
    log = root / "dockerd.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [*harness._dockerd_command(root, socket_path), "--experimental"],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    host = f"unix://{socket_path}"
    engine = harness.Engine(
        root=root,
        socket=socket_path,
        host=host,
        env=harness._engine_env(root, host),
        log=log,
        pidfile=root / "pid",
        process=process,
    )
    try:
        harness._wait_until(
            lambda: engine.api("GET", "/_ping", timeout=2)[::2] == (200, b"OK"),
            process,
            "experimental dockerd",
            log,
        )
        harness.import_busybox(engine)
    except BaseException:
        harness.stop_engine(engine)
        raise
    return engine


stop_experimental_engine = harness.stop_engine
