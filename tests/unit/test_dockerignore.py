""".dockerignore semantics (moby/patternmatcher) and the streamed context tar."""

from __future__ import annotations

import io
import os
import tarfile
import types

import pytest

from dshell.engine.build_context import (
    PatternMatcher,
    dockerfile_tar,
    is_archive,
    parse_dockerignore,
    stream_context,
    trim_build_files_from_excludes,
)

# (pattern, path, excluded) — the cases of patternmatcher's TestMatches.
SINGLE_PATTERN_CASES = [
    ("**", "file", True),
    ("**", "file/", True),
    ("**/", "file", True),
    ("**", "dir/file", True),
    ("**/", "dir/file", True),
    ("**/**", "dir/file", True),
    ("dir/**", "dir/file", True),
    ("dir/**", "dir/dir2/file", True),
    ("**/dir", "dir", True),
    ("**/dir", "dir/file", True),
    ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**file", "file", True),
    ("**file", "dir/file", True),
    ("**/file", "dir/file", True),
    ("**file", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True),
    ("**/file*txt", "dir/dir/file.txt", True),
    ("**/file*.txt*", "dir/dir/file.txt", True),
    ("**/**/*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True),
    ("**/**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/file.txt", True),
    ("a**/*.txt", "a/dir/file.txt", True),
    ("a**/*.txt", "a/dir/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True),
    ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False),
    ("a[b-d]e", "ace", True),
    ("a[b-d]e", "aae", False),
    ("a[^b-d]e", "aze", True),
    (".*", ".foo", True),
    (".*", "foo", False),
    ("abc.def", "abcdef", False),
    ("abc.def", "abc.def", True),
    ("abc.def", "abcZdef", False),
    ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False),
    ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "dir/foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True),
    ("abc/**", "abc", False),
    ("abc/**", "abc/def", True),
    ("abc/**", "abc/def/ghi", True),
    ("**/.foo", ".foo", True),
    ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True),
    ("a(b)c/def", "a(b)c/xyz", False),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("*", "dir/file", True),  # the parent "dir" matches
    ("dir", "dir/sub/file", True),
    ("*.go", "dir/main.go", False),
]


@pytest.mark.parametrize(("pattern", "path", "excluded"), SINGLE_PATTERN_CASES)
def test_single_pattern(pattern, path, excluded):
    assert PatternMatcher([pattern]).matches_or_parent_matches(path) is excluded


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["*.md", "!README.md"], "README.md", False),
        (["*.md", "!README.md"], "NOTES.md", True),
        (["!README.md", "*.md"], "README.md", True),  # the last match wins
        (["docs", "!docs/keep.txt"], "docs/keep.txt", False),
        (["docs", "!docs/keep.txt"], "docs/other.txt", True),
        (["**/*.log", "!important.log"], "a/b/c.log", True),
        (["**/*.log", "!important.log"], "important.log", False),
        (["**/*.log", "!**/important.log", "x/important.log"], "x/important.log", True),
        (["build/", "!build/out"], "build/out/bin", False),
    ],
)
def test_exceptions_and_order(patterns, path, excluded):
    cleaned = parse_dockerignore("\n".join(patterns))
    assert PatternMatcher(cleaned).matches_or_parent_matches(path) is excluded


def test_dockerignore_file_syntax():
    text = "\ufeff# comment\n  \n/abs/path\n ! keep/me \nsub/../other/./x\n#not/ignored\n node \n"
    assert parse_dockerignore(text) == ["abs/path", "!keep/me", "other/x", "node"]


def test_build_files_are_always_sent():
    excludes = trim_build_files_from_excludes(["*", ".dockerignore"], "Dockerfile", False)
    matcher = PatternMatcher(excludes)
    assert not matcher.matches_or_parent_matches("Dockerfile")
    assert not matcher.matches_or_parent_matches(".dockerignore")
    assert matcher.matches_or_parent_matches("other")
    from_stdin = trim_build_files_from_excludes(["*"], "Dockerfile", True)
    assert PatternMatcher(from_stdin).matches_or_parent_matches("Dockerfile")


def _tree(root, files):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data)


def _names(chunks):
    data = b"".join(chunks)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [(m.name, m.uid, m.gid) for m in tar.getmembers()], tar, data


def test_context_tar_applies_dockerignore(tmp_path):
    _tree(tmp_path, {
        "Dockerfile": "FROM busybox\n",
        ".dockerignore": "*.log\nsecret/\n!secret/public.txt\nnode_modules\n",
        "app.py": "print()\n",
        "debug.log": "x",
        "sub/trace.log": "x",
        "sub/keep.txt": "x",
        "secret/key.pem": "x",
        "secret/public.txt": "x",
        "node_modules/a/b.js": "x",
    })  # fmt: skip
    excludes = trim_build_files_from_excludes(
        parse_dockerignore((tmp_path / ".dockerignore").read_text()), "Dockerfile", False)
    members, _, data = _names(stream_context(tmp_path, excludes))
    names = [name for name, _, _ in members]
    # "*.log" stays in the top folder: sub/trace.log is sent, as docker sends it.
    assert names == [".dockerignore", "Dockerfile", "app.py", "secret/public.txt", "sub",
                     "sub/keep.txt", "sub/trace.log"]  # fmt: skip
    assert all(uid == 0 and gid == 0 for _, uid, gid in members)
    assert len(data) % 512 == 0 and data.endswith(b"\0" * 1024)


def test_context_tar_is_a_stream(tmp_path):
    """Big files are read chunk by chunk while the tar is consumed, never all at once."""
    big = tmp_path / "big.bin"
    with open(big, "wb") as handle:
        handle.truncate(8 * 1024 * 1024)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    chunks = stream_context(tmp_path, [])
    assert isinstance(chunks, types.GeneratorType)
    sizes = [len(chunk) for chunk in chunks]
    assert max(sizes) <= 256 * 1024
    assert sum(sizes) >= 8 * 1024 * 1024


def test_extra_dockerfile_is_added_and_ignored_by_copy(tmp_path):
    _tree(tmp_path, {"a.txt": "a", ".dockerignore": "*.tmp"})
    chunks = stream_context(tmp_path, ["*.tmp"], extra_dockerfile=(".dockerfile.abc", b"FROM x\n"))
    data = b"".join(chunks)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        ignore = tar.extractfile(".dockerignore").read()
        dockerfile = tar.extractfile(".dockerfile.abc").read()
    assert names == [".dockerignore", "a.txt", ".dockerfile.abc"]
    assert ignore == b"*.tmp\n.dockerfile.abc\n"
    assert dockerfile == b"FROM x\n"


def test_symlinks_and_hardlinks(tmp_path):
    _tree(tmp_path, {"target.txt": "t"})
    os.symlink("target.txt", tmp_path / "link")
    os.link(tmp_path / "target.txt", tmp_path / "zhard.txt")
    data = b"".join(stream_context(tmp_path, []))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        link, target, hard = tar.getmembers()
    assert link.issym() and link.linkname == "target.txt"
    assert target.isfile() and target.size == 1
    assert hard.islnk() and hard.linkname == "target.txt"


def test_dockerfile_only_context_and_archive_detection():
    data = b"".join(dockerfile_tar(b"FROM busybox\n"))
    assert len(data) == 2048
    assert is_archive(data[:512])
    assert not is_archive(b"FROM busybox\nRUN true\n")
    assert is_archive(b"\x1f\x8b\x08\x00rest")
