"""Pieces of the trust commands that need no notary server: notary's key file format, TUF
signatures, docker's Dockerfile rewrite under content trust, the signed-tag rows."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from dshell.commands.trust import TrustCommands, match_released_signatures
from dshell.engine import notary, notary_keys
from dshell.render.images import Reference


def test_encrypted_key_round_trip_and_wrong_passphrase():
    key = notary_keys.generate_ecdsa()
    pem = notary_keys.private_key_pem(key, "alice", "", "correct-horse-1")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: alice\n\n")
    again = notary_keys.parse_pem_private_key(pem, "correct-horse-1")
    assert again.id == key.id
    with pytest.raises(notary.NotaryError):
        notary_keys.parse_pem_private_key(pem, "wrong-passphrase")


def test_openssl_reads_the_encrypted_key_dshell_writes(tmp_path):
    """An independent PKCS #8 reader (openssl) opens it with the passphrase: the DER is
    standard PBES2/PBKDF2/AES-256-CBC, not just something dshell reads back."""
    key = notary_keys.generate_ecdsa()
    path = tmp_path / "k.pem"
    block, _ = notary_keys.pem_decode(notary_keys.private_key_pem(key, "r", "", "pass-word-1"))
    path.write_bytes(notary_keys.pem_encode(notary_keys.PemBlock(block.type, {}, block.der)))
    done = subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            str(path),
            "-passin",
            "pass:pass-word-1",
            "-pubout",
            "-outform",
            "DER",
        ],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == key.public_der()


def test_signatures_verify_and_tampering_fails():
    key = notary_keys.generate_ecdsa()
    signed = {"_type": "Targets", "expires": "2099-01-01T00:00:00Z", "targets": {},
              "delegations": {"keys": {}, "roles": []}, "version": 1}  # fmt: skip
    method, signature = key.sign(notary.canonical_json(signed))
    document = {
        "signed": signed,
        "signatures": [
            {"keyid": key.id, "method": method, "sig": base64.b64encode(signature).decode()}
        ],
    }
    role = notary.Role("targets", [key.id], 1)
    keys = {key.id: key.public_dict()}
    assert notary.verify_signed(document, role, keys, "Targets") == signed
    tampered = json.loads(json.dumps(document))
    tampered["signed"]["version"] = 2
    with pytest.raises(notary.RoleThreshold, match="did not meet threshold for targets"):
        notary.verify_signed(tampered, role, keys, "Targets")
    expired = dict(signed, expires="2001-01-01T00:00:00.5Z")
    method, signature = key.sign(notary.canonical_json(expired))
    old = {
        "signed": expired,
        "signatures": [
            {"keyid": key.id, "method": method, "sig": base64.b64encode(signature).decode()}
        ],
    }
    with pytest.raises(notary.Expired):
        notary.verify_signed(old, role, keys, "Targets")


def test_root_certificate_key_has_its_canonical_id():
    key = notary_keys.generate_ecdsa()
    cert = notary_keys.root_certificate(key, "127.0.0.1:5000/app")
    x509_key = {"keytype": "ecdsa-x509", "keyval": {"private": None,
                "public": base64.b64encode(cert).decode()}}  # fmt: skip
    assert notary.key_id(x509_key) != key.id
    assert notary.canonical_key_id(x509_key) == key.id


def test_released_rows_are_in_natural_order_with_their_other_signers():
    digest = base64.b64encode(bytes(32)).decode()
    rows = match_released_signatures([
        notary.TargetSigned("targets/releases", "v10", {"sha256": digest}, 1),
        notary.TargetSigned("targets/releases", "v9", {"sha256": digest}, 1),
        notary.TargetSigned("targets/alice", "v9", {"sha256": digest}, 1),
        notary.TargetSigned("targets/bob", "v8", {"sha256": digest}, 1),  # not released
    ])  # fmt: skip
    assert rows == [("v9", "00" * 32, ["alice"]), ("v10", "00" * 32, [])]


def test_dockerfile_from_lines_are_pinned_to_signed_digests():
    session = object.__new__(TrustCommands)
    pinned = Reference("127.0.0.1:5000", "app", "", "sha256:" + "a" * 64)
    asked = []

    def trusted_reference(ref):  # the notary lookup, answered here
        asked.append(ref)
        return pinned

    session.trusted_reference = trusted_reference
    text, resolved = session.dockerfile_for_trust(
        "# base\n  from 127.0.0.1:5000/app AS build\nFROM scratch\nRUN echo FROM x\n"
        "FROM 127.0.0.1:5000/app@sha256:" + "b" * 64 + "\n"
    )
    assert text == ("# base\nFROM 127.0.0.1:5000/app@sha256:" + "a" * 64 + " AS build\n"
                    "FROM scratch\nRUN echo FROM x\nFROM 127.0.0.1:5000/app@sha256:" + "b" * 64
                    + "\n")  # fmt: skip
    assert [r.tag for r in asked] == ["latest"]
    assert resolved == [(pinned, Reference("127.0.0.1:5000", "app", "latest", ""))]


def test_three_word_commands_are_found_and_completed():
    from dshell.repl.completer import DockerCompleter
    from dshell.session import DockerSession
    from tests.unit.test_repl_fixtures import cache

    registry = DockerSession.registry
    assert registry.lookup(["trust", "key", "generate", "x"])[0].name == "trust key generate"
    assert registry.lookup(["trust", "signer", "add"]) == (registry.by_words[
        ("trust", "signer", "add")], 3)  # fmt: skip
    # A word that only looks like a third one stays an argument.
    assert registry.lookup(["swarm", "join", "token"])[0].name == "swarm join"
    completer = DockerCompleter(registry, cache())
    assert completer.candidates_for("trust key ") == ["generate", "load"]
    assert completer.candidates_for("trust signer add --") == ["--key"]
