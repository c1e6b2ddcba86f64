"""`docker images` rendering, checked against output recorded from the docker 28 CLI.

tests/unit/data/images/ holds `/images/json` answers from dockerd 20.10 and what `docker
images` printed for the same state (cases.json: arguments and the clock).  docker orders the
rows of an image with several repositories by Go map iteration, which varies between runs;
the goldens were recorded when that order matched the daemon's, which dshell keeps.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dshell.render.formatter import FormatError
from dshell.render.images import (
    ImageContext,
    image_contexts,
    image_format,
    parse_normalized_reference,
    render_images,
)

DATA = Path(__file__).parent / "data" / "images"
CASES = json.loads((DATA / "cases.json").read_text())
NOW = CASES["now"]
DIGEST = "sha256:cbbf2f9a99b47fc460d422812b6a5adff7dfee951d8fa2e4a98caa0382cfbdbf"
OTHER_DIGEST = "sha256:" + "1" * 64


pytestmark = pytest.mark.usefixtures("utc")


def load(name: str) -> list[dict]:
    return json.loads((DATA / f"{name}.json").read_text())


def rows(images: list[dict], fmt: str = "table", digests: bool = False) -> list[tuple]:
    contexts = image_contexts(images, fmt, digests=digests)
    return [(c.Repository(), c.Tag(), c.Digest(), c.ID()) for c in contexts]


SYNTHETIC = [
    {"Id": "sha256:" + "a" * 64, "RepoTags": ["image:tag1"], "RepoDigests": [f"image@{DIGEST}"]},
    {"Id": "sha256:" + "b" * 64, "RepoTags": ["image:tag2"], "RepoDigests": None},
    {"Id": "sha256:" + "c" * 64, "RepoTags": ["<none>:<none>"], "RepoDigests": ["<none>@<none>"]},
]


# --- rows ---------------------------------------------------------------------------------


def test_one_row_per_tag_and_dangling_images_as_none() -> None:
    assert rows(SYNTHETIC) == [
        ("image", "tag1", "<none>", "a" * 12),
        ("image", "tag2", "<none>", "b" * 12),
        ("<none>", "<none>", "<none>", "c" * 12),
    ]


def test_digests_are_shown_per_tag_with_digests_or_a_digest_field() -> None:
    expected = [
        ("image", "tag1", DIGEST, "a" * 12),
        ("image", "tag2", "<none>", "b" * 12),
        ("<none>", "<none>", "<none>", "c" * 12),
    ]
    assert rows(SYNTHETIC, digests=True) == expected
    assert rows(SYNTHETIC, fmt="{{.Repository}} {{.Digest}}") == expected


def test_every_digest_of_a_repository_gets_a_row_for_every_tag() -> None:
    image = {
        "Id": "sha256:" + "d" * 64,
        "RepoTags": ["docker.io/library/app:1", "app:2"],
        "RepoDigests": [f"app@{DIGEST}", f"app@{OTHER_DIGEST}"],
    }
    assert [r[:3] for r in rows([image], digests=True)] == [
        ("app", "1", DIGEST),
        ("app", "1", OTHER_DIGEST),
        ("app", "2", DIGEST),
        ("app", "2", OTHER_DIGEST),
    ]
    assert [r[:3] for r in rows([image])] == [("app", "1", "<none>"), ("app", "2", "<none>")]


def test_digest_only_references_get_their_own_rows() -> None:
    image = {"Id": "sha256:" + "e" * 64, "RepoTags": [], "RepoDigests": [f"user/app@{DIGEST}"]}
    assert [r[:3] for r in rows([image], digests=True)] == [("user/app", "<none>", DIGEST)]
    assert [r[:3] for r in rows([image])] == [("user/app", "<none>", "")]
    assert [r[:3] for r in rows([image], fmt="{{.Digest}}")] == [("user/app", "<none>", "")]


def test_no_references_at_all_is_dangling() -> None:
    assert rows([{"Id": "sha256:" + "f" * 64}])[0][:3] == ("<none>", "<none>", "<none>")


def test_id_is_cut_unless_no_trunc() -> None:
    image = SYNTHETIC[0]
    assert ImageContext(image, "image", "tag1", "<none>").ID() == "a" * 12
    assert ImageContext(image, "image", "tag1", "<none>", trunc=False).ID() == image["Id"]


def test_sizes_counts_and_dates() -> None:
    image = {"Id": "x", "Created": 1795843630, "Size": 1982256, "SharedSize": 1000,
             "Containers": 3}
    context = ImageContext(image, "busybox", "latest", "<none>", now=1795843630 + 7200)
    assert context.Size() == "1.98MB"
    assert context.VirtualSize() == "1.982MB"
    assert context.SharedSize() == "1kB"
    assert context.UniqueSize() == "1.981MB"
    assert context.Containers() == "3"
    assert context.CreatedSince() == "2 hours ago"
    assert context.CreatedAt() == "2026-11-28 05:27:10 +0000 UTC"
    unknown = ImageContext({"Size": 5, "SharedSize": -1, "Containers": -1}, "r", "t", "d")
    assert (unknown.SharedSize(), unknown.UniqueSize(), unknown.Containers()) == (
        "N/A", "N/A", "N/A")


# --- references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "familiar", "tag", "digest"),
    [
        ("busybox:latest", "busybox", "latest", ""),
        ("docker.io/library/busybox:1.36", "busybox", "1.36", ""),
        ("index.docker.io/user/app", "user/app", "", ""),
        ("docker.io/library/a/b:1", "library/a/b", "1", ""),
        ("localhost/app:dev", "localhost/app", "dev", ""),
        ("localhost:5000/h3two:latest", "localhost:5000/h3two", "latest", ""),
        ("[::1]:5000/app:1", "[::1]:5000/app", "1", ""),
        (f"user/app@{DIGEST}", "user/app", "", DIGEST),
        (f"Registry.Example.com/app:1@{DIGEST}", "Registry.Example.com/app", "1", DIGEST),
    ],
)
def test_parse_normalized_reference(text: str, familiar: str, tag: str, digest: str) -> None:
    ref = parse_normalized_reference(text)
    assert ref is not None
    assert (ref.familiar_name, ref.tag, ref.digest) == (familiar, tag, digest)


@pytest.mark.parametrize(
    "text", ["<none>:<none>", "<none>@<none>", "user/Case", "a" * 64, "app:", "app@sha256:12"]
)
def test_invalid_references(text: str) -> None:
    assert parse_normalized_reference(text) is None


# --- choosing the format ------------------------------------------------------------------

DEFAULT_TABLE = (
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t"
    "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
)
DIGEST_TABLE = (
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
    "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
)


@pytest.mark.parametrize(
    ("fmt", "config", "quiet", "digests", "expected"),
    [
        (None, None, False, False, DEFAULT_TABLE),
        ("table", None, False, True, DIGEST_TABLE),
        (None, None, True, True, "{{.ID}}"),
        (None, "{{.Repository}}", False, False, "{{.Repository}}"),
        (None, "{{.Repository}}", True, False, "{{.ID}}"),  # -q ignores imagesFormat
        ("{{.Repository}}", None, True, False, "{{.Repository}}"),  # but not --format
        ("table {{.ID}}", None, False, True, "table {{.ID}}\t{{.Digest}}"),
        ("table {{.Digest}}", None, False, True, "table {{.Digest}}"),
        ("{{.ID}}", None, False, True, "{{.ID}}"),
        ("raw", None, True, False, "image_id: {{.ID}}"),
    ],
)
def test_image_format(fmt, config, quiet, digests, expected) -> None:
    assert image_format(fmt, config, quiet, digests) == expected


# --- whole outputs against docker's -------------------------------------------------------


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


@pytest.mark.parametrize("case", sorted(CASES["cases"]))
def test_output_matches_docker(case: str) -> None:
    args = CASES["cases"][case]["args"]
    digests = "--digests" in args
    fmt = image_format(option(args, "--format"), None, "-q" in args, digests)
    images = load("images_all" if "-a" in args else "images")
    rendered = render_images(
        images, fmt, trunc="--no-trunc" not in args, digests=digests, now=NOW
    )
    assert rendered == (DATA / f"{case}.golden").read_text()


def test_synthetic_digest_table() -> None:
    images = [dict(image, Created=NOW - 86400, Size=0) for image in SYNTHETIC]
    fmt = image_format(None, None, False, True)
    column = len(DIGEST) + 3  # the widest cell plus docker's padding of 3
    assert render_images(images, fmt, digests=True, now=NOW) == (
        f"REPOSITORY   TAG       {'DIGEST':<{column}}IMAGE ID       CREATED        SIZE\n"
        f"image        tag1      {DIGEST:<{column}}aaaaaaaaaaaa   24 hours ago   0B\n"
        f"image        tag2      {'<none>':<{column}}bbbbbbbbbbbb   24 hours ago   0B\n"
        f"<none>       <none>    {'<none>':<{column}}cccccccccccc   24 hours ago   0B\n"
    )


def test_empty_list_prints_the_header_of_tables_only() -> None:
    assert render_images([], image_format(None, None, False, False)) == (
        "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
    )
    assert render_images([], image_format("table {{.Repository}}", None, False, True),
                         digests=True) == "REPOSITORY   DIGEST\n"
    assert render_images([], "{{.Repository}}") == ""


def test_bad_template_is_a_template_parsing_error() -> None:
    with pytest.raises(FormatError) as caught:
        render_images(load("images"), "table {{.Foo}}")
    assert str(caught.value) == (
        'template parsing error: template: :1:2: executing "" at <.Foo>: '
        "can't evaluate field Foo in type *formatter.imageContext"
    )
    with pytest.raises(FormatError) as caught:
        render_images([], "{{.ID")
    assert str(caught.value) == "template parsing error: template: :1: unclosed action"
