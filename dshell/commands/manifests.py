"""``manifest …``: local manifest lists and the registry's manifests (docker/cli's
cli/command/manifest).

The local lists live where docker keeps them, ``$DOCKER_CONFIG/manifests/<list>/<image>``
(``:`` → ``-``, ``/`` → ``_`` in both names), one JSON file per image in docker's format, so
docker and dshell see each other's lists. The registry is reached by
``dshell.engine.distribution``; this module reads and writes the store and prints.
"""

from __future__ import annotations

import base64
import csv
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from dshell.commands.base import CommandBase, UnknownCommand
from dshell.commands.declare import Arg, Flag, command
from dshell.engine.errors import EngineError

if TYPE_CHECKING:
    from dshell.engine.distribution import ImageManifest, RegistryClient
    from dshell.render.images import Reference

EXPERIMENTAL = (
    "\n\nEXPERIMENTAL:\n"
    "  docker {path} is an experimental feature.\n"
    "  Experimental features provide early access to product functionality. These\n"
    "  features may change between releases without warning, or can be removed from a\n"
    "  future release. Learn more about experimental features in our documentation:\n"
    "  https://docs.docker.com/go/experimental/"
)
MANIFEST_DESCRIPTION = (
    "The **docker manifest** command has subcommands for managing image manifests and\n"
    "manifest lists. A manifest list allows you to use one name to refer to the same image\n"
    "built for multiple architectures.\n\n"
    "To see help for a subcommand, use:\n\n"
    "    docker manifest CMD --help\n\n"
    "For full details on using docker manifest lists, see the registry v2 specification."
)
#: util.go's validOSArches: the os/arch pairs ``annotate`` accepts.
VALID_OS_ARCHES = frozenset(
    (os_name, arch)
    for os_name, arches in (
        ("darwin", "386 amd64 arm arm64"), ("dragonfly", "amd64"), ("freebsd", "386 amd64 arm"),
        ("linux", "386 amd64 arm arm64 ppc64le mips64 mips64le riscv64 s390x"),
        ("netbsd", "386 amd64 arm"), ("openbsd", "386 amd64 arm"), ("plan9", "386 amd64"),
        ("solaris", "amd64"), ("windows", "386 amd64"),
    )
    for arch in arches.split()
)  # fmt: skip
INSECURE_HELP = "Allow communication with an insecure registry"


def _experimental(summary: str, path: str) -> str:
    return summary + EXPERIMENTAL.format(path=path)


class StoreError(EngineError):
    """The local manifest store could not be read or written."""


class StoreNotFound(StoreError):
    """``No such manifest: REF`` (the store's not-found error)."""


def _filesafe(text: str) -> str:
    """makeFilesafeName: the name of a list's folder or an image's file."""
    return text.replace(":", "-").replace("/", "_")


class ManifestStore:
    """docker's fsStore under ``root`` (``$DOCKER_CONFIG/manifests``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _list_dir(self, list_ref: str) -> Path:
        return self.root / _filesafe(list_ref)

    def get(self, list_ref: str, image_ref: str) -> ImageManifest:
        return self._read(image_ref, self._list_dir(list_ref) / _filesafe(image_ref))

    def get_list(self, list_ref: str) -> list[ImageManifest]:
        folder = self._list_dir(list_ref)
        try:
            names = sorted(entry.name for entry in os.scandir(folder))
        except FileNotFoundError:
            raise StoreNotFound(f"No such manifest: {list_ref}") from None
        except OSError as exc:
            raise StoreError(f"open {folder}: {(exc.strerror or str(exc)).lower()}") from None
        return [self._read(list_ref, folder / name) for name in names]

    def save(self, list_ref: str, image_ref: str, image: ImageManifest) -> None:
        from dshell.render import gojson

        folder = self._list_dir(list_ref)
        try:
            folder.mkdir(mode=0o755, parents=True, exist_ok=True)
            path = folder / _filesafe(image_ref)
            path.write_text(gojson.dumps(store_record(image), escape_html=True),
                            encoding="utf-8")  # fmt: skip
            os.chmod(path, 0o644)
        except OSError as exc:
            raise StoreError(f"open {folder}: {(exc.strerror or str(exc)).lower()}") from None

    def remove(self, list_ref: str) -> None:
        shutil.rmtree(self._list_dir(list_ref), ignore_errors=True)

    def _read(self, ref: str, path: Path) -> ImageManifest:
        """getFromFilename: one image of a list (docker's older files included, whose
        Digest and Platform fields came before Descriptor)."""
        import json

        from dshell.engine.distribution import ImageManifest, descriptor_record, sha256_digest
        from dshell.render import gojson

        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreNotFound(f"No such manifest: {ref}") from None
        except OSError as exc:
            raise StoreError(f"read {path}: {(exc.strerror or str(exc)).lower()}") from None
        try:
            record = json.loads(data)
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        if not isinstance(record, dict):
            raise StoreError("json: cannot unmarshal into Go value of type struct")
        raw = base64.b64decode(record["Raw"]) if record.get("Raw") else b""
        kind, manifest = "", {}
        for name in ("SchemaV2Manifest", "OCIManifest"):
            if isinstance(record.get(name), dict):
                kind, manifest = name, record[name]
                break
        payload = gojson.dumps(manifest, escape_html=True).encode() if kind else b""
        image = ImageManifest(
            ref=str(record.get("Ref") or ""),
            descriptor=descriptor_record(record.get("Descriptor") or {}),
            raw=raw,
            kind=kind,
            payload=payload,
            manifest=manifest,
        )
        if record.get("Digest"):
            if not kind:
                raise StoreError(f"{image.ref} has no payload")
            digest = sha256_digest(payload)
            if digest != record["Digest"]:
                raise StoreError(f"invalid manifest file {path}: image manifest digest "
                                 f"mismatch ({record['Digest']} != {digest})")  # fmt: skip
            image.descriptor = descriptor_record(
                {
                    "mediaType": manifest.get("mediaType") or "",
                    "digest": digest,
                    "size": len(payload),
                    "platform": record.get("Platform"),
                }
            )
        return image


def store_record(image: ImageManifest) -> dict:
    """types.ImageManifest as json.Marshal writes it (the store's file, ``inspect -v``)."""
    from dshell.render import gojson

    record: dict = {"Ref": image.ref, "Descriptor": image.descriptor}
    if image.raw:
        record["Raw"] = image.raw
    if image.kind:
        record[image.kind] = gojson.RawJSON(image.payload.decode("utf-8", errors="replace"))
    return record


def normalize_reference(text: str) -> Reference:
    """util.go's normalizeReference: ParseNormalizedNamed, ``latest`` unless digested."""
    from dshell.engine.references import parse_reference, with_default_tag

    ref = parse_reference(text)
    return ref if ref.digest else with_default_tag(ref)


def _ref_text(ref: Reference) -> str:
    from dshell.engine.references import full_string

    return full_string(ref)


def _list_descriptor(target: Reference, image: ImageManifest) -> dict:
    """buildManifestDescriptor: a manifest list entry (same registry as the list only)."""
    from dshell.engine.distribution import platform_record
    from dshell.engine.references import parse_reference

    try:
        domain = parse_reference(image.ref).domain
    except EngineError:
        domain = ""
    if domain != target.domain:
        raise StoreError("cannot use source images from a different registry than the target "
                         f"image: {domain} != {target.domain}")  # fmt: skip
    descriptor = image.descriptor
    entry: dict = {}
    if descriptor.get("mediaType"):
        entry["mediaType"] = descriptor["mediaType"]
    if descriptor.get("size"):
        entry["size"] = descriptor["size"]
    if descriptor.get("digest"):
        entry["digest"] = descriptor["digest"]
    entry["platform"] = platform_record(descriptor.get("platform"))
    reason = digest_problem(str(descriptor.get("digest") or ""))
    if reason:
        raise StoreError(f'digest parse of image "{image.ref}" failed: {reason}')
    return entry


def digest_problem(digest: str) -> str | None:
    """go-digest's Digest.Validate: why ``digest`` is not one, in its words."""
    import re

    invalid = "invalid checksum digest format"
    algorithm, sep, encoded = digest.partition(":")
    if not algorithm or not sep or not encoded:
        return invalid
    sizes = {"sha256": 64, "sha384": 96, "sha512": 128}
    if algorithm not in sizes:
        if not re.fullmatch(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+", digest):
            return invalid
        return "unsupported digest algorithm"
    if len(encoded) != sizes[algorithm]:
        return "invalid checksum digest length"
    return None if re.fullmatch(r"[a-f0-9]+", encoded) else invalid


def manifest_list(target: Reference, images: list[ImageManifest]) -> tuple[str, str]:
    """manifestlist.FromDescriptors: (media type, the list as docker marshals it, indented
    with three spaces)."""
    from dshell.engine.distribution import (
        MEDIA_TYPE_LIST,
        MEDIA_TYPE_OCI_INDEX,
        MEDIA_TYPE_OCI_MANIFEST,
    )
    from dshell.render import gojson

    entries = [_list_descriptor(target, image) for image in images]
    oci = bool(entries) and entries[0].get("mediaType") == MEDIA_TYPE_OCI_MANIFEST
    media_type = MEDIA_TYPE_OCI_INDEX if oci else MEDIA_TYPE_LIST
    listing = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
    return media_type, gojson.indent(gojson.dumps(listing, escape_html=True), "", "   ")


def _csv_values(values: list[str]) -> list[str]:
    """pflag's stringSlice: each value read as one CSV record."""
    found: list[str] = []
    for value in values:
        if value:
            found.extend(next(csv.reader([value])))
    return found


class ManifestCommands(CommandBase):
    @command(
        "Manage Docker image manifests and manifest lists",
        group="Management Commands",
        usage="COMMAND",
        description=MANIFEST_DESCRIPTION + EXPERIMENTAL.format(path="manifest"),
    )
    def cmd_manifest(self, opts) -> int:  # noqa: ANN001
        """Alone: its help on standard error after an empty line (docker's Run prints
        "\n" + UsageString); with an unknown subcommand: an unknown command."""
        if opts.args:
            raise UnknownCommand(f"{opts.command.name} {opts.args[0]}")
        self.stdout.flush()
        self.stderr.write("\n")
        self.print_group_help(opts.command)
        return 0

    # -- plumbing ----------------------------------------------------------------------------
    def manifest_store(self) -> ManifestStore:
        return ManifestStore(Path(self.config.path).parent / "manifests")

    def manifest_registry_client(self, insecure: bool) -> RegistryClient:
        """docker's newRegistryClient: credentials from config.json as ``push`` finds them."""
        from dshell.engine.auth import AuthConfig, CredentialStore, auth_key_for_domain
        from dshell.engine.distribution import RegistryClient

        def resolve(domain: str) -> AuthConfig:
            try:
                return CredentialStore(self.config).get(auth_key_for_domain(domain))
            except EngineError:
                return AuthConfig()

        return RegistryClient(resolve, insecure=insecure)

    def _print_manifest(self, image: ImageManifest, verbose: bool) -> None:
        from dshell.render import gojson

        if verbose:
            text = gojson.dumps(store_record(image), escape_html=True)
        else:
            if not image.kind:
                raise StoreError(f"{image.ref} has no payload")
            text = image.payload.decode("utf-8", errors="replace")
        self.out(gojson.indent(text, "", "\t"))

    def _print_manifest_list(self, target: Reference, images: list[ImageManifest],
                    verbose: bool) -> None:  # fmt: skip
        from dshell.render import gojson

        if verbose:
            records = [store_record(image) for image in images]
            self.out(gojson.indent(gojson.dumps(records, escape_html=True), "", "\t"))
            return
        try:
            _, text = manifest_list(target, images)
        except StoreError as exc:
            raise StoreError(f"failed to assemble ManifestDescriptor: {exc}") from None
        self.out(text)

    def _manifest_fetch(self, client: RegistryClient, ref: Reference, as_list: bool = False):  # noqa: ANN202
        from dshell.engine.references import full_name

        reference = ref.tag or ref.digest  # a tag wins, the digest then checks the answer
        shown = _ref_text(ref)
        if not reference:
            raise StoreError(f'image manifest for "{full_name(ref)}" does not exist')
        fetch = client.get_manifest_list if as_list else client.get_manifest
        return fetch(ref.domain, ref.path, reference, shown, ref.digest)

    # -- commands ------------------------------------------------------------------------------
    @command(
        "Display an image manifest, or manifest list",
        description=_experimental("Display an image manifest, or manifest list",
                                  "manifest inspect"),
        usage="[OPTIONS] [MANIFEST_LIST] MANIFEST",
        flags=[
            Flag("insecure", INSECURE_HELP),
            Flag("verbose", "Output additional info including layers and platform", short="v"),
        ],
        args=[Arg("MANIFEST_LIST", kind="image", optional=True), Arg("MANIFEST", kind="image")],
    )  # fmt: skip
    def cmd_manifest_inspect(self, opts) -> int:  # noqa: ANN001
        try:
            self._manifest_inspect(opts)
        except EngineError as exc:
            self.stdout.flush()
            self.err(str(exc))
            return 1
        return 0

    def _manifest_inspect(self, opts) -> None:  # noqa: ANN001
        from dshell.engine.distribution import RegistryError

        named = normalize_reference(opts.args[-1])
        store = self.manifest_store()
        if len(opts.args) == 2:
            list_ref = normalize_reference(opts.args[0])
            image = store.get(_ref_text(list_ref), _ref_text(named))
            self._print_manifest(image, opts.verbose)
            return
        try:
            local = store.get_list(_ref_text(named))
        except StoreError:
            pass
        else:
            self._print_manifest_list(named, local, opts.verbose)
            return
        client = self.manifest_registry_client(opts.insecure)
        try:
            image = self._manifest_fetch(client, named)
        except (RegistryError, StoreError):
            pass
        else:
            self._print_manifest(image, opts.verbose)
            return
        images = self._manifest_fetch(client, named, as_list=True)
        self._print_manifest_list(named, images, opts.verbose)

    @command(
        "Create a local manifest list for annotating and pushing to a registry",
        description=_experimental(
            "Create a local manifest list for annotating and pushing to a registry",
            "manifest create"),
        usage="MANIFEST_LIST MANIFEST [MANIFEST...]",
        flags=[
            Flag("amend", "Amend an existing manifest list", short="a"),
            Flag("insecure", INSECURE_HELP),
        ],
        args=[Arg("MANIFEST_LIST", kind="image"), Arg("MANIFEST", kind="image", many=True)],
    )  # fmt: skip
    def cmd_manifest_create(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.references import InvalidReference

        try:
            target = normalize_reference(opts.args[0])
        except InvalidReference as exc:
            self.err(f"error parsing name for manifest list {opts.args[0]}: {exc}")
            return 1
        store = self.manifest_store()
        target_text = _ref_text(target)
        client = None
        try:
            try:
                store.get_list(target_text)
            except StoreNotFound:
                pass
            else:
                if not opts.amend:
                    raise StoreError(
                        "refusing to amend an existing manifest list with no --amend flag"
                    )
            for text in opts.args[1:]:
                named = normalize_reference(text)
                named_text = _ref_text(named)
                try:
                    image = store.get(target_text, named_text)
                except StoreNotFound:
                    image = None
                if image is None or not image.raw:
                    client = client or self.manifest_registry_client(opts.insecure)
                    image = self._manifest_fetch(client, named)
                store.save(target_text, named_text, image)
        except EngineError as exc:
            self.err(str(exc))
            return 1
        self.out(f"Created manifest list {target_text}")
        return 0

    @command(
        "Add additional information to a local image manifest",
        description=_experimental("Add additional information to a local image manifest",
                                  "manifest annotate"),
        flags=[
            Flag("arch", "Set architecture", type="string"),
            Flag("os", "Set operating system", type="string"),
            Flag("os-features", "Set operating system feature", type="stringSlice"),
            Flag("os-version", "Set operating system version", type="string"),
            Flag("variant", "Set architecture variant", type="string"),
        ],
        args=[Arg("MANIFEST_LIST", kind="image"), Arg("MANIFEST", kind="image")],
    )  # fmt: skip
    def cmd_manifest_annotate(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.distribution import platform_record
        from dshell.engine.references import InvalidReference

        list_text, image_text = opts.args
        try:
            target = normalize_reference(list_text)
        except InvalidReference as exc:
            self.err(f"annotate: error parsing name for manifest list {list_text}: {exc}")
            return 1
        try:
            named = normalize_reference(image_text)
        except InvalidReference as exc:
            self.err(f"annotate: error parsing name for manifest {image_text}: {exc}")
            return 1
        store = self.manifest_store()
        try:
            image = store.get(_ref_text(target), _ref_text(named))
        except StoreNotFound:
            self.err(f"manifest for image {image_text} does not exist in {list_text}")
            return 1
        except StoreError as exc:
            self.err(str(exc))
            return 1
        platform = dict(image.platform or {"architecture": "", "os": ""})
        if opts.os:
            platform["os"] = opts.os
        if opts.arch:
            platform["architecture"] = opts.arch
        features = list(platform.get("os.features") or [])
        for feature in _csv_values(opts.os_features):
            if feature not in features:
                features.append(feature)
        platform["os.features"] = features
        if opts.variant:
            platform["variant"] = opts.variant
        if opts.os_version:
            platform["os.version"] = opts.os_version
        platform = platform_record(platform)
        if (platform["os"], platform["architecture"]) not in VALID_OS_ARCHES:
            self.err("manifest entry for image has unsupported os/arch combination: "
                     f"{opts.os or ''}/{opts.arch or ''}")  # fmt: skip
            return 1
        descriptor = dict(image.descriptor)
        descriptor.pop("platform", None)
        descriptor.pop("artifactType", None)
        descriptor["platform"] = platform
        if image.descriptor.get("artifactType"):
            descriptor["artifactType"] = image.descriptor["artifactType"]
        image.descriptor = descriptor
        try:
            store.save(_ref_text(target), _ref_text(named), image)
        except StoreError as exc:
            self.err(str(exc))
            return 1
        return 0

    @command(
        "Push a manifest list to a repository",
        description=_experimental("Push a manifest list to a repository", "manifest push"),
        flags=[
            Flag("insecure", "Allow push to an insecure registry"),
            Flag("purge", "Remove the local manifest list after push", short="p"),
        ],
        args=[Arg("MANIFEST_LIST", kind="image")],
    )  # fmt: skip
    def cmd_manifest_push(self, opts) -> int:  # noqa: ANN001
        try:
            self._manifest_push(opts)
        except EngineError as exc:
            self.stdout.flush()
            self.err(str(exc))
            return 1
        return 0

    def _manifest_push(self, opts) -> None:  # noqa: ANN001
        from dshell.engine.distribution import MEDIA_TYPE_OCI_MANIFEST, RegistryError, sha256_digest
        from dshell.engine.references import full_name, parse_reference

        target = normalize_reference(opts.args[0])
        target_text = _ref_text(target)
        store = self.manifest_store()
        images = store.get_list(target_text)
        if not images:
            raise StoreError(f"{target_text} not found")
        for image in images:
            platform = image.platform or {}
            if not platform.get("architecture") or not platform.get("os"):
                raise StoreError(f"manifest {image.ref} must have an OS and Architecture to be "
                                 "pushed to a registry")  # fmt: skip
        media_type, payload = manifest_list(target, images)
        blobs: list[tuple[str, str, str]] = []  # (source path, digest, os)
        mounts: list[tuple[str, str, str, bytes]] = []  # (shown ref, digest, type, payload)
        for image in images:
            source = parse_reference(image.ref).path
            if source == target.path:
                continue
            os_name = (image.platform or {}).get("os", "")
            blobs += [(source, digest, os_name) for digest in image.blobs()]
            digest = str(image.descriptor.get("digest") or "")
            data = image.raw
            if not data:
                from dshell.render import gojson

                spaces = "   " if image.kind == "SchemaV2Manifest" else "  "
                data = gojson.indent(image.payload.decode(), "", spaces).encode()
            if image.kind and sha256_digest(data) != digest:
                raise StoreError(f"internal digest mismatch for {image.ref}: expected {digest}, "
                                 f"got {sha256_digest(data)}")  # fmt: skip
            kind_type = image.manifest.get("mediaType") or (
                MEDIA_TYPE_OCI_MANIFEST if image.kind == "OCIManifest" else ""
            )
            mounts.append((f"{full_name(target)}@{digest}", digest, kind_type, data))
        client = self.manifest_registry_client(opts.insecure)
        repo = None
        for source, digest, os_name in blobs:
            repo = repo or client.push_repository(target.domain, target.path)
            try:
                mounted = repo.mount_blob(source, digest)
            except RegistryError as exc:
                raise exc.wrap(f"failed to mount blob {source}@{digest} to {target_text}") from None
            if not mounted and os_name != "windows":
                raise StoreError(f"error mounting {source}@{digest} to {target_text}")
        for shown, digest, kind_type, data in mounts:
            repo = repo or client.push_repository(target.domain, target.path)
            try:
                pushed = repo.put_manifest(digest, kind_type, data)
            except RegistryError as exc:
                raise exc.wrap(f"failed to put manifest {shown}") from None
            self.out(f"Pushed ref {shown} with digest: {pushed}")
            self.stdout.flush()
        repo = repo or client.push_repository(target.domain, target.path)
        body = payload.encode()
        try:
            pushed = repo.put_manifest(target.tag or sha256_digest(body), media_type, body)
        except RegistryError as exc:
            raise exc.wrap(f"failed to put manifest {target_text}") from None
        self.out(pushed)
        if opts.purge:
            store.remove(target_text)

    @command(
        "Delete one or more manifest lists from local storage",
        description=_experimental(
            "Delete one or more manifest lists from local storage", "manifest rm"
        ),
        args=[Arg("MANIFEST_LIST", many=True)],
    )
    def cmd_manifest_rm(self, opts) -> int:  # noqa: ANN001
        store = self.manifest_store()
        errors = []
        for text in opts.args:
            try:
                target = normalize_reference(text)
                store.get_list(_ref_text(target))
                store.remove(_ref_text(target))
            except EngineError as exc:
                errors.append(str(exc))
        for line in errors:
            self.err(line)
        return 1 if errors else 0
