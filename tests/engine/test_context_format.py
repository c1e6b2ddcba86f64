"""`context ls --format` and `context inspect -f` against the docker CLI: the templates see
docker's typed values, and Go's limits and comparisons, with no daemon involved.

DOCKER_HOST points at a socket that does not exist, so neither tool can reach any engine."""

from __future__ import annotations

import hashlib
import json
import os
import shlex

import pytest

from tests import harness


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A config directory with a context holding a description, extra metadata, an extra
    endpoint and TLS files (written as docker's store lays them out), and a plain one."""
    config = tmp_path_factory.mktemp("context-format")
    contexts = {
        "extra": ({"Description": "with extras", "Zeta": 1, "alpha": ["a", "b"]},
                  {"docker": {"Host": "tcp://127.0.0.1:1", "SkipTLSVerify": False},
                   "other": {"Where": "x", "N": 2}}, True),
        "plain": ({}, {"docker": {"Host": "unix:///nowhere.sock", "SkipTLSVerify": True}}, False),
    }
    for name, (metadata, endpoints, tls) in contexts.items():
        digest = hashlib.sha256(name.encode()).hexdigest()
        meta = config / "contexts" / "meta" / digest
        meta.mkdir(parents=True)
        (meta / "meta.json").write_text(json.dumps(
            {"Name": name, "Metadata": metadata, "Endpoints": endpoints}))
        if tls:
            files = config / "contexts" / "tls" / digest / "docker"
            files.mkdir(parents=True)
            for file in ("key.pem", "ca.pem", "cert.pem"):
                (files / file).write_text("-----PEM-----\n")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("DOCKER_")}
    return {**env, "DOCKER_CONFIG": str(config), "DOCKER_HOST": "unix:///nonexistent.sock"}


def same(env, *args):
    pair = harness.Differential(docker=harness.run_docker(env, *args),
                                dshell=harness.run_dshell(env, "-c", shlex.join(args)))
    return harness.assert_alike(pair, stderr=True).dshell


INSPECT_FORMATS = [
    "{{.}}", "{{.Name}}|{{.Metadata.Name}}", "{{.Metadata.Metadata}}", "{{.Endpoints}}",
    "{{.Endpoints.docker}}", "{{.Endpoints.other}}", "{{.Endpoints.other.Where}}",
    "{{.Endpoints.nope}}|{{.Endpoints.nope.Host}}", "{{.TLSMaterial}}", "{{.Storage}}",
    '{{printf "%T" .}}', '{{printf "%T|%T|%T" .Metadata.Metadata .Endpoints .TLSMaterial}}',
    '{{printf "%T|%T" .Endpoints.docker .TLSMaterial.docker}}', '{{printf "%+v" .}}',
    "{{json .}}", "{{json .Metadata}}", "{{json .Metadata.Metadata}}",
    "{{json .Metadata.Metadata.AdditionalFields}}", "{{.Metadata.Metadata.AdditionalFields}}",
    "{{range $k, $v := .TLSMaterial}}{{$k}}={{$v}};{{end}}",
    "{{eq .Storage .Storage}}|{{eq .Endpoints.docker .Endpoints.docker}}",
    "{{eq .Metadata.Metadata.AdditionalFields nil}}|{{eq .TLSMaterial nil}}",
    "{{.Nope}}", "{{.Metadata.Nope}}", "{{.Metadata.Metadata.Nope}}",
    "{{.Endpoints.docker.Nope}}", "{{.Endpoints.other.Nope}}", "{{.Storage.Nope}}",
    "{{range .Endpoints}}{{.Nope}}{{end}}", "{{with .Endpoints.docker}}{{.Nope}}{{end}}",
    "{{len .Storage}}", "{{eq .Endpoints .Storage}}", "{{eq .Metadata .Metadata}}",
    "{{lt .Storage 1}}", '{{gt .Name "a"}}', "{{gt .Name 1}}",
    '{{define "x"}}{{.Nope}}{{end}}{{template "x" .}}',
    '{{index .TLSMaterial "nope"}}|{{printf "%T" (index .TLSMaterial "nope")}}|'
    '{{json (index .TLSMaterial "nope")}}|{{eq (index .TLSMaterial "nope") nil}}',
    '{{index .Endpoints "nope"}}|{{index .Metadata.Metadata.AdditionalFields "Zeta"}}',
]


@pytest.mark.parametrize("fmt", INSPECT_FORMATS)
def test_context_inspect_template(store, fmt):
    same(store, "context", "inspect", "-f", fmt, "default", "extra", "plain", "missing")


LS_FORMATS = [
    "A{{.}}B", '{{printf "%v|%+v|%s" . . .}}', "{{.FullHeader}}", "table {{.FullHeader}}",
    "{{len .}}", "{{.Nope}}", "{{.Name.Nope}}", "{{.Current.Nope}}", "{{.Name 1}}",
    '{{gt 1 "a"}}', "{{eq 1 2 3 1}}", '{{eq 1 2 "a"}}', "{{eq 1}}", "{{lt 1.5 2}}",
    "{{lt true false}}", "{{lt 1i 2i}}", "{{eq .Current true}}", "{{lt . 1}}", "{{eq . .}}",
    '{{printf "%99999999d" 1}}', '{{printf "%.99999999d" 1 2}}', '{{printf "%10000010d|" 1}}',
    '{{printf "%*d|%.*d|" 1000001 1 1000001 1}}', '{{printf "%10000009d|" 1 | len}}',
    '{{printf "%b|%b|%.3b" 1.5 -0.0 2.0}}',
    '{{define "x"}}{{template "x" .}}{{end}}{{template "x" .}}',
    "{{" + "(" * 30000 + "1" + ")" * 30000 + "}}",
    "{{len " + "(" * 30000 + "1" + ")" * 30000 + "}}",
    "{{if 1}}" * 8000 + "x" + "{{end}}" * 8000,
]


@pytest.mark.parametrize("fmt", LS_FORMATS, ids=lambda fmt: fmt[:40])
def test_context_ls_template(store, fmt):
    same(store, "context", "ls", "--format", fmt)
