"""``trust …``: content trust with a Notary server (docker/cli's cli/command/trust).

The TUF client is ``dshell.engine.notary`` and the key store ``dshell.engine.notary_keys``;
both load only when a trust command runs (they need ``cryptography``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from dshell.commands.base import CommandBase, UnknownCommand, management
from dshell.commands.declare import Arg, Flag, command
from dshell.engine.errors import EngineError

if TYPE_CHECKING:
    from dshell.engine.notary import Repository

RELEASED_ROLE_NAME = "Repo Admin"
RELEASES_ROLE = "targets/releases"
USER_AGENT = "dshell"


class TrustError(EngineError):
    """A trust command's failure, printed as docker prints it."""


def notary_role_to_signer(role: str) -> str:
    """``targets`` and ``targets/releases`` are the repository's admins; other delegations
    are signers named after the role."""
    if role in ("targets", RELEASES_ROLE):
        return RELEASED_ROLE_NAME
    return role.removeprefix("targets/")


def _natural_key(text: str) -> tuple:
    from dshell.render.listing import natural_less_key

    return natural_less_key(text)


def sub_group(words: str, summary: str):  # noqa: ANN201
    """A management command one level down (``trust key``, ``trust signer``). Dispatch goes
    by two words, so the group itself hands ``trust key generate …`` to
    ``cmd_trust_key_generate`` under the words typed."""

    def run(self: CommandBase, opts) -> int:  # noqa: ANN001
        args = list(opts.args)
        if not args:
            self.print_group_help(opts.command)
            return 0
        if args[0] in ("-h", "--help"):
            self.print_help(opts.command)
            return 0
        sub = args[0]
        method = getattr(self, "cmd_" + "_".join(words.split()) + "_" + sub.replace("-", "_"),
                         None)  # fmt: skip
        if sub.startswith("-") or method is None or not hasattr(method, "__command__"):
            if sub.startswith("-"):
                self.err(f"unknown flag: {sub}")
                self.err(f"See 'docker {words} --help'.")
                return 125
            raise UnknownCommand(f"{opts.command.name} {sub}")
        joined = "_".join(words.split())
        return self.cmd([joined, sub, *args[1:]], invoked=(*words.split(), sub))

    run.__name__ = "cmd_" + "_".join(words.split())
    return command(summary, group="Management Commands", usage="COMMAND", raw_args=True)(run)


class TrustCommands(CommandBase):
    cmd_trust = management("trust", "Manage trust on Docker images")
    cmd_trust_key = sub_group("trust key", "Manage keys for signing Docker images")
    cmd_trust_signer = sub_group("trust signer", "Manage entities who can sign Docker images")

    # -- the notary repository of an image ------------------------------------------------
    def notary_repository(self, image: str, actions: list[str]) -> tuple[Repository, object]:
        """cli/trust's GetImageReferencesAndAuth + GetNotaryRepository."""
        from dshell.engine import notary
        from dshell.engine.auth import CredentialStore, auth_key_for_domain
        from dshell.engine.references import full_name, parse_reference

        ref = parse_reference(image)
        official = ref.domain == "docker.io"
        creds = CredentialStore(self.config).get(auth_key_for_domain(ref.domain))
        credentials = notary.Credentials(creds.username, creds.password, creds.identity_token)
        repo = notary.open_repository(
            self.config_directory, full_name(ref), ref.domain, official,
            secure=not _insecure(ref.domain), credentials=credentials, actions=actions,
            user_agent=USER_AGENT)  # fmt: skip
        return repo, ref

    def _update(self, repo: Repository) -> None:
        from dshell.engine.notary import logrus_warning

        try:
            repo.update()
        finally:
            for warning in repo.warnings:
                self.err(logrus_warning(warning))
            repo.warnings.clear()

    def lookup_trust_info(self, remote: str):  # noqa: ANN201
        """docker's lookupTrustInfo: released signature rows, admin roles, delegations."""
        from dshell.engine import notary

        repo, ref = self.notary_repository(remote, ["pull"])
        try:
            self._update(repo)
            targets = repo.all_target_metadata(ref.tag)
        except notary.NoSuchTarget:
            targets = []
        except notary.NotaryError:
            raise TrustError(f"no signatures or cannot access {remote}") from None
        rows = match_released_signatures(targets)
        admin = repo.base_roles()
        try:
            delegations = repo.delegation_roles()
        except notary.NotaryError:
            delegations = []
        return rows, admin, delegations

    # -- inspect ---------------------------------------------------------------------------
    @command(
        "Return low-level information about keys and signatures",
        usage="IMAGE[:TAG] [IMAGE[:TAG]...]",
        flags=[Flag("pretty", "Print the information in a human friendly format")],
        args=[Arg("IMAGE[:TAG]", kind="image", many=True)],
        args_rule="RequiresMinArgs(1)",
    )  # fmt: skip
    def cmd_trust_inspect(self, opts) -> int:  # noqa: ANN001
        if opts.pretty:
            for index, remote in enumerate(opts.args):
                self._pretty_trust_info(remote)
                if index < len(opts.args) - 1:
                    self.stdout.write("\n\n")
            return 0

        def get(remote: str) -> bytes:
            return self._repo_trust_info(remote)

        return self.print_inspect(opts.args, None, get)

    def _repo_trust_info(self, remote: str) -> bytes:
        rows, admin, delegations = self.lookup_trust_info(remote)
        signed_tags = [{"SignedTag": tag, "Digest": digest,
                        "Signers": signers or [RELEASED_ROLE_NAME]}
                       for tag, digest, signers in rows]  # fmt: skip
        signers = [{"Name": name, **({"Keys": [{"ID": k} for k in keys]} if keys else {})}
                   for name, keys in signer_keys(delegations).items()]  # fmt: skip
        signers.sort(key=lambda s: s["Name"], reverse=True)
        admins = []
        for role in admin:
            label = {"root": "Root", "targets": "Repository"}.get(role.name)
            if label:
                entry: dict = {"Name": label}
                if role.keyids:
                    entry["Keys"] = [{"ID": k} for k in role.keyids]
                admins.append(entry)
        admins.sort(key=lambda s: s["Name"], reverse=True)
        document = {"Name": remote, "SignedTags": signed_tags, "Signers": signers,
                    "AdministrativeKeys": admins}  # fmt: skip
        return json.dumps(document, separators=(",", ":")).encode()

    def _pretty_trust_info(self, remote: str) -> None:
        from dshell.render.tabwriter import TabWriter

        rows, admin, delegations = self.lookup_trust_info(remote)
        if rows:
            self.out(f"\nSignatures for {remote}\n")
            table = TabWriter(minwidth=10, padding=3)
            table.write("SIGNED TAG\tDIGEST\tSIGNERS\n")
            for tag, digest, signers in rows:
                shown = sorted(signers) if signers else [f"({RELEASED_ROLE_NAME})"]
                table.write(f"{tag}\t{digest}\t{', '.join(shown)}\n")
            self.stdout.write(table.flush())
        else:
            self.out(f"\nNo signatures for {remote}\n")
        by_signer = signer_keys(delegations)
        if by_signer:
            self.out(f"\nList of signers and their keys for {remote}\n")
            table = TabWriter(minwidth=10, padding=3)
            table.write("SIGNER\tKEYS\n")
            for name in sorted(by_signer, key=_natural_key):
                keys = ", ".join(k[:12] for k in sorted(by_signer[name]))
                table.write(f"{name}\t{keys}\n")
            self.stdout.write(table.flush())
        self.out(f"\nAdministrative keys for {remote}\n")
        for role in sorted(admin, key=lambda r: r.name, reverse=True):
            label = {"targets": "Repository Key", "root": "Root Key"}.get(role.name)
            if label:
                self.out(f"  {label}:\t{', '.join(sorted(role.keyids))}")


def _insecure(domain: str) -> bool:
    """docker's registry.isInsecure without a daemon: loopback registries."""
    import ipaddress
    import socket

    host = domain
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if host in ("127.0.0.1", "::1") or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return any(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def match_released_signatures(targets: list) -> list[tuple[str, str, list[str]]]:
    """docker's matchReleasedSignatures: (tag, hex digest, signers) for every tag signed into
    ``targets`` or ``targets/releases``, with the other roles that signed the same digest;
    sorted by tag, naturally."""
    import base64

    def key(target) -> tuple[str, str]:  # noqa: ANN001
        return target.name, base64.b64decode(target.hashes.get("sha256", "")).hex()

    released: dict[tuple[str, str], list[str]] = {}
    for target in targets:
        if target.role in ("targets", RELEASES_ROLE):
            released.setdefault(key(target), [])
    for target in targets:
        row = key(target)
        if row in released and target.role not in ("targets", RELEASES_ROLE):
            released[row].append(notary_role_to_signer(target.role))
    rows = [(tag, digest, signers) for (tag, digest), signers in released.items()]
    rows.sort(key=lambda row: _natural_key(row[0]))
    return rows


def signer_keys(delegations: list) -> dict[str, list[str]]:
    """docker's getDelegationRoleToKeyMap: signer name → canonical key IDs."""
    skipped = {RELEASES_ROLE, "root", "snapshot", "targets", "timestamp"}
    return {notary_role_to_signer(role.name): list(role.keyids)
            for role in delegations if role.name not in skipped}  # fmt: skip
