"""listing.natural_less_key orders as fvbommel/sortorder's NaturalCompare (docker's listings)."""

from __future__ import annotations

import functools
import random

from dshell.render.listing import natural_less_key


def go_natural_compare(a: str, b: str) -> int:
    """NaturalCompare as written in Go, step by step, on the UTF-8 bytes."""
    s1, s2 = a.encode(), b.encode()
    i = j = 0

    def digit(c: int) -> bool:
        return 48 <= c <= 57

    while i < len(s1) and j < len(s2):
        c1, c2 = s1[i], s2[j]
        d1, d2 = digit(c1), digit(c2)
        if d1 != d2:
            return -1 if d1 else 1
        if not d1:
            if c1 != c2:
                return -1 if c1 < c2 else 1
            i, j = i + 1, j + 1
            continue
        while i < len(s1) and s1[i] == 48:
            i += 1
        while j < len(s2) and s2[j] == 48:
            j += 1
        nz1, nz2 = i, j
        while i < len(s1) and digit(s1[i]):
            i += 1
        while j < len(s2) and digit(s2[j]):
            j += 1
        if i - nz1 != j - nz2:
            return -1 if i - nz1 < j - nz2 else 1
        if s1[nz1:i] != s2[nz2:j]:
            return -1 if s1[nz1:i] < s2[nz2:j] else 1
        if nz1 != nz2:
            return -1 if nz1 < nz2 else 1
    return (len(s1) > len(s2)) - (len(s1) < len(s2))


def test_digits_sort_before_letters_at_the_same_place():
    names = ["web", "1web", "a1", "ab1", "abc1", "a", "a01", "a1b", "a1a"]
    assert sorted(names, key=natural_less_key) == \
        sorted(names, key=functools.cmp_to_key(go_natural_compare))  # fmt: skip
    assert sorted(["zeta", "9lives", "alpha"], key=natural_less_key) == \
        ["9lives", "alpha", "zeta"]  # fmt: skip


def test_agrees_with_go_on_random_names():
    rng = random.Random(7)
    alphabet = "0012aAbz_-.é٣"
    for _ in range(300):
        names = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
                 for _ in range(12)]  # fmt: skip
        ours = sorted(names, key=natural_less_key)
        for left, right in zip(ours, ours[1:], strict=False):
            assert go_natural_compare(left, right) <= 0, (left, right)
