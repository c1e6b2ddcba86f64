"""``trust …``: content trust with a Notary server (docker/cli's cli/command/trust).

The TUF client is ``dshell.engine.notary`` and the key store ``dshell.engine.notary_keys``;
both load only when a trust command runs (they need ``cryptography``).
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

from dshell.commands.base import CommandBase, management
from dshell.commands.declare import Arg, Flag, command
from dshell.engine.errors import EngineError

if TYPE_CHECKING:
    from dshell.engine.notary import Repository

#: docker build's dockerfileFromLinePattern.
DOCKERFILE_FROM = re.compile(r"(?i)^[\s]*FROM[ \f\r\t\v]+(?P<image>[^ \f\r\t\v\n#]+)")
VALID_KEY_NAME = re.compile(r"[a-z0-9][a-z0-9_\-]*")
ROOT_KEY_WARNING = """\
You are about to create a new root signing key passphrase. This passphrase
will be used to protect the most sensitive key in your signing system. Please
choose a long, complex passphrase and be careful to keep the password and the
key file itself secure and backed up. It is highly recommended that you use a
password manager to generate the passphrase and keep it safe. There will be no
way to recover this key. You can find the key in your config directory."""
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


class TrustCommands(CommandBase):
    cmd_trust = management("trust", "Manage trust on Docker images")
    cmd_trust_key = management("trust key", "Manage keys for signing Docker images")
    cmd_trust_signer = management("trust signer", "Manage entities who can sign Docker images")

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

    def _update(self, repo: Repository, for_write: bool = False) -> list[str]:
        """notary's updateTUF; the warnings its logrus printed, printed here too (and
        returned: every later reader call of docker's updates again and prints them again)."""
        from dshell.engine.notary import logrus_warning

        try:
            repo.update(for_write)
        finally:
            warnings = [logrus_warning(w) for w in repo.warnings]
            for line in warnings:
                self.err(line)
            repo.warnings.clear()
        return warnings

    def lookup_trust_info(self, remote: str):  # noqa: ANN201
        """docker's lookupTrustInfo: released signature rows, admin roles, delegations."""
        from dshell.engine import notary

        repo, ref = self.notary_repository(remote, ["pull"])
        try:
            warnings = self._update(repo)
            targets = repo.all_target_metadata(ref.tag)
        except notary.NoSuchTarget:
            targets = []
        except notary.NotaryError:
            raise TrustError(f"no signatures or cannot access {remote}") from None
        rows = match_released_signatures(targets)
        for line in warnings * 2:  # ListRoles and GetDelegationRoles update again
            self.err(line)
        admin = repo.base_roles()
        try:
            delegations = repo.delegation_roles()
        except notary.NotaryError:
            delegations = []
        return rows, admin, delegations

    # -- writing: the signing keys, the repository's initialisation, docker's errors --------
    def _signing(self, store):  # noqa: ANN001, ANN202
        """The Writer's key lookup: each of the role's keys this client holds (by canonical
        ID in ``trust/private``), decrypted unless only asked whether there are any."""
        from dshell.engine.notary import canonical_key_id

        def sign(role: str, keyids: list[str], keys: dict, probe: bool) -> list:
            listed = {stored.id: stored for stored in store.list()}
            found = []
            for ident in keyids:
                key = keys.get(ident)
                stored = listed.get(canonical_key_id(key) if key else ident)
                if stored is not None:
                    found.append((ident, None if probe else store.get(stored)))
            return found

        return sign

    def _writer(self, repo: Repository):  # noqa: ANN202
        from dshell.engine.notary import Writer

        store = self.key_store()
        writer = Writer(repo, self._signing(store))
        writer.store = store
        writer.refresh = lambda: self._update(repo, for_write=True)
        return writer, store

    def _key_for_role(self, store, role: str, gun: str = ""):  # noqa: ANN001, ANN202
        """docker's getOrGenerateNotaryKey: the first key (by ID) held for the role, else a
        new ECDSA key stored for it (a delegation's under its signer name)."""
        from dshell.engine.notary_keys import generate_ecdsa

        if role.startswith("targets/"):
            role = notary_role_to_signer(role)
        held = sorted(store.keys_for_role(role), key=lambda k: k.id)
        if held:
            return store.get(held[0])
        key = generate_ecdsa()
        store.add(key, role, gun)
        return key

    def _initialize(self, repo: Repository, writer, store) -> None:  # noqa: ANN001
        """Repository.Initialize with the snapshot key on the server: a root certificate
        for the GUN from the root key, a new targets key, the server's timestamp and
        snapshot keys."""
        import base64

        from dshell.engine.notary_keys import generate_ecdsa, root_certificate

        root = self._key_for_role(store, "root")
        certificate = root_certificate(root, repo.gun)
        root_key = {"keytype": "ecdsa-x509",
                    "keyval": {"private": None,
                               "public": base64.b64encode(certificate).decode()}}  # fmt: skip
        targets = generate_ecdsa()
        store.add(targets, "targets", repo.gun)
        timestamp = writer.remote_key("timestamp")
        snapshot = writer.remote_key("snapshot")
        writer.initialize(root_key, targets.public_dict(), timestamp, snapshot)

    def _publish(self, writer) -> None:  # noqa: ANN001
        """Writer.publish, then the warnings notary logged while applying the changes."""
        from dshell.engine.notary import logrus_warning

        try:
            writer.publish()
        finally:
            for warning in writer.repo.warnings:
                self.err(logrus_warning(warning))
            writer.repo.warnings.clear()

    @staticmethod
    def notary_error(name: str, exc: Exception) -> TrustError:
        """cli/trust.NotaryError: docker's sentence for each of notary's error types."""
        from dshell.engine import notary, notary_keys

        cases = [
            (notary.Expired, f"Error: remote repository {name} out-of-date: {exc}"),
            (notary.NetworkError, f"Error: error contacting notary server: {exc}"),
            (notary.RepositoryNotExist,
             f"Error: remote trust data does not exist for {name}: {exc}"),
            (notary.MetaNotFound, f"Error: trust data missing for remote repository {name} or "
             f"remote repository not found: {exc}"),
            (notary.RoleThreshold, "Warning: potential malicious behavior - trust data has "
             f"insufficient signatures for remote repository {name}: {exc}"),
            (notary.InvalidMetadata, "Warning: potential malicious behavior - trust data "
             f"mismatch for remote repository {name}: {exc}"),
            (notary.CannotSign, f"Error: could not find signing keys for remote repository "
             f"{name}, or could not decrypt signing key: {exc}"),
            (notary_keys.PasswordInvalid, f"Error: could not find signing keys for remote "
             f"repository {name}, or could not decrypt signing key: {exc}"),
        ]  # fmt: skip
        for kind, text in cases:
            if isinstance(exc, kind):
                return TrustError(text)
        return TrustError(str(exc))

    # -- signer -----------------------------------------------------------------------------
    @command(
        "Add a signer",
        usage="OPTIONS NAME REPOSITORY [REPOSITORY...] ",
        flags=[Flag("key", "Path to the signer's public key file", type="list", kind="path")],
        args=[Arg("NAME"), Arg("REPOSITORY", kind="image", many=True)],
        args_rule="RequiresMinArgs(2)",
    )  # fmt: skip
    def cmd_trust_signer_add(self, opts) -> int:  # noqa: ANN001
        signer, repos = opts.args[0], opts.args[1:]
        if not VALID_KEY_NAME.fullmatch(signer):
            raise TrustError(
                f'signer name "{signer}" must start with lowercase alphanumeric '
                'characters and can include "-" or "_" after the first character'
            )
        if signer == "releases":
            raise TrustError("releases is a reserved keyword, use a different signer name")
        if not opts.key:
            raise TrustError("path to a public key must be provided using the `--key` flag")
        keys = [_ingest_public_key(path) for path in opts.key]
        failed = []
        for repo_name in repos:
            self.out(f'Adding signer "{signer}" to {repo_name}...')
            try:
                self._add_signer(signer, repo_name, keys)
            except EngineError as exc:
                self.stdout.flush()
                self.err(f"{exc}\n")
                failed.append(repo_name)
            else:
                self.out(f"Successfully added signer: {signer} to {repo_name}\n")
        if failed:
            raise TrustError(f"failed to add signer to: {', '.join(failed)}")
        return 0

    def _add_signer(self, signer: str, repo_name: str, keys: list[dict]) -> None:
        from dshell.engine import notary

        repo, _ = self.notary_repository(repo_name, ["push", "pull"])
        writer, store = self._writer(repo)
        try:
            self._update(repo)
        except (notary.RepositoryNotExist, notary.RepoNotInitialized):
            self.out(f"Initializing signed repository for {repo_name}...")
            try:
                self._initialize(repo, writer, store)
            except notary.NotaryError as exc:
                raise self.notary_error(repo_name, exc) from None
            self.out(f"Successfully initialized {_go_quote(repo_name)}")
        except notary.NotaryError as exc:
            raise self.notary_error(repo_name, exc) from None
        role = f"targets/{signer}"
        writer.add_delegation_keys(role, keys, [""])
        writer.add_delegation_keys(RELEASES_ROLE, keys, [""])
        try:
            self._publish(writer)
        except notary.NotaryError as exc:
            raise self.notary_error(repo_name, exc) from None

    @command(
        "Remove a signer",
        usage="[OPTIONS] NAME REPOSITORY [REPOSITORY...]",
        flags=[Flag("force", "Do not prompt for confirmation before removing the most recent "
                    "signer", short="f")],
        args=[Arg("NAME"), Arg("REPOSITORY", kind="image", many=True)],
        args_rule="RequiresMinArgs(2)",
    )  # fmt: skip
    def cmd_trust_signer_remove(self, opts) -> int:  # noqa: ANN001
        signer, repos = opts.args[0], opts.args[1:]
        failed = []
        for repo_name in repos:
            self.out(f'Removing signer "{signer}" from {repo_name}...')
            try:
                self._remove_signer(repo_name, signer, opts.force)
            except EngineError as exc:
                self.stdout.flush()
                self.err(f"{exc}\n")
                failed.append(repo_name)
        if failed:
            raise TrustError(f"error removing signer from: {', '.join(failed)}")
        return 0

    def _remove_signer(self, repo_name: str, signer: str, force: bool) -> None:
        from dshell.engine import notary
        from dshell.engine.references import parse_reference

        parse_reference(repo_name)
        role_name = f"targets/{signer}"
        if role_name == RELEASES_ROLE:
            raise TrustError("releases is a reserved keyword and cannot be removed")
        repo, _ = self.notary_repository(repo_name, ["push", "pull"])
        try:
            self._update(repo)
            delegations = repo.delegation_roles()
        except notary.NotaryError as exc:
            raise TrustError(f"error retrieving signers for {repo_name}: {exc}") from None
        role = next((r for r in delegations if r.name == role_name), None)
        if role is None:
            raise TrustError(f"no signer {signer} for repository {repo_name}")
        try:
            self._update(repo)  # ListRoles
        except notary.NotaryError as exc:
            raise TrustError(str(exc)) from None
        releases = repo.raw.get(RELEASES_ROLE)
        signatures = json.loads(releases).get("signatures") or [] if releases else []
        if not signatures:
            raise TrustError("all signed tags are currently revoked, use docker trust sign to "
                             "fix")  # fmt: skip
        threshold = next((r.threshold for r in delegations if r.name == RELEASES_ROLE), 1)
        remaining = len(signatures) - sum(
            1 for sig in signatures for key in role.keyids if sig.get("keyid") == key
        )
        # docker 28's maybePromptForSignerRemoval goes on only for the last signer of the
        # released tags and a "y" to its question; otherwise (and with --force) it removes
        # nothing and says nothing.
        if remaining >= threshold or force:
            return
        question = (f'The signer "{signer}" signed the last released version of {repo_name}. '
                    f"Removing this signer will make {repo_name} unpullable. Are you sure you "
                    "want to continue?")  # fmt: skip
        if not self.confirm(question):
            return
        writer, _ = self._writer(repo)
        try:
            writer.remove_delegation_keys(RELEASES_ROLE, role.keyids)
            writer.remove_delegation(role_name)
            self._publish(writer)
        except notary.NotaryError as exc:
            raise TrustError(str(exc)) from None
        self.out(f"Successfully removed {signer} from {repo_name}\n")

    # -- sign / revoke ---------------------------------------------------------------------
    def signable_roles(self, repo: Repository, writer, target: str) -> list[str]:  # noqa: ANN001
        """cli/trust.GetSignableRoles: ``targets`` when there are no delegations, else every
        top-level delegation whose paths allow the target and whose key this client holds."""
        self._update(repo)  # GetDelegationRoles
        delegations = repo.delegation_roles()
        if not delegations:
            return ["targets"]
        held = {stored.id for stored in writer.store.list()}
        roles = []
        for role in delegations:
            if role.name.rsplit("/", 1)[0] != "targets" or not role.check_paths(target):
                continue
            if any(k in held for k in role.keyids):  # delegation_roles gives canonical IDs
                roles.append(role.name)
        if not roles:
            raise TrustError("no valid signing keys for delegation roles")
        return roles

    @command(
        "Sign an image",
        usage="IMAGE:TAG",
        flags=[Flag("local", "Sign a locally tagged image")],
        args=[Arg("IMAGE:TAG", kind="image-tagged")],
    )  # fmt: skip
    def cmd_trust_sign(self, opts) -> int:  # noqa: ANN001
        from dshell.engine import notary
        from dshell.engine.references import full_name, parse_reference

        image = opts.args[0]
        ref = parse_reference(image)
        if not ref.tag:
            if ref.digest:
                raise TrustError("cannot use a digest reference for IMAGE:TAG")
            raise TrustError(f"no tag specified for {image}")
        name = full_name(ref)
        repo, _ = self.notary_repository(image, ["push", "pull"])
        writer, store = self._writer(repo)
        try:
            self._update(repo)
        except (notary.RepositoryNotExist, notary.RepoNotInitialized):
            self._inspect_local_image(image)
            user = self._registry_username(ref)
            role = f"targets/{user}".rstrip("/")
            try:
                self._initialize(repo, writer, store)
                if role == "targets":
                    raise TrustError("could not add signer to repo: targets: tuf: invalid role "
                                     "targets. invalid delegation role name")  # fmt: skip
                key = self._key_for_role(store, role)
                writer.add_delegation_keys(role, [key.public_dict()], [""])
                writer.add_delegation_keys(RELEASES_ROLE, [key.public_dict()], [""])
                self._publish(writer)
            except notary.NotaryError as exc:
                raise self.notary_error(name, exc) from None
            self.out(f"Created signer: {user}")
            self.out(f"Finished initializing signed repository for {image}")
        except notary.NotaryError as exc:
            raise self.notary_error(name, exc) from None
        try:
            self._update(repo)  # createTarget's GetAllTargetMetadataByName
            released = self._released_target(repo, ref.tag)
        except notary.NotaryError:
            released = None
        if released is None or opts.local:
            self._inspect_local_image(image)
            self.stdout.flush()
            self.err(f"Signing and pushing trust data for local image {image}, may overwrite "
                     "remote trust data")  # fmt: skip
            return self._push_and_sign(ref, repo, writer)
        self.out(f"Signing and pushing trust metadata for {image}")
        try:
            self._update(repo)  # getExistingSignatureInfoForReleasedTag
            existing = match_released_signatures(repo.all_target_metadata(ref.tag))
        except notary.NotaryError as exc:
            raise TrustError(str(exc)) from None
        try:
            roles = self.signable_roles(repo, writer, ref.tag)
            writer.add_target(ref.tag, _raw_hashes(released.hashes), released.length, roles)
            tag, digest, signers = existing[0] if existing else ("", "", [])
            self.out(f"Existing signatures for tag {tag} digest {digest} from:")
            self.out(", ".join(sorted(signers)))
            self._publish(writer)
        except EngineError as exc:
            raise TrustError(f"failed to sign {name}:{ref.tag}: {exc}") from None
        self.out(f"Successfully signed {name}:{ref.tag}")
        return 0

    def _released_target(self, repo: Repository, tag: str):  # noqa: ANN202
        """docker's getSignedManifestHashAndSize: the tag as ``targets`` or
        ``targets/releases`` signed it (None when neither did)."""
        for target in repo.all_target_metadata(tag):
            if target.role in ("targets", RELEASES_ROLE):
                return target
        return None

    def _inspect_local_image(self, image: str) -> None:
        from dshell.engine.urls import quote

        self.client.get_raw(f"/images/{quote(image, safe='')}/json")

    def _registry_username(self, ref) -> str:  # noqa: ANN001
        from dshell.engine.auth import CredentialStore, auth_key_for_domain

        return CredentialStore(self.config).get(auth_key_for_domain(ref.domain)).username

    def _push_and_sign(self, ref, repo: Repository, writer) -> int:  # noqa: ANN001
        """docker's ImagePush then cli/trust.PushTrustedReference: the daemon pushes (its
        progress shown as docker shows it), then the pushed digest is signed."""
        from dshell.engine.auth import auth_header_for_domain
        from dshell.engine.urls import quote

        headers = {"X-Registry-Auth": auth_header_for_domain(self.config, ref.domain)}
        path = f"/images/{quote(ref.familiar_name, safe='/:')}/push"
        response = self.client.request("POST", path, params={"tag": ref.tag}, headers=headers,
                                       stream=True)  # fmt: skip
        pushed: list[dict] = []
        self.show_progress(response, self.stdout, aux=pushed.append)
        return self.sign_pushed(ref, pushed, repo, writer)

    def sign_pushed(self, ref, aux: list[dict], repo: Repository | None = None,  # noqa: ANN001
                    writer=None) -> int:  # noqa: ANN001  # fmt: skip
        """cli/trust.PushTrustedReference after the push: sign the tag's pushed digest into
        every role this client can sign (``targets`` for a new repository). Also what
        ``push`` does under DOCKER_CONTENT_TRUST."""
        from dshell.engine import notary
        from dshell.engine.references import full_name

        name = full_name(ref)
        if len(aux) > 1:
            raise TrustError("internal error: only one call to handleTarget expected")
        result = aux[0] if aux else {}
        digest = str(result.get("Digest", ""))
        if not result.get("Tag") or not digest.startswith("sha256:"):
            raise TrustError("no targets found, provide a specific tag in order to sign it")
        hashes = {"sha256": bytes.fromhex(digest.removeprefix("sha256:"))}
        length = int(result.get("Size") or 0)
        self.out("Signing and pushing trust metadata")
        if repo is None:
            try:
                repo, _ = self.notary_repository(ref.familiar_string(), ["push", "pull"])
            except notary.NotaryError as exc:
                raise TrustError(f"error establishing connection to trust repository: {exc}") \
                    from None  # fmt: skip
            writer, _ = self._writer(repo)
        failed = f"failed to sign {name}:{ref.tag}"
        try:
            try:
                self._update(repo)
            except (notary.RepositoryNotExist, notary.RepoNotInitialized):
                store = writer.store
                self._initialize(repo, writer, store)
                self.out(f"Finished initializing {_go_quote(name)}")
                roles = ["targets"]
            else:
                roles = self.signable_roles(repo, writer, ref.tag)
            writer.add_target(ref.tag, hashes, length, roles)
            self._publish(writer)
        except notary.NotaryError as exc:
            raise self.notary_error(name, notary.NotaryError(f"{failed}: {exc}")) from None
        except TrustError as exc:
            raise TrustError(f"{failed}: {exc}") from None
        self.out(f"Successfully signed {name}:{ref.tag}")
        return 0

    @command(
        "Remove trust for an image",
        usage="[OPTIONS] IMAGE[:TAG]",
        flags=[Flag("yes", "Do not prompt for confirmation", short="y")],
        args=[Arg("IMAGE[:TAG]", kind="image")],
    )  # fmt: skip
    def cmd_trust_revoke(self, opts) -> int:  # noqa: ANN001
        from dshell.engine import notary
        from dshell.engine.references import parse_reference

        remote = opts.args[0]
        ref = parse_reference(remote)
        if not ref.tag and ref.digest:
            raise TrustError("cannot use a digest reference for IMAGE:TAG")
        if not ref.tag and not opts.yes:
            if not self.confirm(f"Confirm you would like to delete all signature data for "
                                f"{remote}?"):  # fmt: skip
                return 0  # docker's cancelledErr: nothing said, status 0
        repo, _ = self.notary_repository(remote, ["push", "pull"])
        writer, _ = self._writer(repo)
        failed = f"could not remove signature for {remote}"
        try:
            self._update(repo, for_write=False)
            if ref.tag:
                targets = [repo.target_by_name(ref.tag, [RELEASES_ROLE, "targets"])]
            else:
                targets = repo.list_targets([RELEASES_ROLE, "targets"])
                if not targets:
                    raise TrustError("no signed tags to remove")
            for target in targets:
                writer.remove_target(target.name, self.signable_roles(repo, writer,
                                                                      target.name))  # fmt: skip
            self._publish(writer)
        except (notary.NotaryError, TrustError) as exc:
            raise TrustError(f"{failed}: {exc}") from None
        self.out(f"Successfully deleted signature for {remote}")
        return 0

    # -- DOCKER_CONTENT_TRUST for pull / push / run / create (cli/command/image/trust.go) --
    def content_trust_wanted(self, opts) -> bool:  # noqa: ANN001
        """Whether a command with ``--disable-content-trust`` goes through notary: the flag
        when typed, else DOCKER_CONTENT_TRUST (Go's ParseBool; anything else is off)."""
        if "disable_content_trust" in opts.given:
            return not opts.disable_content_trust
        return content_trust_enabled()

    def trusted_pull(self, ref, *, all_tags: bool, platform: str | None, quiet: bool) -> None:  # noqa: ANN001
        """docker's trustedPull: each signed tag (the one asked, or every one with -a) pulled
        by its signed digest, then tagged."""
        from dshell.engine import notary
        from dshell.engine.references import full_name
        from dshell.render.images import Reference

        name = full_name(ref)
        repo, _ = self.notary_repository(ref.familiar_string(), ["pull"])
        try:
            self._update(repo)
            if all_tags:
                found = repo.list_targets([RELEASES_ROLE, "targets"])
                if not found:
                    raise TrustError(f"No trusted tags for {name}")
            else:
                found = [repo.target_by_name(ref.tag, [RELEASES_ROLE, "targets"])]
                if found[0].role not in (RELEASES_ROLE, "targets"):
                    raise notary.NoSuchTarget(ref.tag)
        except notary.NotaryError as exc:
            raise self.notary_error(name, exc) from None
        import base64

        for index, target in enumerate(found, 1):
            sha = base64.b64decode(target.hashes.get("sha256", "")).hex()
            if not sha:
                raise TrustError("no valid hash, expecting sha256")
            digest = f"sha256:{sha}"
            shown = f":{target.name}" if target.name else ""
            self.out(f"Pull ({index} of {len(found)}): {ref.familiar_name}{shown}@{digest}")
            pinned = Reference(ref.domain, ref.path, "", digest)
            self._pull_reference(pinned, all_tags=False, platform=platform, quiet=quiet,
                                 out=self.stdout)  # fmt: skip
            self.tag_trusted(pinned, Reference(ref.domain, ref.path, target.name, ""))

    def trusted_reference(self, ref):  # noqa: ANN001, ANN201
        """docker's TrustedReference: ``ref`` pinned to the digest its tag is signed with
        (what run/create/build use under DOCKER_CONTENT_TRUST)."""
        import base64

        from dshell.engine import notary
        from dshell.engine.references import full_name
        from dshell.render.images import Reference

        name = full_name(ref)
        try:
            repo, _ = self.notary_repository(ref.familiar_string(), ["pull"])
        except notary.NotaryError as exc:
            raise TrustError(f"error establishing connection to trust repository: {exc}") \
                from None  # fmt: skip
        try:
            self._update(repo)
            target = repo.target_by_name(ref.tag, [RELEASES_ROLE, "targets"])
        except notary.NotaryError as exc:
            raise self.notary_error(name, exc) from None
        sha = base64.b64decode(target.hashes.get("sha256", "")).hex()
        if not sha:
            raise TrustError("no valid hash, expecting sha256")
        return Reference(ref.domain, ref.path, "", f"sha256:{sha}")

    def trusted_image(self, image: str):  # noqa: ANN201
        """docker's createContainer under content trust: for an image named by tag (or by
        name alone, ``latest``), that reference and the one pinned to its signed digest;
        (None, None) for an ID or a digest reference."""
        from dshell.engine.references import parse_reference, with_default_tag

        if re.fullmatch(r"(sha256:)?[0-9a-f]{64}", image):
            return None, None
        ref = parse_reference(image)
        if ref.digest:
            return None, None
        tagged = with_default_tag(ref)
        return tagged, self.trusted_reference(tagged)

    def dockerfile_for_trust(self, dockerfile: str) -> tuple[str, list]:
        """docker build's rewriteDockerfileFromForContentTrust, for the classic builder under
        content trust: every ``FROM image[:tag]`` pinned to the digest notary signed for
        the tag; returns the new Dockerfile and the (pinned, tagged) pairs to tag_trusted
        once the build succeeded."""
        from dshell.engine.references import parse_reference, with_default_tag

        lines, resolved = [], []
        for line in dockerfile.splitlines():
            match = DOCKERFILE_FROM.match(line)
            if match and match.group("image") != "scratch":
                tagged = with_default_tag(parse_reference(match.group("image")))
                if tagged.tag:
                    pinned = self.trusted_reference(tagged)
                    line = DOCKERFILE_FROM.sub(lambda _m, p=pinned: "FROM " + p.familiar_string(),
                                               line)  # fmt: skip
                    resolved.append((pinned, tagged))
            lines.append(line + "\n")
        return "".join(lines), resolved

    def trusted_build_context(self, chunks, dockerfile: str, resolved: list):  # noqa: ANN001, ANN201
        """docker build's replaceDockerfileForContentTrust: the context tar as it streams,
        its ``dockerfile`` entry rewritten by dockerfile_for_trust (the pairs to tag after a
        successful build appended to ``resolved``)."""
        import io
        import tarfile

        class _Chunks(io.RawIOBase):
            def __init__(self, source) -> None:  # noqa: ANN001
                self.source, self.pending = iter(source), b""

            def readable(self) -> bool:
                return True

            def readinto(self, buffer) -> int:  # noqa: ANN001
                while not self.pending:
                    try:
                        self.pending = bytes(next(self.source))
                    except StopIteration:
                        return 0
                size = min(len(buffer), len(self.pending))
                buffer[:size], self.pending = self.pending[:size], self.pending[size:]
                return size

        wanted = dockerfile.lstrip("./")
        with tarfile.open(fileobj=io.BufferedReader(_Chunks(chunks)), mode="r|") as source:
            for member in source:
                data = source.extractfile(member).read() if member.isfile() else b""
                if member.isfile() and member.name.lstrip("./") == wanted:
                    text, found = self.dockerfile_for_trust(data.decode("utf-8", "replace"))
                    resolved.extend(found)
                    data = text.encode()
                    member.size = len(data)
                # Written by hand: tarfile's writer pads the end to 10 kB, Go's does not.
                yield member.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")
                if data:
                    yield data + bytes(-len(data) % tarfile.BLOCKSIZE)
        yield bytes(2 * tarfile.BLOCKSIZE)

    def tag_trusted(self, pinned, tagged) -> None:  # noqa: ANN001
        """docker's TagTrusted: said on standard error, done by the daemon."""
        from dshell.engine.urls import quote

        source, target = pinned.familiar_string(), tagged.familiar_string()
        self.stdout.flush()
        self.err(f"Tagging {source} as {target}")
        params = {"repo": tagged.familiar_name, "tag": tagged.tag}
        self.client.request("POST", f"/images/{quote(source, safe='')}/tag", params=params)

    # -- key ------------------------------------------------------------------------------
    def key_store(self):  # noqa: ANN201
        from dshell.engine.notary_keys import KeyStore

        return KeyStore(self.config_directory / "trust", Passphrases(self))

    @command(
        "Generate and load a signing key-pair",
        usage="NAME",
        flags=[Flag("dir", "Directory to generate key in, defaults to current directory",
                    type="string", kind="path")],
        args=[Arg("NAME")],
    )  # fmt: skip
    def cmd_trust_key_generate(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.notary import NotaryError
        from dshell.engine.notary_keys import PemBlock, generate_ecdsa, pem_encode

        name = opts.args[0]
        directory = opts.dir or os.getcwd()
        if not VALID_KEY_NAME.fullmatch(name):
            raise TrustError(_key_name_error(name))
        if not os.path.exists(directory):
            raise TrustError(f'public key path does not exist: "{directory}"')
        target = os.path.normpath(os.path.join(directory, name + ".pub"))
        if os.path.lexists(target):
            raise TrustError(f'public key file already exists: "{target}"')
        self.out(f"Generating key for {name}...")
        store = self.key_store()
        store.ensure_directory()
        key = generate_ecdsa()
        try:
            store.add(key, name)
        except NotaryError as exc:
            self.stdout.write(str(exc))
            raise TrustError(f"failed to generate key for {name}: {exc}") from None
        block = PemBlock("PUBLIC KEY", {"role": name}, key.public_der())
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem_encode(block))
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise TrustError(f"failed to write public key to {target}: open {target}: "
                             f"{reason}") from None  # fmt: skip
        self.out("Successfully generated and loaded private key. Corresponding public key "
                 f"available: {target}")  # fmt: skip
        return 0

    @command(
        "Load a private key file for signing",
        usage="[OPTIONS] KEYFILE",
        flags=[Flag("name", "Name for the loaded key", type="string", default="signer")],
        args=[Arg("KEYFILE", kind="path")],
    )  # fmt: skip
    def cmd_trust_key_load(self, opts) -> int:  # noqa: ANN001
        import stat

        from dshell.engine import notary_keys as keys
        from dshell.engine.notary import NotaryError

        path, name = opts.args[0], opts.name
        if name and not VALID_KEY_NAME.fullmatch(name):
            raise TrustError(_key_name_error(name))
        store = self.key_store()
        store.ensure_directory()
        self.out(f'Loading key from "{path}"...')
        try:
            mode = os.stat(path).st_mode
            if stat.S_IMODE(mode) & 0o077:
                raise TrustError(f"refusing to load key from {path}: private key file {path} "
                                 "must not be readable or writable by others")  # fmt: skip
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            verb = "stat" if isinstance(exc, FileNotFoundError) else "open"
            raise TrustError(f"refusing to load key from {path}: {verb} {path}: {reason}") \
                from None  # fmt: skip
        failed = f"error importing key from {path}"
        try:
            keys.private_key_attributes(data)
        except NotaryError:
            raise TrustError(f"{failed}: provided file {path} is not a supported private key - "
                             "to add a signer's public key use docker trust signer add") \
                from None  # fmt: skip
        block, _ = keys.pem_decode(data)
        retriever = Passphrases(self)
        if ("DEK-Info" in block.headers or block.type == "ENCRYPTED PRIVATE KEY") \
                and "path" not in block.headers:  # fmt: skip
            try:
                keys.decrypt_with_retries(retriever, data, "", "encrypted")
            except NotaryError:
                raise TrustError(f"{failed}: cannot load key from provided file {path}: could "
                                 "not decrypt key") from None  # fmt: skip
            # docker hands notary the decrypted key's bare DER, which holds no PEM block:
            # it reports success and imports nothing.
            self.out(f"Successfully imported key from {path}")
            return 0
        try:
            self._import_keys(data, name, retriever, store)
        except NotaryError as exc:
            raise TrustError(f"{failed}: {exc}") from None
        self.out(f"Successfully imported key from {path}")
        return 0

    def _import_keys(self, data: bytes, fallback_role: str, retriever, store) -> None:  # noqa: ANN001
        """notary's trustmanager.ImportKeys for the blocks of one file."""
        from dshell.engine import notary_keys as keys
        from dshell.engine.notary import NotaryError, logrus_warning

        errors, pending = [], {}
        block, rest = keys.pem_decode(data)
        while block is not None:
            headers = block.headers
            raw_path = headers.get("path", "")
            if raw_path and raw_path != os.path.basename(raw_path):
                directory = os.path.dirname(raw_path)
                if directory.startswith("tuf_keys"):
                    gun = directory.removeprefix("tuf_keys").strip("/")
                    if gun:
                        headers["gun"] = gun
                headers["path"] = os.path.basename(raw_path)
            if not headers.get("role"):
                headers["role"] = fallback_role or "delegation"
            role = headers["role"]
            location = headers.get("path", "")
            valid = True
            if role in ("snapshot", "targets", "timestamp"):
                if not headers.get("gun"):
                    self.err(logrus_warning(
                        f"failed to import key ({location}) to store: Cannot have canonical "
                        "role key without a gun, don't know what gun it belongs to"))  # fmt: skip
                    valid = False
            else:
                headers.pop("gun", None)
            parsed = None
            if valid and not location:
                try:
                    parsed = keys.parse_pem_private_key(keys.pem_encode(block))
                    location = parsed.id
                except NotaryError:
                    self.err(logrus_warning(
                        "failed to import key to store: Invalid key generated, key may be "
                        "encrypted and does not contain path header"))  # fmt: skip
                    valid = False
            if not valid:
                errors.append("invalid key pem block")
                block, rest = keys.pem_decode(rest)
                continue
            headers.pop("path", None)
            encoded = keys.pem_encode(block)
            try:
                parsed = parsed or keys.parse_pem_private_key(encoded)
            except NotaryError:
                parsed = None
            if parsed is not None:
                try:
                    passphrase = store.new_passphrase(location, role)
                except NotaryError:
                    raise NotaryError("maximum number of passphrase attempts exceeded") \
                        from None  # fmt: skip
                encoded = keys.private_key_pem(parsed, role, headers.get("gun", ""), passphrase)
            pending[location] = pending.get(location, b"") + encoded
            block, rest = keys.pem_decode(rest)
        for location, content in pending.items():
            store.write(location, content)
        if not pending and errors:
            raise NotaryError(f"failed to import all keys: {', '.join(errors)}")

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


def _key_name_error(name: str) -> str:
    return (f'key name "{name}" must start with lowercase alphanumeric characters and can '
            'include "-" or "_" after the first character')  # fmt: skip


class Passphrases:
    """cli/trust.GetPassphraseRetriever: DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE for root keys,
    DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE for every other; else notary's prompt on the
    session's terminal (never echoed; never in dshell's history, which only keeps command
    lines) or a line of its standard input, remembered per role for the command."""

    ALIASES = {"root": "root", "snapshot": "repository", "targets": "repository",
               "default": "repository"}  # fmt: skip

    def __init__(self, session: CommandBase) -> None:
        self.session = session
        self.cache: dict[str, str] = {}
        self._pending: bytes | None = None

    def __call__(self, key_name: str, alias: str, create_new: bool, attempts: int):  # noqa: ANN204
        from dshell.engine.notary import NotaryError

        root = os.environ.get("DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE", "")
        repository = os.environ.get("DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE", "")
        env = {"root": root, "snapshot": repository, "targets": repository,
               "default": repository}  # fmt: skip
        if env.get(alias):
            return env[alias], attempts > 1
        if repository and alias != "root":
            return repository, attempts > 1
        out = self.session.stdout
        if attempts == 0:
            if alias == "root" and create_new:
                out.write(ROOT_KEY_WARNING + "\n")
            if alias in self.cache:
                return self.cache[alias], False
        elif not create_new:
            if attempts > 3:
                raise NotaryError("Too many attempts")
            out.write("Passphrase incorrect. Please retry.\n")
        shown = self.ALIASES.get(alias, alias)
        separator = key_name.rfind("/")
        short = ""
        if separator < 0:
            separator = 0
        if len(key_name) > separator + 7:
            if separator > 0:
                short = f"{key_name[separator + 1 : separator + 8]} ({key_name[:separator]})"
            else:
                short = key_name[:7]
        with_id = f" with ID {short}" if short else ""
        if create_new:
            out.write(f"Enter passphrase for new {shown} key{with_id}: ")
        else:
            out.write(f"Enter passphrase for {shown} key{with_id}: ")
        self._pending = None  # a new bufio.Reader per request, as notary's prompt makes
        passphrase = self._read_line()
        if create_new:
            if len(passphrase) < 8:
                out.write("Passphrase is too short. Please use a password manager to generate "
                          "and store a good random passphrase.\n")  # fmt: skip
                raise NotaryError("Passphrase too short")
            out.write(f"Repeat passphrase for new {shown} key{with_id}: ")
            if self._read_line() != passphrase:
                out.write("Passphrases do not match. Please retry.\n")
                raise NotaryError("The entered passphrases do not match")
        self.cache[alias] = passphrase
        return passphrase, False

    def _read_line(self) -> str:
        """One passphrase: from the terminal with echo off, else a line of input read as
        Go's bufio.Reader reads it (up to 4096 bytes at a time; what a request read beyond
        its lines is lost, and a last line without its newline is an error)."""
        from dshell.engine.notary import NotaryError

        out, stdin = self.session.stdout, self.session.stdin
        out.flush()
        try:
            if stdin.is_terminal and stdin.fd is not None:
                line = _read_without_echo(stdin.fd)
            else:
                line = self._buffered_line(stdin.handle)
        except (EOFError, OSError, ValueError):
            out.write("\n")
            raise NotaryError("EOF") from None
        out.write("\n")
        return line.strip()

    def _buffered_line(self, handle) -> str:  # noqa: ANN001
        pending = self._pending or b""
        raw = getattr(handle, "buffer", None)
        while b"\n" not in pending:
            if raw is not None and hasattr(raw, "read1"):
                chunk = raw.read1(4096)
            else:
                text = handle.read(4096) if raw is None else raw.read(4096)
                chunk = text.encode() if isinstance(text, str) else text
            if not chunk:
                self._pending = b""
                raise EOFError
            pending += chunk
        line, _, self._pending = pending.partition(b"\n")
        return line.decode("utf-8", errors="replace")


def _read_without_echo(fd: int) -> str:
    """term.ReadPassword: a line from the terminal with echo off, restored after."""
    import termios

    old = termios.tcgetattr(fd)
    new = list(old)
    new[3] = (new[3] & ~termios.ECHO) | termios.ICANON | termios.ISIG
    termios.tcsetattr(fd, termios.TCSAFLUSH, new)
    try:
        chunks = []
        while True:
            byte = os.read(fd, 1)
            if not byte:
                if not chunks:
                    raise EOFError
                break
            if byte in (b"\n", b"\r"):
                break
            chunks.append(byte)
        return b"".join(chunks).decode("utf-8", errors="replace")
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, old)


def _go_quote(text: str) -> str:
    from dshell.render.formatter import go_quote

    return go_quote(text)


def _ingest_public_key(path: str) -> dict:
    """docker's ingestPublicKeys for one file: a PUBLIC KEY or a CERTIFICATE (which must be
    valid now and not signed with SHA-1) as a TUF key."""
    import base64

    from dshell.engine.notary_keys import pem_decode

    try:
        with open(path, "rb") as handle:
            data = handle.read(1 << 20)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise TrustError(f"unable to read public key from file: open {path}: {reason}") \
            from None  # fmt: skip
    failed = f"could not parse public key from file: {path}"
    block, _ = pem_decode(data)
    if block is None:
        raise TrustError(f"{failed}: no valid public key found")
    if block.type == "PUBLIC KEY":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        try:
            key = serialization.load_der_public_key(block.der)
        except ValueError as exc:
            raise TrustError(f"{failed}: {exc}") from None
        kind = {ec.EllipticCurvePublicKey: "ecdsa", rsa.RSAPublicKey: "rsa",
                ed25519.Ed25519PublicKey: "ed25519"}  # fmt: skip
        keytype = next((v for k, v in kind.items() if isinstance(key, k)), None)
        if keytype is None:
            raise TrustError(f"{failed}: unknown public key format")
        return {"keytype": keytype, "keyval": {"private": None,
                "public": base64.b64encode(block.der).decode()}}  # fmt: skip
    if block.type == "CERTIFICATE":
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            cert = x509.load_der_x509_certificate(block.der)
        except ValueError as exc:
            raise TrustError(f"{failed}: could not parse provided certificate: {exc}") from None
        keytype = "ecdsa-x509" if isinstance(cert.public_key(), ec.EllipticCurvePublicKey) \
            else "rsa-x509"  # fmt: skip
        pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(block.der) + \
            b"-----END CERTIFICATE-----\n"  # fmt: skip
        return {"keytype": keytype, "keyval": {"private": None,
                "public": base64.b64encode(pem).decode()}}  # fmt: skip
    raise TrustError(f'{failed}: unsupported PEM block type "{block.type}", expected '
                     "CERTIFICATE or PUBLIC KEY")  # fmt: skip


def _raw_hashes(hashes: dict[str, str]) -> dict[str, bytes]:
    import base64

    return {algorithm: base64.b64decode(value) for algorithm, value in hashes.items()}


def content_trust_enabled() -> bool:
    """DOCKER_CONTENT_TRUST as docker reads it (strconv.ParseBool; unset or invalid: off)."""
    value = os.environ.get("DOCKER_CONTENT_TRUST", "")
    return value in ("1", "t", "T", "TRUE", "true", "True")
