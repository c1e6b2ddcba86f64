"""``docker images`` output: one row per repository:tag, as docker/cli's image formatter."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from dshell.records import dataclass
from dshell.render import gojson
from dshell.render.formatter import (
    DEFAULT_QUIET_FORMAT,
    RAW_FORMAT_KEY,
    TABLE_FORMAT_KEY,
    go_time_string,
    human_age,
    is_table,
    render_list,
    truncate_id,
)
from dshell.render.units import human_size, human_size_with_precision

__all__ = [
    "IMAGE_HEADER",
    "ImageContext",
    "Reference",
    "image_contexts",
    "image_format",
    "parse_normalized_reference",
    "render_images",
]

DEFAULT_IMAGE_TABLE_FORMAT = (
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t"
    "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
)
DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST = (
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
    "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
)
RAW_IMAGE_FORMAT = """repository: {{ .Repository }}
tag: {{.Tag}}
image_id: {{.ID}}
created_at: {{.CreatedAt}}
virtual_size: {{.Size}}
"""
RAW_IMAGE_FORMAT_WITH_DIGEST = """repository: {{ .Repository }}
tag: {{.Tag}}
digest: {{.Digest}}
image_id: {{.ID}}
created_at: {{.CreatedAt}}
virtual_size: {{.Size}}
"""

IMAGE_HEADER = {
    "ID": "IMAGE ID",
    "Repository": "REPOSITORY",
    "Tag": "TAG",
    "Digest": "DIGEST",
    "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT",
    "Size": "SIZE",
    "Containers": "CONTAINERS",
    "VirtualSize": "SIZE",
    "SharedSize": "SHARED SIZE",
    "UniqueSize": "UNIQUE SIZE",
}

# Go's zero time.Time, which docker shows as an empty CreatedSince ("N/A" in the table).
_GO_ZERO_TIME_UNIX = -62135596800


def image_format(fmt: str | None, config_format: str | None, quiet: bool, digests: bool) -> str:
    """The format ``docker images`` uses: ``--format``, else config.json ``imagesFormat``
    (ignored with ``-q``), else the default table; ``--digests`` adds the DIGEST column.
    A custom template is used as given even with ``-q``, as docker does."""
    if not fmt:
        fmt = config_format if config_format and not quiet else TABLE_FORMAT_KEY
    if fmt == TABLE_FORMAT_KEY:
        if quiet:
            return DEFAULT_QUIET_FORMAT
        return DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST if digests else DEFAULT_IMAGE_TABLE_FORMAT
    if fmt == RAW_FORMAT_KEY:
        if quiet:
            return "image_id: {{.ID}}"
        return RAW_IMAGE_FORMAT_WITH_DIGEST if digests else RAW_IMAGE_FORMAT
    if is_table(fmt) and digests and "{{.Digest}}" not in fmt:
        fmt += "\t{{.Digest}}"
    return fmt


def render_images(
    images: list[dict],
    fmt: str,
    *,
    trunc: bool = True,
    digests: bool = False,
    now: float | None = None,
) -> str:
    """Render the ``GET /images/json`` answer with a format from :func:`image_format`.

    Raises :class:`~dshell.render.formatter.FormatError` for a bad template.
    """
    contexts = image_contexts(images, fmt, trunc=trunc, digests=digests, now=now)
    return render_list(fmt, contexts, IMAGE_HEADER)


def image_contexts(
    images: list[dict],
    fmt: str,
    *,
    trunc: bool = True,
    digests: bool = False,
    now: float | None = None,
) -> list[ImageContext]:
    """One context per displayed row: per repository and tag, and per digest when digests
    are shown (``--digests`` or a format using ``{{.Digest}}``).

    docker walks Go maps here, so its row order for an image with several repositories
    varies from run to run; dshell keeps the order the daemon listed the references in.
    """
    need_digest = digests or "{{.Digest}}" in fmt
    rows: list[ImageContext] = []
    for image in images:

        def add(repo: str, tag: str, digest: str, image: dict = image) -> None:
            rows.append(ImageContext(image, repo, tag, digest, trunc=trunc, now=now))

        if _is_dangling(image):
            add("<none>", "<none>", "<none>")
            continue
        tags_by_repo: dict[str, list[str]] = {}
        digests_by_repo: dict[str, list[str]] = {}
        for text in image.get("RepoTags") or []:
            ref = parse_normalized_reference(text)
            if ref is not None and ref.tag:
                tags_by_repo.setdefault(ref.familiar_name, []).append(ref.tag)
        for text in image.get("RepoDigests") or []:
            ref = parse_normalized_reference(text)
            if ref is not None and ref.digest:
                digests_by_repo.setdefault(ref.familiar_name, []).append(ref.digest)
        for repo, tags in tags_by_repo.items():
            repo_digests = digests_by_repo.pop(repo, [])
            if not need_digest:
                repo_digests = []
            for tag in tags:
                for digest in repo_digests or ["<none>"]:
                    add(repo, tag, digest)
        for repo, repo_digests in digests_by_repo.items():
            if digests:
                for digest in repo_digests:
                    add(repo, "<none>", digest)
            else:
                add(repo, "<none>", "")
    return rows


def _is_dangling(image: Mapping[str, Any]) -> bool:
    tags = image.get("RepoTags") or []
    repo_digests = image.get("RepoDigests") or []
    if not tags and not repo_digests:
        return True
    return tags == ["<none>:<none>"] and repo_digests == ["<none>@<none>"]


class ImageContext:
    """One row of ``docker images``; methods are the ``--format`` fields."""

    go_type_name = "*formatter.imageContext"

    def __init__(
        self,
        image: Mapping[str, Any],
        repo: str,
        tag: str,
        digest: str,
        *,
        trunc: bool = True,
        now: float | None = None,
    ) -> None:
        self._image = image
        self._repo = repo
        self._tag = tag
        self._digest = digest
        self._trunc = trunc
        self._now = now

    def _int(self, key: str) -> int:
        value = self._image.get(key)
        return int(value) if value is not None else 0

    def ID(self) -> str:
        ident = self._image.get("Id") or ""
        return truncate_id(ident) if self._trunc else ident

    def Repository(self) -> str:
        return self._repo

    def Tag(self) -> str:
        return self._tag

    def Digest(self) -> str:
        return self._digest

    def CreatedSince(self) -> str:
        created = self._int("Created")
        if created == _GO_ZERO_TIME_UNIX:
            return ""
        return human_age(created, self._now)

    def CreatedAt(self) -> str:
        return go_time_string(self._int("Created"))

    def Size(self) -> str:
        return human_size_with_precision(self._int("Size"), 3)

    def Containers(self) -> str:
        containers = self._int("Containers")
        return "N/A" if containers == -1 else str(containers)

    def VirtualSize(self) -> str:
        """Deprecated in docker: the same number as Size, with four digits."""
        return human_size(self._int("Size"))

    def SharedSize(self) -> str:
        shared = self._int("SharedSize")
        return "N/A" if shared == -1 else human_size(shared)

    def UniqueSize(self) -> str:
        size, shared = self._int("Size"), self._int("SharedSize")
        return "N/A" if size == -1 or shared == -1 else human_size(size - shared)

    def marshal_json(self) -> gojson.RawJSON:
        """docker's ``MarshalJSON``: every field by name, keys sorted, ``<>&`` escaped."""
        fields = {name: getattr(self, name)() for name in sorted(IMAGE_HEADER)}
        return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))


# --- image references (github.com/distribution/reference, the parts docker's formatters use)

_DEFAULT_DOMAIN = "docker.io"
_OFFICIAL_PREFIX = "library/"
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[_.]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"^(?P<name>(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$"
)
_IDENTIFIER = re.compile(r"^[a-f0-9]{64}$")


@dataclass(frozen=True)
class Reference:
    """A normalized image reference: ``docker.io/library/busybox`` plus tag and digest."""

    domain: str
    path: str
    tag: str = ""
    digest: str = ""

    @property
    def familiar_name(self) -> str:
        """The name as users type it: ``busybox``, ``user/app``, ``localhost:5000/app``."""
        if self.domain != _DEFAULT_DOMAIN:
            return f"{self.domain}/{self.path}"
        short = self.path[len(_OFFICIAL_PREFIX) :]
        if self.path.startswith(_OFFICIAL_PREFIX) and "/" not in short:
            return short
        return self.path

    def familiar_string(self, with_digest: bool = True) -> str:
        text = self.familiar_name
        if self.tag:
            text += ":" + self.tag
        if self.digest and with_digest:
            text += "@" + self.digest
        return text


@functools.lru_cache(maxsize=4096)
def go_lower(text: str) -> str:
    """Go's ``strings.ToLower``: bytes that are not UTF-8 (surrogate escapes here) come out
    as U+FFFD, so such a name is never "lower case"."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = "".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch for ch in text)
    return text.lower()


def split_docker_domain(text: str) -> tuple[str, str]:
    """distribution/reference's splitDockerDomain: the registry and the rest, Docker Hub's
    ``library/`` added to an official image's name."""
    first, slash, rest = text.partition("/")
    if not slash or (
        not any(ch in first for ch in ".:") and first != "localhost" and go_lower(first) == first
    ):
        domain, remainder = _DEFAULT_DOMAIN, text
    else:
        domain, remainder = first, rest
    if domain == "index.docker.io":
        domain = _DEFAULT_DOMAIN
    if domain == _DEFAULT_DOMAIN and "/" not in remainder:
        remainder = _OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse_normalized_reference(text: str) -> Reference | None:
    """``reference.ParseNormalizedNamed``; ``None`` where docker's parser fails.

    Cached: a listing names the same few images on many rows (the answer is immutable)."""
    if _IDENTIFIER.match(text):
        return None
    domain, remainder = split_docker_domain(text)
    remote_name = remainder.split(":", 1)[0]
    if go_lower(remote_name) != remote_name:
        return None
    match = _REFERENCE.match(f"{domain}/{remainder}")
    if match is None or len(match.group("name")) > 255:
        return None
    path = match.group("name")[len(domain) + 1 :]
    return Reference(domain, path, match.group("tag") or "", match.group("digest") or "")
