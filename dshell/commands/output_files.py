"""Writing a command's binary output (``export``, ``save``) to a file the way docker does."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

SAVE_TO_TERMINAL = "cowardly refusing to save to a terminal. Use the -o flag or redirect"


def write_file_atomically(path: str, chunks: Iterable[bytes]) -> None:
    """docker's ``CopyToFile``: a temporary file beside ``path``, renamed over it only when
    complete, so a failed transfer never leaves a half-written archive behind."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".docker_temp_", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
