"""The pieces behind cp and output files that need no engine: Go's words for paths and errors,
the tar writer's hard-link names, the reader's refusals, and the atomic output file."""

from __future__ import annotations

import io
import os
import stat
import tarfile

import pytest

from dshell.commands.output_files import (
    AtomicFile,
    ContainerIDFile,
    OutputFileError,
    remove_stale_file,
)
from dshell.engine.archive import (
    ArchiveError,
    CopyInfo,
    eval_symlinks,
    extract,
    go_quote,
    source_info,
    tar_stream,
    validate_output_path,
)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("plain", '"plain"'), ('a"b\\c', '"a\\"b\\\\c"'), ("new\nline\t", '"new\\nline\\t"'),
     ("été", '"été"'), (os.fsdecode(b"caf\xe9"), '"caf\\xe9"'), ("\x7f\u0085", '"\\x7f\\u0085"')],
)  # fmt: skip
def test_go_quote(text, quoted):
    assert go_quote(text) == quoted


def test_eval_symlinks_speaks_go(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "file").write_text("x")
    os.symlink("real", tmp_path / "link")
    assert eval_symlinks(f"{tmp_path}/link/") == f"{tmp_path}/real"
    with pytest.raises(ArchiveError, match=f"^lstat {tmp_path}/missing: no such file"):
        eval_symlinks(f"{tmp_path}/missing/deeper")
    with pytest.raises(ArchiveError, match="^not a directory$"):
        eval_symlinks(f"{tmp_path}/file/deeper")
    with pytest.raises(ArchiveError, match=f"^lstat {tmp_path}/missing: no such file"):
        source_info(f"{tmp_path}/missing/file", follow_link=False)


def test_output_path_rules(tmp_path):
    (tmp_path / "file").write_text("x")
    validate_output_path(str(tmp_path / "new"))
    with pytest.raises(ArchiveError, match='directory ".*/missing" does not exist'):
        validate_output_path(str(tmp_path / "missing" / "new"))
    with pytest.raises(ArchiveError, match="^stat .*/file/new: not a directory$"):
        validate_output_path(str(tmp_path / "file" / "new"))


def test_hard_links_are_renamed_with_their_entries(tmp_path):
    source = tmp_path / "s"
    (source / "sub").mkdir(parents=True)
    (source / "a").write_text("alpha")
    os.link(source / "a", source / "sub" / "b")
    data = b"".join(tar_stream(CopyInfo(str(source), True, True), ("s", "new")))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = {m.name: m for m in archive.getmembers()}
    assert set(members) == {"new", "new/a", "new/sub", "new/sub/b"}
    assert members["new/sub/b"].islnk() and members["new/sub/b"].linkname == "new/a"
    assert data.endswith(b"\0" * 1024) and len(data) % 512 == 0
    out = tmp_path / "out"
    out.mkdir()
    extract(io.BytesIO(data), str(out), None)
    assert os.stat(out / "new" / "a").st_ino == os.stat(out / "new" / "sub" / "b").st_ino


def test_a_socket_is_left_out_and_reported(tmp_path, monkeypatch):
    import socket

    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "f").write_text("f")
    monkeypatch.chdir(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock")
    logged = []
    data = b"".join(tar_stream(CopyInfo(str(tmp_path / "s"), True, True), None, logged.append))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert archive.getnames() == ["s", "s/f"]
    assert logged == [f"Can't add file {tmp_path}/s/sock to tar: "
                      "archive/tar: sockets not supported"]  # fmt: skip


def _archive(*entries: tarfile.TarInfo) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for entry in entries:
            archive.addfile(entry, io.BytesIO(b"x" * entry.size))
    buffer.seek(0)
    return buffer


def test_extract_never_swaps_a_folder_and_a_file(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("f")
    file_entry = tarfile.TarInfo("d")
    file_entry.size = 1
    with pytest.raises(ArchiveError, match="^cannot overwrite directory"):
        extract(_archive(file_entry), str(tmp_path), None)
    folder_entry = tarfile.TarInfo("f")
    folder_entry.type = tarfile.DIRTYPE
    with pytest.raises(ArchiveError, match="^cannot overwrite non-directory"):
        extract(_archive(folder_entry), str(tmp_path), None)
    assert (tmp_path / "d").is_dir() and (tmp_path / "f").read_text() == "f"


def test_extract_refuses_a_symlink_out_and_keeps_owners_its_own(tmp_path):
    owned = tarfile.TarInfo("owned")
    owned.size, owned.uid, owned.gid, owned.mode, owned.mtime = 1, 4321, 8765, 0o4750, 1234
    out_link = tarfile.TarInfo("up")
    out_link.type, out_link.linkname = tarfile.SYMTYPE, "../../../../../../x"
    with pytest.raises(ArchiveError, match='^invalid symlink ".*/up" -> "../../../../../../x"'):
        extract(_archive(owned, out_link), str(tmp_path), None)
    info = os.lstat(tmp_path / "owned")
    assert (info.st_uid, info.st_gid) == (os.getuid(), os.getgid())
    assert stat.S_IMODE(info.st_mode) == 0o4750 and info.st_mtime == 1234


def test_atomic_file_refusals_and_leftovers(tmp_path):
    (tmp_path / "dir").mkdir()
    os.symlink("dir", tmp_path / "link")
    for name, text in (("dir", "cannot write to a directory"),
                       ("link", "cannot write to a symbolic link directly")):  # fmt: skip
        with pytest.raises(OutputFileError, match=f"^{text}$"):
            AtomicFile(str(tmp_path / name))
    with pytest.raises(OutputFileError, match="^invalid output path: stat .*/dir/no: no such"):
        AtomicFile(str(tmp_path / "dir" / "no" / "x"))
    with pytest.raises(RuntimeError), AtomicFile(str(tmp_path / "never")):
        raise RuntimeError("the daemon said no before any byte")
    with AtomicFile(str(tmp_path / "out.tar")) as output:
        output.write_all([b"abc", b"def"])
    assert (tmp_path / "out.tar").read_bytes() == b"abcdef"
    assert stat.S_IMODE(os.stat(tmp_path / "out.tar").st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["dir", "link", "out.tar"]


def test_remove_stale_file_is_go_os_remove(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("f")
    remove_stale_file(str(tmp_path / "empty"))
    remove_stale_file(str(tmp_path / "missing"))
    with pytest.raises(OutputFileError, match="^remove .*/full: directory not empty$"):
        remove_stale_file(str(tmp_path / "full"))
    assert not (tmp_path / "empty").exists()


def test_container_id_file_goes_when_nothing_was_written(tmp_path):
    with ContainerIDFile(str(tmp_path / "cid")):
        assert (tmp_path / "cid").exists()
    assert not (tmp_path / "cid").exists()
    with ContainerIDFile(str(tmp_path / "cid")) as id_file:
        id_file.write("abc")
    assert (tmp_path / "cid").read_text() == "abc"
    with pytest.raises(OutputFileError, match="^container ID file found"):
        ContainerIDFile(str(tmp_path / "cid"))
