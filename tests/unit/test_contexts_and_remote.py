"""Pure pieces of issue 6: the context store, ssh URLs, IPAM checks, times and sorting."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from dshell.commands.networks import CreateError, ipam_config
from dshell.engine.config import ConfigFile, context_id
from dshell.engine.context_store import (
    ContextStore,
    ContextStoreError,
    StoredContext,
    set_current_context,
    validate_name,
)
from dshell.engine.errors import EndpointError
from dshell.engine.ssh import SSHTarget, parse_ssh_url
from dshell.render.events import timestamp_param
from dshell.render.listing import go_time_text, natural_less_key


def test_store_writes_docker_layout_and_reads_it_back(tmp_path):
    store = ContextStore(tmp_path)
    context = StoredContext("c1", {"Description": "d"},
                            {"docker": {"Host": "tcp://h:1", "SkipTLSVerify": False}},
                            {"docker": {"ca.pem": b"CA"}})
    store.save(context)
    meta = tmp_path / "contexts" / "meta" / context_id("c1") / "meta.json"
    assert json.loads(meta.read_text()) == {
        "Name": "c1", "Metadata": {"Description": "d"},
        "Endpoints": {"docker": {"Host": "tcp://h:1", "SkipTLSVerify": False}}}
    tls = tmp_path / "contexts" / "tls" / context_id("c1") / "docker" / "ca.pem"
    assert tls.read_bytes() == b"CA" and tls.stat().st_mode & 0o777 == 0o600
    assert store.load("c1") == context and store.names() == ["c1"]


def test_export_import_round_trip_and_truncated_tar(tmp_path):
    store = ContextStore(tmp_path)
    store.save(StoredContext("src", {}, {"docker": {"Host": "unix:///x", "SkipTLSVerify": True}},
                             {"docker": {"cert.pem": b"C", "key.pem": b"K"}}))
    data = store.export_tar("src")
    names = tarfile.open(fileobj=io.BytesIO(data)).getnames()
    assert names == ["meta.json", "tls", "tls/docker", "tls/docker/cert.pem",
                     "tls/docker/key.pem"]
    store.import_archive("copy", data[:-1024])  # docker's own exports lack the end blocks
    copied = store.load("copy")
    assert copied.docker_endpoint == {"Host": "unix:///x", "SkipTLSVerify": True}
    assert copied.tls == {"docker": {"cert.pem": b"C", "key.pem": b"K"}}
    with pytest.raises(ContextStoreError, match='context "copy" already exists'):
        store.import_archive("copy", data)


@pytest.mark.parametrize("name,message", [
    ("default", '"default" is a reserved context name'),
    ("a", "is invalid"),
    ("bad name", "is invalid"),
    ("-x", "is invalid"),
])  # fmt: skip
def test_context_names(name, message):
    with pytest.raises(ContextStoreError, match=message):
        validate_name(name)


def test_current_context_is_written_with_tabs_and_other_keys_kept(tmp_path):
    config = ConfigFile(tmp_path / "config.json", {"psFormat": "x"})
    set_current_context(config, "c1")
    text = config.path.read_text()
    assert text.startswith('{\n\t"auths": {}') and json.loads(text)["psFormat"] == "x"
    set_current_context(config, "default")
    assert "currentContext" not in json.loads(config.path.read_text())


def test_ssh_urls_and_the_command_docker_runs():
    target = parse_ssh_url("ssh://me@example.com:2222")
    assert target == SSHTarget("example.com", "me", "2222")
    assert target.command() == ["ssh", "-o", "ConnectTimeout=30", "-T", "-l", "me", "-p",
                                "2222", "--", "example.com", "docker", "system", "dial-stdio"]
    assert parse_ssh_url("ssh://host").command() == [
        "ssh", "-o", "ConnectTimeout=30", "-T", "--", "host", "docker", "system", "dial-stdio"]
    for bad in ("ssh://me:pw@host", "ssh://host/path", "ssh://"):
        with pytest.raises(EndpointError):
            parse_ssh_url(bad)


def test_ipam_config_refuses_what_docker_refuses():
    assert ipam_config(["198.51.100.0/24"], [], ["198.51.100.1"], {}) == [
        {"Subnet": "198.51.100.0/24", "Gateway": "198.51.100.1"}]
    with pytest.raises(CreateError, match="every ip-range or gateway"):
        ipam_config([], [], ["198.51.100.1"], {})
    with pytest.raises(CreateError, match="overlapping"):
        ipam_config(["198.51.100.0/24", "198.51.100.0/25"], [], [], {})
    with pytest.raises(CreateError, match="no matching subnet for gateway 203.0.113.1"):
        ipam_config(["198.51.100.0/24"], [], ["203.0.113.1"], {})


def test_natural_sort_go_time_and_timestamps():
    names = ["net10", "net9", "Net1", "net09"]
    assert sorted(names, key=natural_less_key) == ["Net1", "net9", "net09", "net10"]
    assert go_time_text("2026-11-28T05:27:06.444433500Z") == \
        "2026-11-28 05:27:06.4444335 +0000 UTC"
    assert go_time_text("2026-11-28T05:27:06Z") == "2026-11-28 05:27:06 +0000 UTC"
    assert timestamp_param("10m", now=1000.5) == "400.500000000"
    assert timestamp_param("1700000000.5") == "1700000000.5"
    assert timestamp_param("2023-11-14T22:13:20Z") == "1700000000.000000000"
