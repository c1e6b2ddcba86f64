"""``images --tree`` as docker 28 draws it for output that is not a terminal (its
cli/command/image/tree.go with internal/tui's plain strings): each image with its platform
variants, columns fitted to the width.

Without a terminal docker prints no colours and an 80-column layout; dshell draws the same
plain layout on a terminal too, at the terminal's width.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from dshell.render.units import human_size_with_precision

WARNING = ("WARNING: This is an experimental feature. The output may change and shouldn't be "
           "depended on.")  # fmt: skip
COLUMN_SPACING = 3
TITLE_COLOR = "\x1b[39m\x1b[1m"  # aec's DefaultF then Bold
LEFT, RIGHT = "left", "right"


@dataclass
class _Details:
    id: str
    disk_usage: str
    in_use: bool
    content_size: str = ""


@dataclass
class _Child:
    platform: str
    details: _Details


@dataclass
class _Top:
    names: list[str]
    details: _Details
    children: list[_Child] = field(default_factory=list)
    created: int = 0


def _size(value: float) -> str:
    return human_size_with_precision(value, 3)


def _platform(platform: dict | None) -> str:
    """containerd's platforms.Format: ``os/arch/variant``, "unknown" without an OS."""
    platform = platform or {}
    if not platform.get("os"):
        return "unknown"
    parts = [platform.get(key) or "" for key in ("os", "architecture", "variant")]
    return posixpath.normpath(posixpath.join(*parts)) if any(parts) else ""


def _dangling(image: dict) -> bool:
    tags, digests = image.get("RepoTags") or [], image.get("RepoDigests") or []
    if not tags and not digests:
        return True
    return tags == ["<none>:<none>"] and digests == ["<none>@<none>"]


def _short_id(image_id: str) -> str:
    """stringid.TruncateID: the algorithm prefix dropped, 12 characters."""
    return image_id.partition(":")[2][:12] if ":" in image_id else image_id[:12]


def _ellipsis(text: str, length: int) -> str:
    """tui.Ellipsis: cut so that the text with its "…" fills ``length`` cells."""
    return text[: length - 1] + "…" if len(text) >= length > 0 else text


@dataclass
class _Column:
    title: str
    width: int
    align: str
    value: object = None  # a function of _Details, or None for the name column

    def show(self, text: str, color: str = "") -> str:
        """imgColumn.Print: aligned in the column's width, cut with "…" when longer;
        ``color`` (an SGR prefix) wraps the text but not the padding."""
        if len(text) > self.width:
            return _colored(_ellipsis(text, self.width), color)
        padding = " " * (self.width - len(text))
        shown = _colored(text, color)
        return padding + shown if self.align == RIGHT else shown + padding


def _colored(text: str, color: str) -> str:
    return f"{color}{text}\x1b[0m" if color else text


def _view(images: list[dict], all_images: bool) -> tuple[list[_Top], bool]:
    spacing = False
    tops = []
    for image in images:
        if not all_images and _dangling(image):
            continue
        details = _Details(image.get("Id", ""), _size(image.get("Size") or 0),
                           (image.get("Containers") or 0) > 0)  # fmt: skip
        total, children = 0, []
        for manifest in image.get("Manifests") or []:
            sizes = manifest.get("Size") or {}
            total += sizes.get("Content") or 0
            if manifest.get("Kind") != "image":
                continue
            data = manifest.get("ImageData") or {}
            child = _Details(
                manifest.get("ID", ""), _size(sizes.get("Total") or 0),
                bool(data.get("Containers")), _size(sizes.get("Content") or 0))  # fmt: skip
            details.in_use = details.in_use or child.in_use
            children.append(_Child(_platform(data.get("Platform")), child))
            spacing = True
        details.content_size = _size(total)
        tops.append(_Top(list(image.get("RepoTags") or []), details, children,
                         image.get("Created") or 0))  # fmt: skip
    tops.sort(key=lambda top: -top.created)
    return tops, spacing


def render_tree(images: list[dict], all_images: bool, width: int) -> str:
    """docker's runTree and printImageTree for ``GET /images/json?manifests=1``'s answer."""
    tops, spacing = _view(images, all_images)
    width = 80 if width == 0 else max(width, 20)
    in_use = any(child.details.in_use for top in tops for child in top.children)
    legend = " Info ->  U In Use "
    lines = [WARNING, " " * max(width - len(legend), 0) + legend, ""]
    columns = [
        _Column("Image", 0, LEFT),
        _Column("ID", 12, LEFT, lambda d: _short_id(d.id)),
        _Column("Disk usage", 10, RIGHT, lambda d: d.disk_usage),
        _Column("Content size", 12, RIGHT, lambda d: d.content_size),
        _Column("Extra", 5, LEFT, lambda d: ("U" if d.in_use else " ") if in_use else ""),
    ]
    columns = _fit(width, columns, tops)
    out = [line + "\n" for line in lines]
    # docker colours the titles even when not on a terminal (tui.ColorTitle, not out.Color).
    out.append((" " * COLUMN_SPACING).join(c.show(c.title.upper(), TITLE_COLOR)
                                           for c in columns) + "\n")  # fmt: skip

    def details(values: _Details) -> str:
        return "".join(" " * COLUMN_SPACING + c.show(c.value(values))
                       for c in columns if c.value is not None)  # fmt: skip

    for top in tops:
        text = columns[0].show("<untagged>") if not top.names else ""
        names = sorted(top.names, key=len, reverse=True)
        for index, name in enumerate(names):
            text += f"{name}\n" if index < len(names) - 1 else columns[0].show(name)
        text += details(top.details)
        if top.children or spacing:
            text += "\n"
        for index, child in enumerate(top.children):
            branch = "├─ " if index != len(top.children) - 1 else "└─ "
            text += columns[0].show(branch + child.platform) + details(child.details) + "\n"
        out.append(text + "\n")
    return "".join(out)


def _fit(width: int, columns: list[_Column], tops: list[_Top]) -> list[_Column]:
    """adjustColumns: the name column gets what the others leave, no more than its widest
    value; columns that would leave it under 12 cells are dropped."""
    name_width = width
    for index, column in enumerate(columns):
        if column.width == 0:
            continue
        needed = column.width + (COLUMN_SPACING if index else 0)
        if name_width - needed < 12:
            columns = columns[:index]
            break
        name_width -= needed
    widest = len(columns[0].title)
    for top in tops:
        widest = max(widest, *(len(name) for name in top.names), 0)
        for child in top.children:
            widest = max(widest, len(child.platform) + len("└─ ".encode()))
    columns[0].width = min(name_width, widest)
    return columns
