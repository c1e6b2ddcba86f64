"""``images --tree`` as docker 28 draws it (its cli/command/image/tree.go with internal/tui
and aec's escape codes): each image with its platform variants, columns fitted to the width.
On a terminal: colours, the terminal's width and the fancy chips; otherwise plain text in 80
columns (the titles are coloured either way, as docker colours them).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from dshell.render.units import human_size_with_precision

WARNING = ("WARNING: This is an experimental feature. The output may change and shouldn't be "
           "depended on.")  # fmt: skip
COLUMN_SPACING = 3
RESET = "\x1b[0m"
TITLE_COLOR = "\x1b[39m\x1b[1m"  # aec's DefaultF then Bold (tui.ColorTitle)
NORMAL_COLOR = "\x1b[39m"  # tui.ColorSecondary
FAINT_COLOR = "\x1b[39m\x1b[2m"  # tui.ColorTertiary, and a variant not pulled
TOP_NAME_COLOR = "\x1b[34m\x1b[1m"  # aec.BlueF, aec.Bold
WARNING_COLOR = "\x1b[93m"  # aec.LightYellowF
CHIP_IN_USE = "\x1b[38;5;0m\x1b[48;5;14m U " + RESET  # tui.Chip(0, 14, " U ")
INFO_HEADER = ("\x1b[1m\x1b[106m\x1b[30mi" + RESET + RESET + " \x1b[96mInfo → " + RESET
               + RESET)  # fmt: skip
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
    available: bool = True


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


def _width(text: str) -> int:
    """tui.Width: the cells ``text`` takes, its escape sequences left out."""
    return len(re.sub(r"\x1b[^m]*m", "", text))


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
        if _width(text) > self.width:
            return _colored(_ellipsis(text, self.width), color)
        padding = " " * (self.width - _width(text))
        shown = _colored(text, color)
        return padding + shown if self.align == RIGHT else shown + padding


def _colored(text: str, color: str) -> str:
    return f"{color}{text}{RESET}" if color else text


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
            children.append(_Child(_platform(data.get("Platform")), child,
                                   bool(manifest.get("Available"))))  # fmt: skip
            spacing = True
        details.content_size = _size(total)
        tops.append(_Top(list(image.get("RepoTags") or []), details, children,
                         image.get("Created") or 0))  # fmt: skip
    tops.sort(key=lambda top: -top.created)
    return tops, spacing


def render_tree(images: list[dict], all_images: bool, width: int, terminal: bool = False) -> str:
    """docker's runTree and printImageTree for ``GET /images/json?manifests=1``'s answer;
    ``width`` is the terminal's (0 when not one)."""
    tops, spacing = _view(images, all_images)
    width = 80 if width == 0 else max(width, 20)

    def color(code: str) -> str:  # tui.Output.Color: nothing off a terminal
        return code if terminal else ""

    in_use = any(child.details.in_use for top in tops for child in top.children)
    chip, placeholder = (CHIP_IN_USE, "   ") if terminal else ("U", " ")
    legend = f"{INFO_HEADER if terminal else ' Info -> '} {chip} In Use "
    warning = _colored(WARNING, color(WARNING_COLOR))
    lines = [warning, " " * max(width - _width(legend), 0) + legend, ""]
    columns = [
        _Column("Image", 0, LEFT),
        _Column("ID", 12, LEFT, lambda d: _short_id(d.id)),
        _Column("Disk usage", 10, RIGHT, lambda d: d.disk_usage),
        _Column("Content size", 12, RIGHT, lambda d: d.content_size),
        _Column("Extra", max(5, _width(chip) if in_use else 0), LEFT,
                lambda d: (chip if d.in_use else placeholder) if in_use else ""),
    ]  # fmt: skip
    columns = _fit(width, columns, tops)
    out = [line + "\n" for line in lines]
    # docker colours the titles even when not on a terminal (tui.ColorTitle, not out.Color).
    out.append((" " * COLUMN_SPACING).join(c.show(c.title.upper(), TITLE_COLOR)
                                           for c in columns) + "\n")  # fmt: skip

    def details(values: _Details, shade: str) -> str:
        return "".join(" " * COLUMN_SPACING + c.show(c.value(values),
                                                     "" if c.title == "Extra" else shade)
                       for c in columns if c.value is not None)  # fmt: skip

    normal, names_color = color(NORMAL_COLOR), color(TOP_NAME_COLOR)
    for top in tops:
        text = columns[0].show("<untagged>", color(FAINT_COLOR)) if not top.names else ""
        names = sorted(top.names, key=len, reverse=True)
        for index, name in enumerate(names):
            if index < len(names) - 1:
                shown = _ellipsis(name, width) if terminal else name
                text += _colored(shown, names_color) + "\n"
            else:
                text += columns[0].show(name, names_color)
        text += details(top.details, normal)
        if top.children or spacing:
            text += "\n"
        for index, child in enumerate(top.children):
            shade = normal if child.available else color(FAINT_COLOR)
            branch = "├─ " if index != len(top.children) - 1 else "└─ "
            text += columns[0].show(branch + child.platform, shade)
            text += details(child.details, shade) + "\n"
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
