"""Turning Engine API answers into docker's text."""


class RenderError(Exception):
    """Output could not be produced (a bad ``--format``); ``str()`` is docker's message."""
