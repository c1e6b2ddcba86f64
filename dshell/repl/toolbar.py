"""The bottom toolbar: where we are connected, what runs there, and the keys worth knowing."""

from __future__ import annotations

from dshell.engine.endpoint import Endpoint
from dshell.repl.cache import Snapshot


def where(endpoint: Endpoint) -> str:
    """The context name, or the host when no named context is in use (the prompt label)."""
    return endpoint.context if endpoint.context != "default" else endpoint.host


def swarm_state(snapshot: Snapshot) -> str:
    """``swarm: manager, 2/2 nodes ready`` (the nodes a manager lists), ``swarm: worker``
    (a worker sees no node list), ``swarm: locked``/``pending``/``error``; "" in no swarm."""
    if not snapshot.swarm:
        return ""
    if snapshot.swarm == "manager" and snapshot.nodes:
        total = len(snapshot.nodes)
        noun = "nodes" if total != 1 else "node"
        return f"swarm: manager, {snapshot.nodes_ready}/{total} {noun} ready"
    return f"swarm: {snapshot.swarm}"


def toolbar_fragments(endpoint: Endpoint, snapshot: Snapshot, vi: bool) -> list[tuple[str, str]]:
    if snapshot.connected:
        engine = f"Engine {snapshot.engine_version} · API {snapshot.api_version}"
        counts = f"{snapshot.running}/{len(snapshot.containers)} running"
        state = "class:bottom-toolbar.ok"
    elif snapshot.loaded_at or snapshot.engine_version:
        engine, counts, state = "reconnecting…", "", "class:bottom-toolbar.error"
    elif snapshot.unreachable:
        engine, counts, state = "no engine answers (retrying)", "", "class:bottom-toolbar.error"
    else:
        engine, counts, state = "connecting…", "", "class:bottom-toolbar.muted"
    fragments = [
        ("class:bottom-toolbar", f" {endpoint.context} "),
        ("class:bottom-toolbar.muted", f"{endpoint.host}  "),
        (state, engine),
    ]
    if counts:
        fragments.append(("class:bottom-toolbar", f"  {counts}"))
        swarm = swarm_state(snapshot)
        if swarm:
            fragments.append(("class:bottom-toolbar", f"  {swarm}"))
    mode = "vi" if vi else "emacs"
    fragments.append(("class:bottom-toolbar.muted",
                      f"   [Tab] complete  [Ctrl-R] search  [F4] {mode}  [Ctrl-D] exit"))
    return fragments
