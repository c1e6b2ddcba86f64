"""Login, logout and search: talking to registries.

Passwords stay inside this module and ``dshell.engine.auth``: they are sent to the daemon
(``POST /auth``) and to the credential store, never printed.
"""

from __future__ import annotations

from dshell.commands.base import CommandBase, filters_param
from dshell.commands.declare import Arg, Flag, command
from dshell.engine.errors import EngineError

PASSWORD_FLAG_WARNING = "WARNING! Using --password via the CLI is insecure. Use --password-stdin."
UNENCRYPTED_WARNING = (
    "\nWARNING! Your credentials are stored unencrypted in '{path}'.\n"
    "Configure a credential helper to remove this warning. See\n"
    "https://docs.docker.com/go/credential-store/\n"
)
EXISTING_CREDENTIALS = "Authenticating with existing credentials... [Username: {user}]"
OTHER_ACCOUNT_HINT = (
    "\n Info -> To login with a different account, run 'docker logout' followed by "
    "'docker login'\n\n"
)
NON_TTY_LOGIN = "Error: Cannot perform an interactive login from a non TTY device"
SEARCH_TABLE_FORMAT = "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}"
SEARCH_HEADER = {
    "Name": "NAME",
    "Description": "DESCRIPTION",
    "StarCount": "STARS",
    "IsOfficial": "OFFICIAL",
    "IsAutomated": "AUTOMATED",
}


class LoginFailed(EngineError):
    """A login that cannot go on; ``str()`` is the line docker prints."""


class RegistryCommands(CommandBase):
    @command(
        "Authenticate to a registry",
        description="Authenticate to a registry.\nDefaults to Docker Hub if no server is "
        "specified.",
        usage="[OPTIONS] [SERVER]",
        group="Common Commands",
        args=[Arg("SERVER", kind="host", optional=True)],
        flags=[
            Flag("password", "Password or Personal Access Token (PAT)", short="p",
                 type="string"),
            Flag("password-stdin", "Take the Password or Personal Access Token (PAT) from "
                 "stdin"),
            Flag("username", "Username", short="u", type="string"),
        ],
    )  # fmt: skip
    def cmd_login(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.auth import AuthConfig, CredentialStore, login_server_key

        password = opts.password or ""
        if password and opts.password_stdin:
            self.err("conflicting options: cannot specify both --password and --password-stdin")
            return 1
        if opts.password_stdin and not opts.username:
            self.err("the --password-stdin option requires --username to be set")
            return 1
        if password:
            self.err(PASSWORD_FLAG_WARNING)
        if opts.password_stdin:
            password = self._read_password_stdin()
        server = login_server_key(opts.args[0] if opts.args else None)
        store = CredentialStore(self.config)
        username = opts.username or ""
        stored = AuthConfig(server_address=server)
        if not username and not password:
            stored = store.get(server)
            stored.server_address, stored.identity_token = server, ""
        if stored.username and stored.password:
            self.err(EXISTING_CREDENTIALS.format(user=stored.username))
            self.err(OTHER_ACCOUNT_HINT)
            try:
                status = self._login(stored)
            except EngineError as exc:
                unauthorized = getattr(exc, "status", None) == 401
                self.err("Stored credentials invalid or expired" if unauthorized
                         else f"Login did not succeed, error: {exc}")  # fmt: skip
            else:
                store.store(stored)
                self.out(status)
                return 0
        try:
            auth = self._ask_credentials(server, username, password, stored.username)
        except LoginFailed as exc:
            self.err(str(exc))
            return 1
        status = self._login(auth)
        store.store(auth)
        if store.uses_file(server) and auth.password:
            self.err(UNENCRYPTED_WARNING.format(path=store.config.path))
        if status:
            self.out(status)
        return 0

    def _login(self, auth) -> str:  # noqa: ANN001
        """``POST /auth``; keeps an identity token in place of the password when given one."""
        answer = self.client.post_json("/auth", body=auth.api_json()) or {}
        if answer.get("IdentityToken"):
            auth.password = ""
            auth.identity_token = answer["IdentityToken"]
        return str(answer.get("Status") or "")

    def _read_password_stdin(self) -> str:
        data = self.stdin.handle.read()
        if data.endswith("\n"):
            data = data[:-1]
        if data.endswith("\r"):
            data = data[:-1]
        return data

    def _ask_credentials(self, server: str, username: str, password: str, default_user: str):  # noqa: ANN202
        """docker's ``PromptUserForCredentials``: asks on a terminal, refuses elsewhere."""
        from dshell.engine.auth import AuthConfig

        if not (username and password) and not self.stdin.is_terminal:
            raise LoginFailed(NON_TTY_LOGIN)
        if not username:
            prompt = f"Username ({default_user}): " if default_user else "Username: "
            self.stdout.write(prompt)
            self.stdout.flush()
            username = self.stdin.handle.readline().strip() or default_user
        if not username:
            raise LoginFailed("Error: Non-null Username Required")
        if not password:
            self.stdout.flush()
            import getpass  # and termios: only when a password is typed

            password = getpass.getpass("Password: ")
            if not password:
                raise LoginFailed("Error: Password Required")
        return AuthConfig(server_address=server, username=username, password=password)

    @command(
        "Log out from a registry",
        description="Log out from a registry.\nIf no server is specified, the default is defined "
        "by the daemon.",
        usage="[SERVER]",
        group="Common Commands",
        args=[Arg("SERVER", kind="host", optional=True)],
    )
    def cmd_logout(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.auth import INDEX_SERVER, CredentialStore, convert_to_hostname

        server = opts.args[0] if opts.args else ""
        if not server:
            targets, shown = [INDEX_SERVER], INDEX_SERVER
        else:
            shown = convert_to_hostname(server)
            targets = [server, shown, f"http://{shown}", f"https://{shown}"]
        self.out(f"Removing login credentials for {shown}")
        store = CredentialStore(self.config)
        errors: dict[str, str] = {}
        for target in targets:
            try:
                store.erase(target)
            except EngineError as exc:
                errors[target] = str(exc)
        if len(errors) == len(targets):
            self.err("WARNING: could not erase credentials:")
            for target, message in errors.items():
                self.err(f"{target}: {message}")
        return 0

    @command(
        "Search Docker Hub for images",
        usage="[OPTIONS] TERM",
        args=[Arg("TERM")],
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:search"),
            Flag("format", "Pretty-print search using a Go template", type="string",
                 kind="format:search"),
            Flag("limit", "Max number of search results", type="int", default=0),
            Flag("no-trunc", "Don't truncate output"),
        ],
    )  # fmt: skip
    def cmd_search(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.auth import auth_header_for_domain
        from dshell.render.formatter import render_list

        term = opts.args[0]
        domain = term.split("/", 1)[0] if "/" in term and _looks_like_host(term) else "docker.io"
        params = {
            "term": term,
            "limit": opts.limit or None,
            "filters": filters_param(opts.filter),
        }
        headers = {"X-Registry-Auth": auth_header_for_domain(self.config, domain)}
        results = self.client.request("GET", "/images/search", params=params,
                                      headers=headers).json()  # fmt: skip
        fmt = opts.format or SEARCH_TABLE_FORMAT
        contexts = [_SearchResult(item, trunc=not opts.no_trunc) for item in results or []]
        self.stdout.write(render_list(fmt, contexts, SEARCH_HEADER))
        return 0


def _looks_like_host(term: str) -> bool:
    head = term.split("/", 1)[0]
    return "." in head or ":" in head or head == "localhost"


class _SearchResult:
    """One ``docker search`` row; methods are the ``--format`` fields."""

    go_type_name = "*formatter.searchContext"

    def __init__(self, item: dict, trunc: bool) -> None:
        self._item = item
        self._trunc = trunc

    def Name(self) -> str:
        return str(self._item.get("name") or "")

    def Description(self) -> str:
        from dshell.render.formatter import ellipsis

        text = str(self._item.get("description") or "").replace("\n", " ").replace("\r", " ")
        return ellipsis(text, 45) if self._trunc else text

    def StarCount(self) -> str:
        return str(self._item.get("star_count") or 0)

    def IsOfficial(self) -> str:
        return "[OK]" if self._item.get("is_official") else ""

    def IsAutomated(self) -> str:
        return "[OK]" if self._item.get("is_automated") else ""
