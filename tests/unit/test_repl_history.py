"""History: secrets redacted before saving, a private file, a bounded size."""

from __future__ import annotations

import os

import pytest

from dshell.repl.history import REDACTED, PrivateHistory, redact

R = REDACTED


@pytest.mark.parametrize(("line", "saved"), [
    ("login -u me -p hunter2 127.0.0.1:5000", f"login -u me -p {R} 127.0.0.1:5000"),
    ("login --password hunter2", f"login --password {R}"),
    ("login --password=hunter2 reg", f"login --password={R} reg"),
    ("login -phunter2", f"login -p{R}"),
    ("login -u me -p 'pass word'", f"login -u me -p {R}"),
    ("run -e DB_PASSWORD=s3cret -e MODE=dev busybox",
     f"run -e DB_PASSWORD={R} -e MODE=dev busybox"),
    ("run --env API_TOKEN=abc busybox", f"run --env API_TOKEN={R} busybox"),
    ("run --env=AWS_SECRET_ACCESS_KEY=zz busybox",
     f"run --env=AWS_SECRET_ACCESS_KEY={R} busybox"),
    ('run -e "GH_TOKEN=a b" busybox', f'run -e "GH_TOKEN={R}" busybox'),
    ("exec -it -eMY_KEY=1 web sh", f"exec -it -eMY_KEY={R} web sh"),
    ("run -de private_key=1 busybox", f"run -de private_key={R} busybox"),
    ("run -e PASSWORD busybox", "run -e PASSWORD busybox"),
    ("run -e HOME=/root busybox", "run -e HOME=/root busybox"),
    ("ps -a --format '{{.Names}}'", "ps -a --format '{{.Names}}'"),
    ("run busybox echo -p secret", "run busybox echo -p secret"),
])  # fmt: skip
def test_redact(line, saved):
    assert redact(line) == saved


def test_history_file_is_private_and_redacted(tmp_path):
    path = tmp_path / "state" / "dshell" / "history"
    history = PrivateHistory(path)
    history.append_string("login -u me -p hunter2")
    history.append_string("ps -a")
    assert os.stat(path).st_mode & 0o777 == 0o600
    text = path.read_text()
    assert "hunter2" not in text and f"+login -u me -p {R}" in text and "+ps -a" in text
    assert list(PrivateHistory(path).load_history_strings())[0] == "ps -a"


def test_history_keeps_the_newest_entries(tmp_path):
    path = tmp_path / "history"
    history = PrivateHistory(path)
    for number in range(30):
        history.append_string(f"echo {number}")
    trimmed = PrivateHistory(path, size=5)
    assert list(trimmed.load_history_strings()) == [f"echo {n}" for n in range(29, 24, -1)]
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_existing_loose_file_mode_is_tightened(tmp_path):
    path = tmp_path / "history"
    path.write_text("")
    os.chmod(path, 0o644)
    PrivateHistory(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
