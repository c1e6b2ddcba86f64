"""Registry credentials: config.json auths, credential helpers, X-Registry-Auth."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from dshell.engine.auth import (
    INDEX_SERVER,
    AuthConfig,
    CredentialsError,
    CredentialStore,
    auth_key_for_domain,
    convert_to_hostname,
    encode_auth_header,
    login_server_key,
)
from dshell.engine.config import ConfigFile
from tests.registry_auth import install_fake_helper


def load(tmp_path, data=None):
    if data is not None:
        (tmp_path / "config.json").write_text(json.dumps(data))
    return ConfigFile.load(tmp_path)


@pytest.mark.parametrize(("address", "hostname"), [
    ("127.0.0.1:5000", "127.0.0.1:5000"),
    ("http://127.0.0.1:5000/", "127.0.0.1:5000"),
    ("https://registry.example/v2/", "registry.example"),
    ("https://index.docker.io/v1/", "index.docker.io"),
])  # fmt: skip
def test_convert_to_hostname(address, hostname):
    assert convert_to_hostname(address) == hostname


def test_server_keys():
    assert auth_key_for_domain("docker.io") == INDEX_SERVER
    assert auth_key_for_domain("127.0.0.1:5000") == "127.0.0.1:5000"
    assert login_server_key(None) == INDEX_SERVER
    assert login_server_key("docker.io") == INDEX_SERVER
    assert login_server_key("http://127.0.0.1:5000/v2/") == "127.0.0.1:5000"


def test_header_is_url_safe_base64_json():
    header = encode_auth_header(AuthConfig("h:1", "u", "p?>>"))
    decoded = json.loads(base64.urlsafe_b64decode(header))
    assert decoded == {"username": "u", "password": "p?>>", "serveraddress": "h:1"}
    assert "+" not in header and "/" not in header
    assert encode_auth_header(None) == "e30="


def test_file_store_round_trip(tmp_path):
    config = load(tmp_path, {"psFormat": "table {{.ID}}"})
    store = CredentialStore(config)
    store.store(AuthConfig("127.0.0.1:5000", "alice", "s3cret"))
    written = json.loads((tmp_path / "config.json").read_text())
    assert written == {"psFormat": "table {{.ID}}",
                       "auths": {"127.0.0.1:5000": {"auth": "YWxpY2U6czNjcmV0"}}}  # fmt: skip
    assert stat.S_IMODE(os.stat(tmp_path / "config.json").st_mode) == 0o600
    assert (tmp_path / "config.json").read_text().startswith('{\n\t"psFormat"')
    again = CredentialStore(load(tmp_path)).get("127.0.0.1:5000")
    assert (again.username, again.password) == ("alice", "s3cret")
    store.erase("127.0.0.1:5000")
    assert json.loads((tmp_path / "config.json").read_text())["auths"] == {}


def test_legacy_keys_with_scheme_are_found(tmp_path):
    auth = base64.b64encode(b"bob:pw").decode()
    legacy = {"auths": {"https://127.0.0.1:5000/v2/": {"auth": auth}}}
    store = CredentialStore(load(tmp_path, legacy))
    found = store.get("127.0.0.1:5000")
    assert (found.username, found.password) == ("bob", "pw")
    assert not store.get("other:1").has_secret


def test_helper_store_get_erase(tmp_path, monkeypatch):
    helpers = tmp_path / "bin"
    store_file = install_fake_helper(helpers, "unit")
    monkeypatch.setenv("PATH", f"{helpers}{os.pathsep}{os.environ['PATH']}")
    config = load(tmp_path, {"credsStore": "unit"})
    store = CredentialStore(config)
    store.store(AuthConfig("127.0.0.1:5000", "alice", "s3cret"))
    assert json.loads((tmp_path / "config.json").read_text())["auths"] == {"127.0.0.1:5000": {}}
    assert "s3cret" not in (tmp_path / "config.json").read_text()
    assert json.loads(store_file.read_text())["127.0.0.1:5000"]["Secret"] == "s3cret"
    found = CredentialStore(load(tmp_path)).get("127.0.0.1:5000")
    assert (found.username, found.password) == ("alice", "s3cret")
    assert CredentialStore(load(tmp_path)).get("nowhere:1").username == ""
    store.erase("127.0.0.1:5000")
    with pytest.raises(CredentialsError, match="credentials not found"):
        store.erase("127.0.0.1:5000")
    log = (store_file.parent / (store_file.name + ".log")).read_text().split("\n")
    assert log[:4] == ["store 127.0.0.1:5000", "get 127.0.0.1:5000", "get nowhere:1",
                       "erase 127.0.0.1:5000"]  # fmt: skip


def test_cred_helpers_win_over_creds_store(tmp_path, monkeypatch):
    store = CredentialStore(load(tmp_path, {"credsStore": "a", "credHelpers": {"h:1": "b"}}))
    assert store.helper_for("https://h:1/v2/") == "b"
    assert store.helper_for("other:2") == "a"
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CredentialsError, match='"docker-credential-b": executable file not found'):
        store.get("h:1")


def test_identity_token_from_helper(tmp_path, monkeypatch):
    helpers = tmp_path / "bin"
    store_file = install_fake_helper(helpers, "tok")
    store_file.write_text(json.dumps(
        {"h:1": {"ServerURL": "h:1", "Username": "<token>", "Secret": "tkn"}}))
    monkeypatch.setenv("PATH", f"{helpers}{os.pathsep}{os.environ['PATH']}")
    found = CredentialStore(load(tmp_path, {"credsStore": "tok"})).get("h:1")
    assert found.identity_token == "tkn" and found.password == ""
