"""The one error a template raises, for parse and execution failures alike."""

from __future__ import annotations


class TemplateError(Exception):
    """A parse or execution error; str(error) is Go's message.

    `output` holds what an execution wrote before it failed (Go writes it to its writer).
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output
