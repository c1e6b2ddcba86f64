"""A build cache record's age counts its creation time's fraction, as Go's time.Sub does:
created at :00.8 and seen at :02.7 is "1 second ago" (1.9 s), not 2 (the fraction dropped)."""

from __future__ import annotations

from datetime import datetime, timezone

from dshell.render import df, formatter


def test_fraction_of_a_second_counts(monkeypatch):
    created = datetime(2026, 11, 30, 12, 0, 0, 800000, tzinfo=timezone.utc).timestamp()
    monkeypatch.setattr(formatter.time, "time", lambda: created + 1.9)
    assert df._since("2026-11-30T12:00:00.800000000Z") == "1 second ago"
    monkeypatch.setattr(formatter.time, "time", lambda: created + 2.05)
    assert df._since("2026-11-30T12:00:00.8Z") == "2 seconds ago"


def test_build_cache_order_is_least_recently_used_first_then_id():
    records = [
        {"ID": "b", "LastUsedAt": "2026-11-30T12:00:00.5Z"},
        {"ID": "a", "LastUsedAt": "2026-11-30T12:00:00.5Z"},
        {"ID": "z", "LastUsedAt": None},
        {"ID": "c", "LastUsedAt": "2026-11-30T12:00:00.123456789Z"},
        {"ID": "d", "LastUsedAt": "2026-11-30T11:59:59.9+00:00"},
    ]
    assert [r["ID"] for r in sorted(records, key=df._build_cache_order)] == \
        ["z", "d", "c", "a", "b"]  # fmt: skip
