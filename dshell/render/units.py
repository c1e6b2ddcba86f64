"""Sizes and durations as docker/go-units writes them ("1.98MB", "About an hour")."""

from __future__ import annotations

__all__ = ["bytes_size", "human_duration", "human_size", "human_size_with_precision"]

_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def _scale(size: float, base: float, units: tuple[str, ...]) -> tuple[float, str]:
    index = 0
    while size >= base and index < len(units) - 1:
        size /= base
        index += 1
    return size, units[index]


def human_size_with_precision(size: float, precision: int) -> str:
    """Decimal units with ``precision`` significant digits (Go's ``%.*g``): "1.98MB", "0B"."""
    value, unit = _scale(float(size), 1000.0, _DECIMAL_UNITS)
    return f"{value:.{precision}g}{unit}"


def human_size(size: float) -> str:
    """go-units ``HumanSize``: four significant digits, decimal units ("1.982MB")."""
    return human_size_with_precision(size, 4)


def bytes_size(size: float) -> str:
    """go-units ``BytesSize``: four significant digits, binary units ("44KiB")."""
    value, unit = _scale(float(size), 1024.0, _BINARY_UNITS)
    return f"{value:.4g}{unit}"


def human_duration(seconds: float) -> str:
    """go-units ``HumanDuration`` for a duration given in seconds (negative counts as zero).

    Hours are rounded to the nearest hour; days, weeks, months (30 days) and years
    (365 days) are then whole divisions of those hours, as in Go.
    """
    whole_seconds = int(seconds)
    if whole_seconds < 1:
        return "Less than a second"
    if whole_seconds == 1:
        return "1 second"
    if whole_seconds < 60:
        return f"{whole_seconds} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"
