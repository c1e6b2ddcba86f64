"""cp's path rules (go-archive's), reference parsing for commit, sizes for update."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile

import pytest

from dshell.commands.containers import parse_commit_reference
from dshell.commands.run_options import parse_bytes as ram_in_bytes
from dshell.engine.archive import (
    CANNOT_COPY_DIRECTORY,
    NO_SUCH_DIRECTORY,
    ArchiveError,
    CopyInfo,
    decode_path_stat,
    destination_info,
    extract,
    prepare_archive_copy,
    rebase_entry_name,
    resolve_local_path,
    source_info,
    split_cp_arg,
    split_path_dir_entry,
    tar_source,
)


@pytest.mark.parametrize(
    ("arg", "expected"),
    [("web:/etc", ("web", "/etc")), ("/abs:x", ("", "/abs:x")), ("./a:b", ("", "./a:b")),
     ("file", ("", "file")), ("web:", ("web", "")), ("-", ("", "-"))],
)  # fmt: skip
def test_split_cp_arg(arg, expected):
    assert split_cp_arg(arg) == expected


def test_path_helpers_keep_trailing_dot_and_slash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_local_path("d/") == f"{tmp_path}/d/"
    assert resolve_local_path("d/.") == f"{tmp_path}/d/."
    assert split_path_dir_entry("/a/b/") == ("/a", "b")
    assert split_path_dir_entry("/a/b/.") == ("/a/b", ".")
    assert rebase_entry_name("src/x/y", "src", "dst") == "dst/x/y"
    assert rebase_entry_name("srcx/y", "src", "dst") == "srcx/y"


@pytest.mark.parametrize(
    ("src", "dst", "expected"),
    [
        (CopyInfo("/s/f", True, False), CopyInfo("/d", True, True), ("/d", None)),
        (CopyInfo("/s/f", True, False), CopyInfo("/d/g", True, False), ("/d", ("f", "g"))),
        (CopyInfo("/s/dir", True, True), CopyInfo("/d/new"), ("/d", ("dir", "new"))),
        (CopyInfo("/s/f", True, False), CopyInfo("/d/new"), ("/d", ("f", "new"))),
        (CopyInfo("/s/f", True, False, "link"), CopyInfo("/d/new"), ("/d", ("link", "new"))),
    ],
)
def test_prepare_archive_copy(src, dst, expected):
    assert prepare_archive_copy(src, dst) == expected


def test_prepare_archive_copy_refusals():
    with pytest.raises(ArchiveError, match=CANNOT_COPY_DIRECTORY):
        prepare_archive_copy(CopyInfo("/s/dir", True, True), CopyInfo("/d/file", True, False))
    with pytest.raises(ArchiveError, match=NO_SUCH_DIRECTORY):
        prepare_archive_copy(CopyInfo("/s/f", True, False), CopyInfo("/d/missing/"))


def test_local_source_and_destination_info(tmp_path):
    (tmp_path / "f").write_text("x")
    os.symlink("f", tmp_path / "link")
    assert source_info(str(tmp_path / "link"), follow_link=True) == CopyInfo(
        str(tmp_path / "f"), True, False, "link")
    assert source_info(str(tmp_path / "link"), follow_link=False).path.endswith("/link")
    with pytest.raises(ArchiveError, match="lstat //nonexistent: no such file or directory"):
        source_info("/nonexistent", follow_link=False)
    assert destination_info(str(tmp_path / "link")) == CopyInfo(str(tmp_path / "f"), True, False)
    assert destination_info(str(tmp_path / "new")) == CopyInfo(str(tmp_path / "new"))
    with pytest.raises(ArchiveError, match="not a directory"):
        destination_info(str(tmp_path / "f" / "below"))


def test_tar_round_trip_with_rename(tmp_path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "b").write_text("deep")
    data = tar_source(CopyInfo(str(source), True, True), ("src", "renamed"), archive_mode=False)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = {m.name: (m.uid, m.gid) for m in archive.getmembers()}
    assert set(members) == {"renamed", "renamed/sub", "renamed/sub/b"}
    assert set(members.values()) == {(0, 0)}
    out = tmp_path / "out"
    out.mkdir()
    extract(io.BytesIO(data), str(out), ("renamed", "final"))
    assert (out / "final" / "sub" / "b").read_text() == "deep"


def test_extract_refuses_entries_outside_the_destination(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("../escape")
        archive.addfile(info, io.BytesIO(b""))
    buffer.seek(0)
    with pytest.raises(ArchiveError):
        extract(buffer, str(tmp_path), None)
    assert not (tmp_path.parent / "escape").exists()


def test_decode_path_stat():
    header = base64.b64encode(json.dumps(
        {"name": "bin", "size": 4096, "mode": 2147484141, "mtime": "x", "linkTarget": ""}
    ).encode()).decode()  # fmt: skip
    stat = decode_path_stat(header)
    assert stat.is_dir and not stat.is_symlink and not stat.is_regular
    link = decode_path_stat(base64.b64encode(b'{"mode": 134218239, "linkTarget": "a"}').decode())
    assert link.is_symlink and link.link_target == "a"
    assert decode_path_stat("not base64!") is None and decode_path_stat(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("web", ("docker.io/library/web", "latest")), ("me/app:v1", ("docker.io/me/app", "v1")),
     ("localhost:5000/a/b:t", ("localhost:5000/a/b", "t")),
     ("Registry.IO/x", ("Registry.IO/x", "latest"))],
)  # fmt: skip
def test_commit_references(text, expected):
    assert parse_commit_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("Upper", "invalid reference format: repository name (library/Upper) must be lowercase"),
     ("a:b:c", "invalid reference format"),
     ("x@sha256:" + "a" * 64, "refusing to create a tag with a digest reference"),
     ("a" * 64, "cannot specify 64-byte hexadecimal strings")],
)  # fmt: skip
def test_bad_commit_references(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_commit_reference(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [("100", 100), ("1k", 1024), ("1.5m", 1572864), ("2GiB", 2 << 30), ("3 mb", 3 << 20),
     ("7b", 7)],
)  # fmt: skip
def test_ram_in_bytes(text, size):
    assert ram_in_bytes(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [("1x", "invalid suffix: 'x'"), ("abc", "invalid size: 'abc'"), ("1kbb", "invalid suffix"),
     ("1bb", "invalid suffix: 'bb'"), ("-1", "invalid size: '-1'")],
)  # fmt: skip
def test_ram_in_bytes_errors(text, message):
    with pytest.raises(ValueError, match=message):
        ram_in_bytes(text)
