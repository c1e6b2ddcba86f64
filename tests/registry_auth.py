"""A loopback registry that requires htpasswd (basic) authentication, and a fake credential
helper, for the login/logout and X-Registry-Auth tests.

The htpasswd file is made by ``htpasswd -B`` (Debian's apache2-utils, which tests/run
installs); nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests import harness

USERNAME = "dshell-user"
PASSWORD = "s3cret-Pa55word"


@dataclass
class AuthRegistry:
    registry: harness.Registry
    username: str
    password: str

    @property
    def address(self) -> str:
        return self.registry.address


def _htpasswd_line(username: str, password: str) -> str:
    if shutil.which("htpasswd") is None:
        raise harness.HarnessError("htpasswd not found: install Debian's apache2-utils")
    made = subprocess.run(["htpasswd", "-nbB", username, password], capture_output=True,
                          text=True, timeout=30, check=False)  # fmt: skip
    if made.returncode != 0:
        raise harness.HarnessError(f"htpasswd failed: {made.stderr.strip()}")
    return made.stdout.strip() + "\n"


def start_auth_registry() -> AuthRegistry:
    """`docker-registry serve` on a free 127.0.0.1 port with htpasswd auth; ready on 401."""
    harness.check_can_run_registry()
    root = harness._short_temp_dir("dsh-areg-")
    address = f"127.0.0.1:{harness.free_loopback_port()}"
    (root / "htpasswd").write_text(_htpasswd_line(USERNAME, PASSWORD))
    registry = harness.serve_registry(
        root, address,
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: {address}\n"
        f"auth:\n  htpasswd:\n    realm: dshell-tests\n    path: {root / 'htpasswd'}\n",
        ready_status=401, what="docker-registry (htpasswd)")
    return AuthRegistry(registry, USERNAME, PASSWORD)


def stop_auth_registry(auth: AuthRegistry) -> None:
    harness.stop_registry(auth.registry)


FAKE_HELPER = '''#!{python}
"""docker-credential-{name}: keeps credentials in a JSON file and logs each action."""
import json, os, sys
store = {store!r}
try:
    with open(store) as handle:
        data = json.load(handle)
except FileNotFoundError:
    data = {{}}
action = sys.argv[1]
payload = sys.stdin.read()
with open(store + ".log", "a") as log:
    server = json.loads(payload)["ServerURL"] if action == "store" else payload.strip()
    log.write(action + " " + server + "\\n")
if action == "store":
    entry = json.loads(payload)
    data[entry["ServerURL"]] = entry
elif action == "get":
    if payload.strip() not in data:
        print("credentials not found in native keychain")
        sys.exit(1)
    print(json.dumps(data[payload.strip()]))
elif action == "erase":
    if data.pop(payload.strip(), None) is None:
        print("credentials not found in native keychain")
        sys.exit(1)
elif action == "list":
    print(json.dumps({{key: value["Username"] for key, value in data.items()}}))
with open(store, "w") as handle:
    json.dump(data, handle)
'''


def install_fake_helper(directory: Path, name: str = "dshelltest") -> Path:
    """Write ``docker-credential-<name>`` into ``directory``; return its JSON store's path."""
    directory.mkdir(parents=True, exist_ok=True)
    store = directory / f"{name}-store.json"
    helper = directory / f"docker-credential-{name}"
    helper.write_text(FAKE_HELPER.format(python=sys.executable, name=name, store=str(store)))
    helper.chmod(0o755)
    return store
