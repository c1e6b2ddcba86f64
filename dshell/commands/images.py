"""Image commands (``image …`` and their top-level shortcuts)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from dshell.commands.base import CommandBase, filters_param, management
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.engine.errors import EngineError
from dshell.engine.urls import quote, urlencode

if TYPE_CHECKING:
    from dshell.render.images import Reference
    from dshell.streams import Stream

PLATFORM_HELP = 'Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")'
CHUNK_SIZE = 1 << 17  # as engine.streams.BLOCK_SIZE, for the same reason
LOAD_FROM_TERMINAL = "requested load from stdin, but stdin is empty"
PRUNE_DANGLING_WARNING = "WARNING! This will remove all dangling images."
PRUNE_ALL_WARNING = (
    "WARNING! This will remove all images without at least one container associated to them."
)


class ImageCommands(CommandBase):
    cmd_image = management("image", "Manage images")

    @command(
        "List images",
        aliases=["image list", "images"],
        group="Common Commands",
        usage="[OPTIONS] [REPOSITORY[:TAG]]",
        args=[Arg("REPOSITORY[:TAG]", kind="image", optional=True)],
        flags=[
            Flag("all", "Show all images (default hides intermediate images)", short="a"),
            Flag("digests", "Show digests"),
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:image"),
            Flag("format", FORMAT_HELP, type="string", kind="format:image"),
            Flag("no-trunc", "Don't truncate output"),
            Flag("quiet", "Only show image IDs", short="q"),
            Flag("tree", "List multi-platform images as a tree (EXPERIMENTAL)",
                 min_api="1.47"),
        ],
    )  # fmt: skip
    def cmd_image_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.images import image_format, render_images

        if opts.tree:
            return self._image_tree(opts)

        fmt = image_format(opts.format, self.config.images_format, opts.quiet, opts.digests)
        filters = list(opts.filter)
        if opts.args:
            filters.append(f"reference={opts.args[0]}")
        params = {"all": opts.all, "filters": filters_param(filters)}
        images = self.client.get_json("/images/json", params)
        self.stdout.write(render_images(images, fmt, trunc=not opts.no_trunc, digests=opts.digests))
        return 0

    def _image_tree(self, opts) -> int:  # noqa: ANN001
        """``images --tree`` (API 1.47+, so never on this project's 1.41 engine): docker's
        conflicts, then the listing with manifests drawn as docker draws it."""
        from dshell.render.image_tree import render_tree

        conflicts = ((opts.quiet, "--quiet"), (opts.no_trunc, "--no-trunc"),
                     (opts.digests, "--show-digest"), (opts.format, "--format"))  # fmt: skip
        for given, name in conflicts:
            if given:
                self.err(f"{name} is not yet supported with --tree")
                return 1
        filters = [*opts.filter, *(f"reference={arg}" for arg in opts.args)]
        params = {"all": opts.all, "manifests": True, "filters": filters_param(filters)}
        images = self.client.get_json("/images/json", params)
        width, terminal = 0, self.stdout.is_terminal
        if terminal:  # docker's GetTtySize of its standard output
            try:
                width = os.get_terminal_size(self.stdout.fd).columns
            except OSError:
                width = 0
        self.stdout.write(render_tree(images or [], opts.all, width, terminal))
        return 0

    @command(
        "Display detailed information on one or more images",
        flags=[
            INSPECT_FORMAT_FLAG,
            Flag("platform", "Inspect a specific platform of the multi-platform image.\n"
                 "If the image or the server is not multi-platform capable, the command will "
                 "error out if the platform does not match.\n'os[/arch[/variant]]': Explicit "
                 "platform (eg. linux/amd64)", type="string", min_api="1.49"),
        ],
        args=[Arg("IMAGE", kind="image", many=True)],
    )  # fmt: skip
    def cmd_image_inspect(self, opts) -> int:  # noqa: ANN001
        if opts.platform:
            from dshell.commands.platforms import parse_platform, platform_json

            try:
                platform = platform_json(parse_platform(opts.platform))
            except ValueError as exc:
                self.err(str(exc))
                return 1

            def get(name: str) -> bytes:
                path = f"/images/{quote(name, safe='')}/json"
                return self.client.get_raw(path, {"platform": platform})

            return self.print_inspect(opts.args, opts.format, get, "image")
        return self.print_inspect(opts.args, opts.format, self.raw_getter("image"), "image")

    # -- pull / push ------------------------------------------------------------------------
    @command(
        "Download an image from a registry",
        aliases=["pull"],
        group="Common Commands",
        usage="[OPTIONS] NAME[:TAG|@DIGEST]",
        args=[Arg("NAME[:TAG|@DIGEST]", kind="image")],
        flags=[
            Flag("all-tags", "Download all tagged images in the repository", short="a"),
            Flag("disable-content-trust", "Skip image verification", default=True),
            Flag("platform", "Set platform if server is multi-platform capable",
                 type="string"),
            Flag("quiet", "Suppress verbose output", short="q"),
        ],
    )  # fmt: skip
    def cmd_image_pull(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.references import full_string

        ref = self._transfer_reference(opts)
        if ref is None:
            return 1
        if not ref.digest and self.content_trust_wanted(opts):  # trust.py: via notary
            self.trusted_pull(ref, all_tags=opts.all_tags, platform=opts.platform,
                              quiet=opts.quiet)  # fmt: skip
        else:
            self._pull_reference(ref, all_tags=opts.all_tags, platform=opts.platform,
                                 quiet=opts.quiet, out=self.stdout)  # fmt: skip
        self.out(full_string(ref))
        return 0

    def _transfer_reference(self, opts) -> Reference | None:  # noqa: ANN001
        """pull/push's NAME: no tag with ``--all-tags`` (None, the error printed), else
        ``latest`` when it names none (said on stdout unless ``--quiet``)."""
        from dshell.engine.references import parse_reference, with_default_tag

        ref = parse_reference(opts.args[0])
        if opts.all_tags and (ref.tag or ref.digest):
            self.err("tag can't be used with --all-tags/-a")
            return None
        if not opts.all_tags and not (ref.tag or ref.digest):
            ref = with_default_tag(ref)
            if not opts.quiet:
                self.out(f"Using default tag: {ref.tag}")
        return ref

    def pull_image(
        self,
        reference: str,
        *,
        platform: str | None = None,
        quiet: bool = False,
        out: Stream | None = None,
    ) -> None:
        """Pull ``reference`` (``latest`` when it names no tag) showing docker's progress on
        ``out`` (stdout by default; redrawn in place when it is a terminal). Used by ``run``
        and ``create`` after a 404. Raises ``EngineError`` on failure."""
        from dshell.engine.references import parse_reference, with_default_tag

        ref = with_default_tag(parse_reference(reference))
        self._pull_reference(ref, all_tags=False, platform=platform, quiet=quiet,
                             out=out or self.stdout)  # fmt: skip

    def _pull_reference(
        self, ref: Reference, *, all_tags: bool, platform: str | None, quiet: bool, out: Stream
    ) -> None:
        from dshell.engine.auth import auth_header_for_domain
        from dshell.engine.references import full_name

        params = {"fromImage": full_name(ref), "platform": platform or None}
        if not all_tags:
            params["tag"] = ref.digest or ref.tag
        headers = {"X-Registry-Auth": auth_header_for_domain(self.config, ref.domain)}
        response = self.client.request(
            "POST", "/images/create", params=params, headers=headers, stream=True
        )
        self.show_progress(response, None if quiet else out)

    @command(
        "Upload an image to a registry",
        aliases=["push"],
        group="Common Commands",
        usage="[OPTIONS] NAME[:TAG]",
        args=[Arg("NAME[:TAG]", kind="image-tagged")],
        flags=[
            Flag("all-tags", "Push all tags of an image to the repository", short="a"),
            Flag("disable-content-trust", "Skip image signing", default=True),
            Flag("platform", "Push a platform-specific manifest as a single-platform image "
                 "to the registry.\nImage index won't be pushed, meaning that other manifests, "
                 "including attestations won't be preserved.\n'os[/arch[/variant]]': Explicit "
                 "platform (eg. linux/amd64)", type="string", min_api="1.46"),
            Flag("quiet", "Suppress verbose output", short="q"),
        ],
    )  # fmt: skip
    def cmd_image_push(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.auth import auth_header_for_domain
        from dshell.engine.references import full_string

        ref = self._transfer_reference(opts)
        if ref is None:
            return 1
        params = {"tag": None if opts.all_tags else ref.tag, "platform": opts.platform}
        headers = {"X-Registry-Auth": auth_header_for_domain(self.config, ref.domain)}
        path = f"/images/{quote(ref.familiar_name, safe='/:')}/push"
        response = self.client.request("POST", path, params=params, headers=headers, stream=True)
        if self.content_trust_wanted(opts):  # trust.py: sign what was pushed
            pushed: list[dict] = []
            self.show_progress(response, self.stdout, aux=pushed.append)
            if not ref.tag:
                self.err("No tag specified, skipping trust metadata push")
                return 0
            return self.sign_pushed(ref, pushed)
        self.show_progress(response, None if opts.quiet else self.stdout)
        if opts.quiet:
            self.out(full_string(ref))
        return 0

    def show_progress(self, response, out: Stream | None, aux=None) -> None:  # noqa: ANN001
        """Display a JSON progress answer on ``out`` (``None`` reads it silently); an error
        object raises ``StreamError`` with the daemon's message."""
        from dshell.engine.streams import iter_json_objects
        from dshell.render.progress import display_json_messages, terminal_width

        messages = iter_json_objects(response.iter_content(chunk_size=None))
        if out is None:
            with response:
                display_json_messages(messages, _Discard(), is_terminal=False, aux=aux)
            return
        fd = out.fd
        try:
            display_json_messages(
                messages, out, is_terminal=out.is_terminal, width=lambda: terminal_width(fd),
                aux=aux, flush=out.flush,
            )  # fmt: skip
        finally:
            out.flush()
            response.close()

    # -- tag / rm ---------------------------------------------------------------------------
    @command(
        "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
        aliases=["tag"],
        usage="SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
        args=[Arg("SOURCE_IMAGE[:TAG]", kind="image"), Arg("TARGET_IMAGE[:TAG]", kind="image")],
    )
    def cmd_image_tag(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.references import InvalidReference, parse_reference, with_default_tag

        source, target = opts.args
        checked = [target] if _is_image_id(source) else [source, target]
        for text in checked:
            try:
                ref = parse_reference(text)
            except InvalidReference as exc:
                from dshell.render.formatter import go_quote

                self.err(f"Error parsing reference: {go_quote(text)} is not a valid "
                         f"repository/tag: {exc}")  # fmt: skip
                return 1
        if ref.digest:
            self.err("refusing to create a tag with a digest reference")
            return 1
        ref = with_default_tag(ref)
        params = {"repo": ref.familiar_name, "tag": ref.tag}
        self.client.request("POST", f"/images/{quote(source, safe='')}/tag", params=params)
        return 0

    @command(
        "Remove one or more images",
        aliases=["image remove", "rmi"],
        usage="[OPTIONS] IMAGE [IMAGE...]",
        args=[Arg("IMAGE", kind="image", many=True)],
        flags=[
            Flag("force", "Force removal of the image", short="f"),
            Flag("no-prune", "Do not delete untagged parents"),
            Flag("platform", 'Remove only the given platform variant. Formatted as '
                 '"os[/arch[/variant]]" (e.g., "linux/amd64")', type="stringSlice",
                 min_api="1.50"),
        ],
    )  # fmt: skip
    def cmd_image_rm(self, opts) -> int:  # noqa: ANN001
        from urllib.parse import urlencode

        from dshell.commands.platforms import parse_platform, platform_json

        try:
            platforms = [platform_json(parse_platform(value))
                         for given in opts.platform if given for value in given.split(",")]
        except ValueError as exc:
            self.err(str(exc))
            return 1
        query = f"?{urlencode([('platforms', p) for p in platforms])}" if platforms else ""
        status = 0
        params = {"force": opts.force, "noprune": opts.no_prune}
        for name in opts.args:
            try:
                deleted = self.client.request(
                    "DELETE", f"/images/{quote(name, safe='')}{query}", params=params
                ).json()
            except EngineError as exc:
                self.err(str(exc))
                status = 1
                continue
            for item in deleted or []:
                if item.get("Untagged"):
                    self.out(f"Untagged: {item['Untagged']}")
                if item.get("Deleted"):
                    self.out(f"Deleted: {item['Deleted']}")
        return status

    # -- history ----------------------------------------------------------------------------
    @command(
        "Show the history of an image",
        aliases=["history"],
        args=[Arg("IMAGE", kind="image")],
        flags=[
            Flag("format", FORMAT_HELP, type="string", kind="format:history"),
            Flag("human", "Print sizes and dates in human readable format", short="H",
                 default=True),
            Flag("no-trunc", "Don't truncate output"),
            Flag("platform", "Show history for the given platform. " + PLATFORM_HELP,
                 type="string", min_api="1.48"),
            Flag("quiet", "Only show image IDs", short="q"),
        ],
    )  # fmt: skip
    def cmd_image_history(self, opts) -> int:  # noqa: ANN001
        from dshell.render.history import history_format, render_history

        name = opts.args[0]
        layers = self.client.get_json(f"/images/{quote(name, safe='')}/history")
        fmt = history_format(opts.format, opts.quiet, opts.human)
        self.stdout.write(
            render_history(layers or [], fmt, human=opts.human, trunc=not opts.no_trunc)
        )
        return 0

    # -- save / load / import ---------------------------------------------------------------
    @command(
        "Save one or more images to a tar archive (streamed to STDOUT by default)",
        aliases=["save"],
        args=[Arg("IMAGE", kind="image", many=True)],
        flags=[
            Flag("output", "Write to a file, instead of STDOUT", short="o", type="string",
                 kind="path"),
            Flag("platform", "Save only the given platform variant. " + PLATFORM_HELP,
                 type="string", min_api="1.48"),
        ],
    )  # fmt: skip
    def cmd_image_save(self, opts) -> int:  # noqa: ANN001
        from dshell.commands.output_files import SAVE_TO_TERMINAL, write_output

        if not opts.output and self.stdout.is_terminal:
            self.err(SAVE_TO_TERMINAL)
            return 1
        query = urlencode([("names", name) for name in opts.args])
        if opts.output:
            return write_output(self.err, opts.output, "failed to save image",
                                lambda: self.client.request("GET", f"/images/get?{query}",
                                                            stream=True))  # fmt: skip
        from dshell.commands.output_files import copy_body

        response = self.client.request("GET", f"/images/get?{query}", stream=True)
        copy_body(response, self.stdout)
        return 0

    @command(
        "Load an image from a tar archive or STDIN",
        aliases=["load"],
        flags=[
            Flag("input", "Read from tar archive file, instead of STDIN", short="i",
                 type="string", kind="path"),
            Flag("platform", "Load only the given platform variant. " + PLATFORM_HELP,
                 type="string", min_api="1.48"),
            Flag("quiet", "Suppress the load output", short="q"),
        ],
    )  # fmt: skip
    def cmd_image_load(self, opts) -> int:  # noqa: ANN001
        if opts.input:
            try:
                source: IO[bytes] = open(opts.input, "rb")  # noqa: SIM115
            except OSError as exc:
                self.err(f"open {opts.input}: {_os_reason(exc)}")
                return 1
        else:
            if self.stdin.is_terminal:
                self.err(LOAD_FROM_TERMINAL)
                return 1
            source = self._stdin_bytes()
        quiet = opts.quiet or not self.stdout.is_terminal
        try:
            response = self.client.request(
                "POST", "/images/load", params={"quiet": quiet, "platform": opts.platform},
                data=_chunks(source), headers={"Content-Type": "application/x-tar"},
                stream=True,
            )  # fmt: skip
        finally:
            if opts.input:
                source.close()
        if "json" in response.headers.get("Content-Type", ""):
            self.show_progress(response, self.stdout)
        else:
            self.stdout.flush()
            for chunk in response.iter_content(chunk_size=None):
                self.stdout.write(chunk.decode(errors="replace"))
        return 0

    @command(
        "Import the contents from a tarball to create a filesystem image",
        aliases=["import"],
        usage="[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
        args_rule="RequiresMinArgs(1)",
        args=[Arg("file|URL|-", kind="path"), Arg("REPOSITORY[:TAG]", kind="image",
                                                   optional=True)],
        flags=[
            Flag("change", "Apply Dockerfile instruction to the created image", short="c",
                 type="list"),
            Flag("message", "Set commit message for imported image", short="m", type="string"),
            Flag("platform", "Set platform if server is multi-platform capable", type="string"),
        ],
    )  # fmt: skip
    def cmd_image_import(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.references import parse_reference

        source = opts.args[0]
        repository = opts.args[1] if len(opts.args) > 1 else ""
        if repository:
            parse_reference(repository)
        body = None
        handle: IO[bytes] | None = None
        if source == "-":
            body = _chunks(self._stdin_bytes())
            from_src = "-"
        elif source.startswith(("http://", "https://")):
            from_src = source
        else:
            try:
                handle = open(source, "rb")  # noqa: SIM115
            except OSError as exc:
                self.err(f"open {source}: {_os_reason(exc)}")
                return 1
            body = _chunks(handle)
            from_src = "-"
        pairs = [("fromSrc", from_src), ("repo", repository), ("tag", ""),
                 ("message", opts.message or "")]  # fmt: skip
        if opts.platform:
            pairs.append(("platform", opts.platform))
        pairs += [("changes", change) for change in opts.change]
        try:
            response = self.client.request(
                "POST", f"/images/create?{urlencode(pairs)}", data=body, stream=True,
                headers={"Content-Type": "application/x-tar"} if body is not None else None,
            )  # fmt: skip
        finally:
            if handle is not None:
                handle.close()
        self.show_progress(response, self.stdout)
        return 0

    def _stdin_bytes(self) -> IO[bytes]:
        import sys

        buffer = getattr(self.stdin.handle, "buffer", None)
        return buffer if buffer is not None else sys.stdin.buffer

    # -- prune ------------------------------------------------------------------------------
    @command(
        "Remove unused images",
        flags=[
            Flag("all", "Remove all unused images, not just dangling ones", short="a"),
            Flag("filter", 'Provide filter values (e.g. "until=<timestamp>")', type="filter",
                 kind="filter:image-prune"),
            Flag("force", "Do not prompt for confirmation", short="f"),
        ],
    )  # fmt: skip
    def cmd_image_prune(self, opts) -> int:  # noqa: ANN001
        from dshell.commands.pruning import confirm, prune_filters
        from dshell.render.units import human_size

        warning = PRUNE_ALL_WARNING if opts.all else PRUNE_DANGLING_WARNING
        question = f"{warning}\nAre you sure you want to continue?"
        if not opts.force and not confirm(self.stdin, self.stdout, question):
            return 0
        filters = [*opts.filter, f"dangling={'false' if opts.all else 'true'}"]
        filters = prune_filters(filters, self.config.get("pruneFilters"))
        report = self.client.post_json("/images/prune", {"filters": filters_param(filters)})
        report = report or {}
        lines = []
        for item in report.get("ImagesDeleted") or []:
            if item.get("Untagged"):
                lines.append(f"untagged: {item['Untagged']}")
            else:
                lines.append(f"deleted: {item.get('Deleted', '')}")
        if lines:
            self.out("Deleted Images:\n" + "\n".join(lines) + "\n")
        self.out(f"Total reclaimed space: {human_size(report.get('SpaceReclaimed') or 0)}")
        return 0


class _Discard:
    def write(self, text: str) -> None:
        pass


def _chunks(source: IO[bytes]) -> Iterator[bytes]:
    """A body requests sends chunked, read as it goes (never the whole file in memory)."""
    while True:
        chunk = source.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def _is_image_id(text: str) -> bool:
    bare = text[7:] if text.startswith("sha256:") else text
    return 0 < len(bare) <= 64 and all(ch in "0123456789abcdef" for ch in bare)


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
