"""docker's JSON message display: plain lines off a terminal, per-layer redraws on one."""

from __future__ import annotations

import io

import pytest

from dshell.engine.errors import StreamError
from dshell.render.progress import display_json_messages, go_duration, progress_string

# A real pull answer from dockerd 20.10 (POST /images/create), shortened.
PULL = [
    {"status": "Pulling from hd/big", "id": "v1"},
    {"status": "Already exists", "progressDetail": {}, "id": "436bd0139c44"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "d2581a23dfeb"},
    {"status": "Downloading", "progressDetail": {"current": 98304, "total": 8391317},
     "progress": "[>                                                  ]   98.3kB/8.391MB",
     "id": "d2581a23dfeb"},
    {"status": "Verifying Checksum", "progressDetail": {}, "id": "d2581a23dfeb"},
    {"status": "Download complete", "progressDetail": {}, "id": "d2581a23dfeb"},
    {"status": "Extracting", "progressDetail": {"current": 8391317, "total": 8391317},
     "progress": "[==================================================>]  8.391MB/8.391MB",
     "id": "d2581a23dfeb"},
    {"status": "Pull complete", "progressDetail": {}, "id": "d2581a23dfeb"},
    {"status": "Digest: sha256:88720b2ebeb8db9057ac02f5245853f7131599725d81d86ec2d801a62cc26189"},
    {"status": "Status: Downloaded newer image for 127.0.0.1:5871/hd/big:v1"},
]  # fmt: skip

# Pushing progress with units other than bytes and a "current" beyond "total".
PUSH_DETAILS = [
    ({"current": 98816, "total": 8388608},
     "[>                                                  ]  98.82kB/8.389MB"),
    ({"current": 3932672, "total": 8388608},
     "[=======================>                           ]  3.933MB/8.389MB"),
    ({"current": 8356352, "total": 8388608},
     "[=================================================> ]  8.356MB/8.389MB"),
    ({"current": 8390144, "total": 8388608},
     "[==================================================>]   8.39MB"),
]  # fmt: skip


def show(messages, terminal, width=200):
    out = io.StringIO()
    display_json_messages(messages, out, is_terminal=terminal, width=width)
    return out.getvalue()


def test_plain_output_drops_progress_bars():
    assert show(PULL, terminal=False) == (
        "v1: Pulling from hd/big\n"
        "436bd0139c44: Already exists\n"
        "d2581a23dfeb: Pulling fs layer\n"
        "d2581a23dfeb: Verifying Checksum\n"
        "d2581a23dfeb: Download complete\n"
        "d2581a23dfeb: Pull complete\n"
        "Digest: sha256:88720b2ebeb8db9057ac02f5245853f7131599725d81d86ec2d801a62cc26189\n"
        "Status: Downloaded newer image for 127.0.0.1:5871/hd/big:v1\n"
    )
    assert "\x1b" not in show(PULL, terminal=False)


def test_terminal_output_redraws_each_layer_in_place():
    up, down, erase = "\x1b[{}A", "\x1b[{}B", "\x1b[2K\r"
    bar = "[>                                                  ]   98.3kB/8.391MB"
    expected = (
        "v1: Pulling from hd/big\n"
        # first layer: a new line, up 1, erase, write, down 1
        + "\n" + up.format(1) + erase + "436bd0139c44: Already exists \r" + down.format(1)
        # second layer: a new line below; it is the last line (up 1)
        + "\n" + up.format(1) + erase + "d2581a23dfeb: Pulling fs layer \r" + down.format(1)
        + up.format(1) + erase + f"d2581a23dfeb: Downloading {bar}\r" + down.format(1)
        + up.format(1) + erase + "d2581a23dfeb: Verifying Checksum \r" + down.format(1)
    )
    assert show(PULL[:5], terminal=True) == expected


def test_terminal_first_layer_is_two_lines_up_once_a_second_appears():
    messages = [
        {"status": "Waiting", "progressDetail": {}, "id": "aaa"},
        {"status": "Waiting", "progressDetail": {}, "id": "bbb"},
        {"status": "Done", "progressDetail": {}, "id": "aaa"},
    ]
    output = show(messages, terminal=True)
    assert output.endswith("\x1b[2A\x1b[2K\raaa: Done \r\x1b[2B")


def test_a_line_without_id_starts_a_new_block():
    messages = [
        {"status": "Preparing", "progressDetail": {}, "id": "aaa"},
        {"status": "v1: digest: sha256:x size: 1"},
        {"status": "Preparing", "progressDetail": {}, "id": "aaa"},
    ]
    assert show(messages, terminal=False) == (
        "aaa: Preparing\nv1: digest: sha256:x size: 1\naaa: Preparing\n"
    )
    # on a terminal the second "aaa" gets a fresh line instead of redrawing the first
    assert show(messages, terminal=True).count("\n\x1b[1A") == 2


@pytest.mark.parametrize(("detail", "expected"), PUSH_DETAILS + [
    ({"current": 98304, "total": 8391317}, PULL[3]["progress"]),
    ({"current": 8391317, "total": 8391317}, PULL[6]["progress"]),
])  # fmt: skip
def test_progress_string_matches_the_daemons(detail, expected):
    assert progress_string(detail, 200) == expected


def test_progress_string_narrow_terminal_and_units():
    assert progress_string({"current": 500, "total": 1000}, 80) == "    500B/1kB"
    assert progress_string({"current": 3, "total": 10, "units": "items"}, 80) == "3/10 items"
    assert progress_string({"current": 2048}, 80) == " 2.048kB"
    assert progress_string({}, 200) == ""
    assert progress_string({"current": 1, "total": 2, "hidecounts": True}, 80) == ""


def test_time_left_appears_with_a_start_time():
    detail = {"current": 100, "total": 400, "start": 1000}
    assert progress_string(detail, 80, now=1010) == "    100B/400B 30s"
    assert go_duration(3723) == "1h2m3s" and go_duration(75) == "1m15s"


def test_error_object_raises_after_what_came_before():
    out = io.StringIO()
    messages = [
        {"status": "The push refers to repository [x]"},
        {"errorDetail": {"message": "no basic auth credentials"},
         "error": "no basic auth credentials"},
        {"status": "never shown"},
    ]  # fmt: skip
    with pytest.raises(StreamError) as raised:
        display_json_messages(messages, out, is_terminal=False)
    assert str(raised.value) == "no basic auth credentials"
    assert out.getvalue() == "The push refers to repository [x]\n"


def test_error_code_is_kept_for_the_exit_status():
    with pytest.raises(StreamError) as raised:
        show([{"errorDetail": {"code": 3, "message": "returned a non-zero code: 3"}}], False)
    assert raised.value.status == 3


def test_aux_goes_to_the_callback_and_stream_text_is_written_raw():
    seen = []
    out = io.StringIO()
    display_json_messages(
        [{"stream": "Step 1/2 : FROM busybox\n"}, {"aux": {"ID": "sha256:abc"}},
         {"stream": " ---> abc\n"}],
        out, is_terminal=True, aux=seen.append,
    )  # fmt: skip
    assert seen == [{"ID": "sha256:abc"}]
    assert out.getvalue() == "Step 1/2 : FROM busybox\n ---> abc\n"
