"""Image references as the docker CLI checks them before asking the daemon.

Parsing itself is ``dshell.render.images.parse_normalized_reference``; this module adds the
errors in docker's words and the spellings the API and the CLI's messages use.
"""

from __future__ import annotations

import re

from dshell.engine.errors import EngineError
from dshell.render.images import (
    Reference,
    go_lower,
    parse_normalized_reference,
    split_docker_domain,
)

__all__ = ["DEFAULT_TAG", "InvalidReference", "check_any_reference", "full_name", "full_string",
           "parse_reference"]

DEFAULT_TAG = "latest"
INVALID_FORMAT = "invalid reference format"


class InvalidReference(EngineError):
    """A reference docker's parser rejects; ``str()`` is distribution/reference's message."""


def parse_reference(text: str) -> Reference:
    """``reference.ParseNormalizedNamed`` or ``InvalidReference`` with docker's message."""
    ref = parse_normalized_reference(text) if text else None
    if ref is not None:
        return ref
    raise InvalidReference(_reason(text))


#: What ``reference.ParseAnyReference`` takes without a name: an image ID, or a digest.
_ID_OR_DIGEST = re.compile(
    r"[a-f0-9]{64}|sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}"
)


def check_any_reference(text: str) -> None:
    """``reference.ParseAnyReference`` as ``run``/``create`` use it before creating anything:
    an image ID or a digest passes, anything else must parse as a name."""
    if not _ID_OR_DIGEST.fullmatch(text):
        parse_reference(text)


def _reason(text: str) -> str:
    """Why ``text`` is not a reference, as ParseNormalizedNamed says it: a repository name
    that is not lower case (as Go lowers it) has its own message, before anything is parsed."""
    _, remainder = split_docker_domain(text)
    remote = remainder.split(":", 1)[0]
    if go_lower(remote) != remote:
        return f"{INVALID_FORMAT}: repository name ({remote}) must be lowercase"
    return INVALID_FORMAT


def full_name(ref: Reference) -> str:
    """``Named.Name()``: ``docker.io/library/busybox``, ``127.0.0.1:5000/app``."""
    return f"{ref.domain}/{ref.path}"


def full_string(ref: Reference) -> str:
    """``Named.String()``: the full name with tag and digest."""
    text = full_name(ref)
    if ref.tag:
        text += ":" + ref.tag
    if ref.digest:
        text += "@" + ref.digest
    return text


def with_default_tag(ref: Reference) -> Reference:
    """``reference.TagNameOnly``: ``latest`` when neither tag nor digest was given."""
    if ref.tag or ref.digest:
        return ref
    return Reference(ref.domain, ref.path, DEFAULT_TAG, "")
