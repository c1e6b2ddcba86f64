"""dshell/compose without an engine: interpolation (docker/cli's template package cases),
merging several files, conversion to swarm specs, and stack config's YAML text."""

from __future__ import annotations

import pytest

from dshell.compose import ComposeError, convert, dump, loader
from dshell.compose.interpolate import TemplateError, interpolate, substitute

ENV = {"SET": "value", "EMPTY": ""}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$SET", "value"),
        ("${SET}", "value"),
        ("a${SET}b", "avalueb"),
        ("$UNSET", ""),
        ("${UNSET:-dflt}", "dflt"),
        ("${EMPTY:-dflt}", "dflt"),
        ("${EMPTY-dflt}", ""),
        ("${UNSET-dflt}", "dflt"),
        ("${SET:-dflt}", "value"),
        ("$$SET", "$SET"),
        ("$${SET}", "${SET}"),
        ("${SET:?oops}", "value"),
        ("${EMPTY?oops}", ""),
        ("no vars", "no vars"),
    ],
)
def test_substitute(template, expected):
    assert substitute(template, ENV) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("${UNSET:?must be set}", "required variable UNSET is missing a value: must be set"),
        ("${EMPTY:?must be set}", "required variable EMPTY is missing a value: must be set"),
        ("${UNSET?gone}", "required variable UNSET is missing a value: gone"),
        ("${", "${"),
        ("$ x", "$ x"),
    ],
)
def test_substitute_refusals(template, message):
    with pytest.raises(TemplateError) as caught:
        substitute(template, ENV)
    assert str(caught.value) == message


def test_interpolate_names_the_path_and_casts_where_docker_casts():
    section = {"web": {"environment": {"A": "${UNSET:?x}"}}}
    with pytest.raises(ComposeError) as caught:
        interpolate(section, "services", ENV)
    assert str(caught.value) == (
        'invalid interpolation format for services.web.environment.A: "required variable '
        'UNSET is missing a value: x"; you may need to escape any $ with another $'
    )
    env = {"N": "3", "P": "8080", "T": "yes"}
    services = {"web": {"deploy": {"replicas": "$N"}, "ports": [{"published": "$P"}],
                        "tty": "$T", "environment": {"N": "$N"}}}  # fmt: skip
    done = interpolate(services, "services", env)["web"]
    assert done["deploy"]["replicas"] == 3
    assert done["ports"][0]["published"] == 8080
    assert done["tty"] is True
    assert done["environment"]["N"] == "3"  # not a cast path: stays text


def test_load_normalises_and_merges_files_in_order(tmp_path):
    base = {
        "version": "3.8",
        "services": {
            "web": {
                "image": "busybox",
                "command": "sleep 'a b'",
                "environment": ["A=1", "B"],
                "secrets": ["s"],
                "ports": ["8080:80", "9090:90/udp"],
                "networks": ["front"],
                "deploy": {"replicas": 2, "labels": ["x=1"]},
            }
        },
        "secrets": {"s": {"file": "./s.txt"}},
    }
    override = {
        "version": "3.8",
        "services": {
            "web": {
                "environment": {"B": "2", "C": None},
                "secrets": [{"source": "s", "target": "other"}],
                "command": ["true"],
                "deploy": {"replicas": 1},
            }
        },
    }
    config = loader.load([base, override], str(tmp_path), {"C": "from-env"})
    web = config["services"]["web"]
    assert web["command"] == ["true"]
    assert web["environment"] == {"A": "1", "B": "2", "C": "from-env"}
    assert web["secrets"] == [{"source": "s", "target": "other"}]
    assert web["deploy"] == {"replicas": 1, "labels": {"x": "1"}}
    assert web["networks"] == {"front": None}
    assert web["ports"] == [
        {"mode": "ingress", "target": 80, "published": 8080, "protocol": "tcp"},
        {"mode": "ingress", "target": 90, "published": 9090, "protocol": "udp"},
    ]
    assert config["secrets"]["s"]["file"] == str(tmp_path / "s.txt")
    assert config["version"] == "3.8"


def test_load_refusals():
    with pytest.raises(ComposeError, match=r"^\(root\) Additional property bogus is not allowed$"):
        loader.load([{"bogus": 1}], "/", {})
    with pytest.raises(ComposeError, match="^services.web Additional property foo is not"):
        loader.load([{"services": {"web": {"foo": 1}}}], "/", {})
    with pytest.raises(
        ComposeError, match="version mismatched between two composefiles : 3.8 and 3.13"
    ):
        loader.load([{"version": "3.8"}, {}], "/", {})
    with pytest.raises(loader.ForbiddenProperties) as caught:
        loader.load([{"services": {"web": {"image": "x", "mem_limit": "1g"}}}], "/", {})
    assert caught.value.properties == {"mem_limit": "Set resource limits using deploy.resources"}
    with pytest.raises(ComposeError, match="^yaml: line 1: did not find expected key$"):
        loader.parse_yaml(b"services:\n  web:\n   image: busybox\n  - x\n")


def test_convert_names_labels_and_networks(tmp_path):
    (tmp_path / "c.txt").write_text("conf")
    config = loader.load([{
        "services": {
            "web": {"image": "busybox", "labels": {"a": "b"}, "configs": ["c"],
                    "environment": {"Z": "1", "A": None}, "cap_add": ["net_admin", "ALL"]},
            "db": {"image": "busybox", "networks": ["back"], "deploy": {"mode": "global"}},
        },
        "networks": {"back": {"labels": {"tier": "back"}}},
        "configs": {"c": {"file": "./c.txt"}},
    }], str(tmp_path), {})  # fmt: skip
    created, external = convert.networks("st", config)
    assert external == []
    assert set(created) == {"st_default", "st_back"}
    assert created["st_back"]["Labels"] == {"tier": "back", convert.LABEL_NAMESPACE: "st"}
    assert created["st_default"]["Driver"] == "overlay"
    (conf,) = convert.file_objects("st", config, "configs")
    assert conf["Name"] == "st_c" and conf["Data"] == "Y29uZg=="
    web = convert.service_spec("st", "web", config["services"]["web"], config)
    assert web["Name"] == "st_web"
    assert web["Labels"] == {convert.LABEL_NAMESPACE: "st", convert.LABEL_IMAGE: "busybox"}
    container = web["TaskTemplate"]["ContainerSpec"]
    assert container["Labels"] == {"a": "b", convert.LABEL_NAMESPACE: "st"}
    assert container["Env"] == ["A", "Z=1"]
    assert container["CapabilityAdd"] == ["ALL"]
    assert container["Configs"] == [{"File": {"Name": "c", "UID": "0", "GID": "0", "Mode": 0o444},
                                     "ConfigName": "st_c"}]  # fmt: skip
    assert web["TaskTemplate"]["Networks"] == [{"Target": "st_default", "Aliases": ["web"]}]
    assert web["Mode"] == {"Replicated": {}}
    db = convert.service_spec("st", "db", config["services"]["db"], config)
    assert db["Mode"] == {"Global": {}}
    assert db["TaskTemplate"]["Networks"] == [{"Target": "st_back", "Aliases": ["db"]}]
    config["services"]["db"]["deploy"]["replicas"] = 2
    with pytest.raises(ComposeError, match="replicas can only be used with replicated"):
        convert.service_spec("st", "db", config["services"]["db"], config)


def test_dump_quotes_and_orders_as_go_yaml():
    config = {
        "version": "3.8",
        "services": {
            "web": {
                "image": "busybox",
                "command": ["sleep", "100000"],
                "environment": {"B": "yes", "A": None, "C": "$5", "D": "a: b", "E": ""},
                "deploy": {"labels": {"x": "1"}, "replicas": 2},
            },
            "empty": {},
        },
    }
    assert dump.dump(config) == (
        'version: "3.8"\n'
        "services:\n"
        "  empty: {}\n"
        "  web:\n"
        "    command:\n"
        "      - sleep\n"
        '      - "100000"\n'
        "    deploy:\n"
        "      replicas: 2\n"
        "      labels:\n"
        '        x: "1"\n'
        "    environment:\n"
        "      A: null\n"
        '      B: "yes"\n'
        "      C: $5\n"
        '      D: "a: b"\n'
        '      E: ""\n'
        "    image: busybox\n"
    )
