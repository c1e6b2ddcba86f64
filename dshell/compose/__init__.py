"""Compose files for ``stack deploy``/``stack config``, read on the client as docker/cli's
cli/compose does: load and validate, interpolate, merge, then convert to swarm specs."""


class ComposeError(Exception):
    """A refusal in docker's words (status 1)."""
