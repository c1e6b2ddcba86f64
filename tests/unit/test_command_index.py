"""The lazy command index: generated from the mixins, and resolving names as the full class."""

from __future__ import annotations

import subprocess
import sys

from dshell.commands import MIXINS, make_index
from dshell.commands.index import PROVIDERS


def test_index_matches_what_the_mixins_declare():
    """index.py is what make_index writes now; else run `python -m dshell.commands.make_index`."""
    assert make_index.INDEX_FILE.read_text() == make_index.render(), (
        "dshell/commands/index.py is out of date: run python -m dshell.commands.make_index"
    )


def test_every_mixin_provides_a_command():
    assert set(PROVIDERS.values()) == set(range(len(MIXINS)))
    assert PROVIDERS["cmd_ps"] == PROVIDERS["cmd_container_ls"]
    assert PROVIDERS["cmd_version"] == [m for m, _ in MIXINS].index("dshell.commands.system")


def _fresh(code: str) -> str:
    """Run ``code`` in a new interpreter (a clean class, nothing loaded yet)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout


def test_lazy_session_resolves_names_as_the_full_class():
    """Names looked up one by one, in an order unlike MIXINS, resolve to the same functions
    the fully loaded class has, and the bases end up in MIXINS order."""
    out = _fresh(
        "from dshell.session import DockerSession as S\n"
        "from dshell.commands.index import PROVIDERS\n"
        "names = sorted(PROVIDERS, reverse=True)\n"
        "got = {n: getattr(S, n) for n in names}\n"
        "S.registry\n"
        "assert all(getattr(S, n) is got[n] for n in names), 'a name resolved differently'\n"
        "print(' '.join(b.__name__ for b in S.__bases__))\n"
    )
    assert out.split() == [cls for _, cls in MIXINS]


def test_one_command_loads_one_mixin():
    out = _fresh(
        "import sys\n"
        "from dshell.session import DockerSession as S\n"
        "S.cmd_ps\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('dshell.commands.'))))\n"
    )
    loaded = set(out.split())
    assert "dshell.commands.containers" in loaded
    assert not loaded & {"dshell.commands.images", "dshell.commands.logs",
                         "dshell.commands.running", "dshell.commands.system"}  # fmt: skip


def test_unknown_names_stay_unknown():
    from dshell.session import DockerSession

    assert getattr(DockerSession, "cmd_no_such_thing", None) is None
    assert not hasattr(DockerSession, "no_such_helper")


def test_groups_are_the_management_commands():
    """The session builds the registry before running a management command (its usage error
    and help list the subcommands): every command with subcommands must be one."""
    from dshell.session import GROUPS, DockerSession

    for cmd in DockerSession.registry.commands:
        assert cmd.is_group == (cmd.group in GROUPS), cmd.name


def test_a_lookup_that_missed_while_another_thread_loaded_the_mixin_still_finds_it():
    """Thread A misses ``cmd_ps`` on the class, thread B loads the mixin, then A's fallback
    runs: it must return the method, not report the name missing."""
    out = _fresh(
        "from dshell.session import DockerSession as S, _LazyMixins\n"
        "from dshell.commands.index import PROVIDERS\n"
        "S._load(PROVIDERS['cmd_container_ls'])\n"
        "print(_LazyMixins.__getattr__(S, 'cmd_container_ls').__name__)\n"
    )
    assert out.strip() == "cmd_container_ls"
