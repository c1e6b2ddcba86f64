"""A Registry v2 client for ``manifest``: what docker/cli's cli/registry/client does.

The CLI talks to registries itself for ``docker manifest`` (the daemon has no endpoint for
manifest lists): ping ``/v2/`` for the auth challenge, authorize with a bearer token or basic
credentials from config.json, GET manifests with the four manifest ``Accept`` types, fetch
image configs for their platform, PUT manifests and mount blobs across repositories.

Endpoints are chosen as docker's registry service chooses them: https first, then plain http
for a registry that is insecure (127.0.0.0/8 is insecure by default, ``--insecure`` adds the
registry's domain). Every error's ``str()`` is docker's text. Nothing here prints.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import os
import re
import socket
from collections.abc import Callable
from urllib.parse import urlencode, urljoin, urlsplit

from dshell.engine.errors import EngineError
from dshell.records import dataclass, field

__all__ = [
    "LIST_TYPES",
    "MEDIA_TYPE_LIST",
    "MEDIA_TYPE_OCI_INDEX",
    "MEDIA_TYPE_OCI_MANIFEST",
    "MEDIA_TYPE_SCHEMA2",
    "ImageManifest",
    "ManifestNotFound",
    "RegistryClient",
    "RegistryError",
]

MEDIA_TYPE_SCHEMA2 = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_TYPE_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
LIST_TYPES = (MEDIA_TYPE_LIST, MEDIA_TYPE_OCI_INDEX)
ACCEPTED = (MEDIA_TYPE_SCHEMA2, MEDIA_TYPE_LIST, MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_INDEX)
HUB_DOMAIN = "docker.io"
HUB_REGISTRY = "registry-1.docker.io"
CERTS_DIR = "/etc/docker/certs.d"
TIMEOUT = 30
USER_AGENT = "dshell"
#: errcode codes distribution's client knows (others parse as UNKNOWN), with their messages.
_CODES = {
    "UNKNOWN": "unknown error", "UNSUPPORTED": "The operation is unsupported.",
    "UNAUTHORIZED": "authentication required",
    "DENIED": "requested access to the resource is denied",
    "UNAVAILABLE": "service unavailable", "TOOMANYREQUESTS": "too many requests",
    "DIGEST_INVALID": "provided digest did not match uploaded content",
    "SIZE_INVALID": "provided length did not match content length",
    "NAME_INVALID": "invalid repository name", "TAG_INVALID": "manifest tag did not match URI",
    "NAME_UNKNOWN": "repository name not known to registry",
    "MANIFEST_UNKNOWN": "manifest unknown", "MANIFEST_INVALID": "manifest invalid",
    "MANIFEST_UNVERIFIED": "manifest failed signature verification",
    "MANIFEST_BLOB_UNKNOWN": "blob unknown to registry", "BLOB_UNKNOWN": "blob unknown to registry",
    "BLOB_UPLOAD_UNKNOWN": "blob upload unknown to registry",
    "BLOB_UPLOAD_INVALID": "blob upload invalid", "PAGINATION_NUMBER_INVALID":
    "invalid number of results requested",
    "RANGE_INVALID": "invalid content range",
}  # fmt: skip
#: The codes on which docker tries the next endpoint (fetcher.go's continueOnError).
_CONTINUE_CODES = {"UNAUTHORIZED", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"}


class RegistryError(EngineError):
    """A registry operation failed; ``str()`` is docker's message. ``codes``: the errcode
    values of a registry error body; ``unexpected``: a body docker could not parse."""

    def __init__(self, message: str, codes: tuple[str, ...] = (), unexpected: bool = False,
                 status: int | None = None) -> None:  # fmt: skip
        super().__init__(message, status)
        self.codes = codes
        self.unexpected = unexpected

    def wrap(self, prefix: str) -> RegistryError:
        """errors.Wrap: the same error with ``prefix: `` in front of its message."""
        return RegistryError(f"{prefix}: {self.message}", self.codes, self.unexpected,
                             self.status)  # fmt: skip


class ManifestNotFound(RegistryError):
    """No endpoint had the manifest (``no such manifest: REF``)."""


class _HTTPProtoError(RegistryError):
    """An https endpoint answered in plain HTTP (docker's httpProtoError)."""


@dataclass
class ImageManifest:
    """docker's ``types.ImageManifest``: the reference it was read as, its descriptor (an
    ordered dict as ocispec.Descriptor marshals), the raw bytes, and the manifest itself."""

    ref: str
    descriptor: dict
    raw: bytes = b""
    #: "SchemaV2Manifest" or "OCIManifest": the field the manifest is kept under.
    kind: str = ""
    #: The manifest's canonical bytes (what Payload() returns) and its parsed form.
    payload: bytes = b""
    manifest: dict = field(default_factory=dict)

    @property
    def platform(self) -> dict | None:
        return self.descriptor.get("platform")

    def blobs(self) -> list[str]:
        """Digests of the config and layers (types.ImageManifest.Blobs)."""
        refs = [self.manifest.get("config") or {}, *(self.manifest.get("layers") or [])]
        return [str(item.get("digest") or "") for item in refs if isinstance(item, dict)]


def platform_record(source: dict | None) -> dict:
    """An ocispec.Platform as Go marshals it: architecture and os always, then the rest
    when set. ``source`` is read as json.Unmarshal reads it (keys case-insensitively)."""
    folded = {str(key).lower(): value for key, value in (source or {}).items()}

    def get(key: str) -> object:
        value = (source or {}).get(key)
        return folded.get(key) if value is None else value

    record: dict = {"architecture": str(get("architecture") or ""), "os": str(get("os") or "")}
    if get("os.version"):
        record["os.version"] = str(get("os.version"))
    features = get("os.features")
    if isinstance(features, list) and features:
        record["os.features"] = [str(item) for item in features]
    if get("variant"):
        record["variant"] = str(get("variant"))
    return record


def descriptor_record(source: dict) -> dict:
    """An ocispec.Descriptor as Go marshals it (field order, omitempty)."""
    record: dict = {
        "mediaType": str(source.get("mediaType") or ""),
        "digest": str(source.get("digest") or ""),
        "size": int(source.get("size") or 0),
    }
    for key in ("urls", "annotations", "data"):
        if source.get(key):
            record[key] = source[key]
    if isinstance(source.get("platform"), dict):
        record["platform"] = platform_record(source["platform"])
    if source.get("artifactType"):
        record["artifactType"] = source["artifactType"]
    return record


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- which endpoints ----------------------------------------------------------------------


def _host_of(domain: str) -> str:
    if domain.startswith("["):
        return domain[1:].split("]", 1)[0]
    return domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain


def is_secure_index(domain: str, insecure_registries: tuple[str, ...] = ()) -> bool:
    """moby's isSecureIndex with docker's defaults: Docker Hub is secure; a registry named
    insecure, or whose address (resolved) lies in 127.0.0.0/8, is not."""
    if domain == HUB_DOMAIN:
        return True
    if domain in insecure_registries:
        return False
    loopback = ipaddress.ip_network("127.0.0.0/8")
    host = _host_of(domain)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except (OSError, UnicodeError):
            return True
        addresses = []
        for info in infos:
            try:
                addresses.append(ipaddress.ip_address(info[4][0].split("%", 1)[0]))
            except ValueError:
                continue
    return not any(address.version == 4 and address in loopback for address in addresses)


@dataclass
class _Endpoint:
    scheme: str
    host: str
    #: The endpoint's TLSConfig.InsecureSkipVerify: set for a registry that is not secure
    #: (its https endpoint is tried without verification, then plain http), and by
    #: ``--insecure``.
    skip_verify: bool = False

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"


def _registry_host(domain: str) -> str:
    return HUB_REGISTRY if domain == HUB_DOMAIN else domain


def pull_endpoints(domain: str, insecure: bool) -> list[_Endpoint]:
    """LookupPullEndpoints: https, then http when the registry is insecure."""
    host = _registry_host(domain)
    insecure_index = not is_secure_index(domain, (domain,) if insecure else ())
    endpoints = [_Endpoint("https", host, insecure_index)]
    if insecure_index:
        endpoints.append(_Endpoint("http", host, insecure_index))
    return endpoints


def push_endpoint(domain: str, insecure: bool) -> _Endpoint:
    """getDefaultEndpoint: the http endpoint for a registry insecure by default (loopback),
    https otherwise; ``--insecure`` does not change the choice, only TLS verification."""
    insecure_index = not is_secure_index(domain)
    scheme = "http" if insecure_index else "https"
    return _Endpoint(scheme, _registry_host(domain), insecure_index or insecure)


# --- Go's words for transport failures ----------------------------------------------------


def _go_transport_error(method: str, url: str, exc: Exception) -> str:
    """What Go's http.Client says for a request that got no answer (url.Error's text)."""
    text = f"{exc!r} {exc}"
    host = url.split("://", 1)[-1].split("/", 1)[0]
    if ":" not in host.rsplit("]", 1)[-1]:
        host += ":443" if url.startswith("https") else ":80"
    verb = method[0] + method[1:].lower()
    if (
        "WRONG_VERSION_NUMBER" in text
        or "record layer failure" in text
        or "http request" in text.lower()
    ):
        reason = "http: server gave HTTP response to HTTPS client"
    elif "CERTIFICATE_VERIFY_FAILED" in text:
        detail = "certificate signed by unknown authority"
        if "Hostname mismatch" in text or "IP address mismatch" in text:
            detail = f"certificate is not valid for {_host_of(host)}"
        elif "expired" in text:
            detail = "certificate has expired or is not yet valid"
        reason = f"tls: failed to verify certificate: x509: {detail}"
    elif "Connection refused" in text:
        reason = f"dial tcp {host}: connect: connection refused"
    elif (
        "Name or service not known" in text
        or "No address associated" in text
        or "Temporary failure in name resolution" in text
        or "nodename nor servname" in text
    ):
        reason = f"dial tcp: lookup {_host_of(host)}{_resolver()}: no such host"
    elif isinstance(exc, TimeoutError) or "timed out" in text:
        reason = f"dial tcp {host}: i/o timeout"
    elif "Network is unreachable" in text:
        reason = f"dial tcp {host}: connect: network is unreachable"
    elif "Connection reset" in text:
        reason = f"read tcp {host}: read: connection reset by peer"
    else:
        reason = "EOF"
    return f'{verb} "{url}": {reason}'


def _resolver() -> str:
    """`` on NS:53`` as Go's resolver names the first nameserver of /etc/resolv.conf."""
    try:
        with open("/etc/resolv.conf", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == "nameserver":
                    server = fields[1]
                    return f" on [{server}]:53" if ":" in server else f" on {server}:53"
    except OSError:
        pass
    return ""


# --- error bodies ---------------------------------------------------------------------------


def _code_message(code: str) -> str:
    return code.replace("_", " ").lower()


def _errcode_error(code: str, message: str) -> str:
    return f"{_code_message(code)}: {message}"


def _join_errors(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return "errors:\n" + "".join(part + "\n" for part in parts)


def _parse_challenges(header: str) -> list[tuple[str, dict[str, str]]]:
    """WWW-Authenticate: ``Bearer realm="…",service="…"`` → [("bearer", {...})]."""
    found = []
    for match in re.finditer(r'([A-Za-z]+)\s*((?:[A-Za-z_]+="(?:[^"\\]|\\.)*"\s*,?\s*)*)',
                             header or ""):  # fmt: skip
        params = {
            key.lower(): value.replace('\\"', '"')
            for key, value in re.findall(r'([A-Za-z_]+)="((?:[^"\\]|\\.)*)"', match.group(2))
        }
        found.append((match.group(1).lower(), params))
    return found


def handle_error_response(response) -> RegistryError:  # noqa: ANN001
    """distribution's HandleErrorResponse: the error body in docker's words."""
    status = response.status_code
    if not 400 <= status < 500:
        return RegistryError(f"received unexpected HTTP status: {status} {response.reason}",
                             status=status)  # fmt: skip
    first: tuple[str, str] | None = None
    for scheme, params in _parse_challenges(response.headers.get("WWW-Authenticate", "")):
        if scheme == "bearer" and params.get("error") in ("invalid_token", "insufficient_scope"):
            code = "UNAUTHORIZED" if params["error"] == "invalid_token" else "DENIED"
            first = (code, params.get("error_description") or _CODES[code])
            break
    error = _parse_error_body(response)
    if first is not None:
        parts = [_errcode_error(*first)]
        parts += (
            error.message.splitlines()[1:]
            if error.message.startswith("errors:\n")
            else [error.message]
        )
        return RegistryError(_join_errors(parts), (first[0], *error.codes), status=status)
    if error.unexpected and status == 401:
        return RegistryError("unauthorized: authentication required", ("UNAUTHORIZED",),
                             status=status)  # fmt: skip
    return error


def _parse_error_body(response) -> RegistryError:  # noqa: ANN001
    status = response.status_code
    body = response.content.decode(errors="replace")
    content_type = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip()

    def simple(details: str) -> RegistryError:
        code = {401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS"}.get(status, "UNKNOWN")
        return RegistryError(_errcode_error(code, details), (code,), status=status)

    if not response.headers.get("Content-Type") or content_type not in (
        "application/json",
        "application/vnd.api+json",
    ):
        return simple(body)
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        return RegistryError(f"error parsing HTTP {status} response body: {exc}: {body!r}",
                             unexpected=True, status=status)  # fmt: skip
    if isinstance(decoded, dict) and isinstance(decoded.get("details"), str) and decoded["details"]:
        return simple(decoded["details"])
    errors = decoded.get("errors") if isinstance(decoded, dict) else None
    if not errors:
        return RegistryError(
            f"error parsing HTTP {status} response body: no error details found in HTTP "
            f"response body: {json.dumps(body)}",
            unexpected=True,
            status=status,
        )
    codes, parts = [], []
    for item in errors:
        code = str(item.get("code") or "UNKNOWN") if isinstance(item, dict) else "UNKNOWN"
        code = code if code in _CODES else "UNKNOWN"
        message = str(item.get("message") or "") if isinstance(item, dict) else ""
        codes.append(code)
        parts.append(_errcode_error(code, message or _CODES[code]))
    return RegistryError(_join_errors(parts), tuple(codes), status=status)


#: requests sessions by (verification, client certificate), for the life of the process.
_SESSIONS: dict = {}


def _registry_session(verify: bool | str, cert: tuple[str, str] | None):  # noqa: ANN202
    """A requests session whose HTTPS connections all use one SSL context for this setting
    (an unverified one loads no CA at all); nothing read from the environment."""
    key = (verify, cert)
    session = _SESSIONS.get(key)
    if session is None:
        import requests

        session = requests.Session()
        session.trust_env = False
        session.headers.clear()
        session.mount("https://", _context_adapter(_ssl_context(verify, cert), bool(verify)))
        _SESSIONS[key] = session
    return session


def _context_adapter(context, verified: bool):  # noqa: ANN001, ANN202
    """requests' HTTPAdapter with the pools made on ``context`` and requests' own CA
    handling turned off (it would reload the bundle for every connection)."""
    from requests.adapters import HTTPAdapter

    if not verified:
        # docker says nothing when told not to verify; urllib3 would warn on every call.
        import warnings

        from urllib3.exceptions import InsecureRequestWarning

        warnings.simplefilter("ignore", InsecureRequestWarning)

    class ContextAdapter(HTTPAdapter):
        def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):  # noqa: ANN001, ANN201
            kwargs = {"ssl_context": context, "cert_reqs": "CERT_REQUIRED" if verified
                      else "CERT_NONE"}  # fmt: skip
            if proxies and proxies.get("https"):
                manager = self.proxy_manager_for(proxies["https"])
                return manager.connection_from_url(request.url, pool_kwargs=kwargs)
            return self.poolmanager.connection_from_url(request.url, pool_kwargs=kwargs)

        def cert_verify(self, conn, url, verify, cert) -> None:  # noqa: ANN001
            """The pool's SSL context already says how to verify."""

    return ContextAdapter()


def _ssl_context(verify: bool | str, cert: tuple[str, str] | None):  # noqa: ANN202
    """The SSL context for a setting: the system's CAs (or the registry's own bundle), or
    none at all when not verifying; the client certificate when the registry has one."""
    import ssl

    if verify:
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert:
        context.load_cert_chain(*cert)
    return context


class _Response:
    """What a registry answered: status, reason, headers (case-insensitive), body."""

    def __init__(self, status: int, reason: str, headers, content: bytes) -> None:  # noqa: ANN001
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.content = content

    def json(self) -> object:
        return json.loads(self.content)


def _proxy_for(scheme: str, host: str | None) -> tuple[str, int] | None:
    """Go's ProxyFromEnvironment: HTTPS_PROXY/HTTP_PROXY unless NO_PROXY names the host."""
    names = ("HTTPS_PROXY", "https_proxy") if scheme == "https" else ("HTTP_PROXY", "http_proxy")
    proxy = next((os.environ[name] for name in names if os.environ.get(name)), "")
    if not proxy or not host:
        return None
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    for entry in (item.strip() for item in no_proxy.split(",")):
        if entry == "*" or (
            entry and (host == entry.lstrip(".") or host.endswith("." + entry.lstrip(".")))
        ):
            return None
    parsed = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    return parsed.hostname or "", parsed.port or 80


# --- the client ------------------------------------------------------------------------------

AuthResolver = Callable[[str], object]


class Repository:
    """One repository on one endpoint, with the challenges its ping returned and the
    credentials to answer them (docker's transport with its authorizer)."""

    def __init__(self, client: RegistryClient, endpoint: _Endpoint, name: str,
                 actions: tuple[str, ...], verify: bool | str) -> None:  # fmt: skip
        self.client = client
        self.endpoint = endpoint
        self.name = name
        self.actions = actions
        self.verify = verify
        self.challenges: list[tuple[str, dict[str, str]]] = []
        self.auth = None
        self._token: str | None = None

    @property
    def base(self) -> str:
        return self.endpoint.base

    def ping(self) -> None:
        """PingV2Registry: the challenges of ``GET /v2/``."""
        url = f"{self.base}/v2/"
        response = self.client.send("GET", url, verify=self.verify)
        if response.status_code == 401:
            self.challenges = _parse_challenges(response.headers.get("WWW-Authenticate", ""))

    def _authorization(self, url: str) -> dict[str, str]:
        auth = self.auth
        for scheme, params in self.challenges:
            if scheme == "bearer":
                token = getattr(auth, "registry_token", "") or self._bearer(params, url)
                return {"Authorization": f"Bearer {token}"}
            if scheme == "basic":
                username = getattr(auth, "username", "")
                password = getattr(auth, "password", "")
                if not (username and password):
                    raise RegistryError("no basic auth credentials")
                pair = base64.b64encode(f"{username}:{password}".encode()).decode()
                return {"Authorization": f"Basic {pair}"}
        return {}

    def _bearer(self, params: dict[str, str], url: str) -> str:
        """A token from the realm for ``repository:NAME:ACTIONS`` (docker's tokenHandler)."""
        if self._token is not None:
            return self._token
        realm = params.get("realm", "")
        scope = f"repository:{self.name}:{','.join(self.actions)}"
        auth = self.auth
        username = getattr(auth, "username", "")
        password = getattr(auth, "password", "")
        refresh = getattr(auth, "identity_token", "")
        if refresh:
            form = {"grant_type": "refresh_token", "refresh_token": refresh,
                    "service": params.get("service", ""), "client_id": "docker",
                    "scope": scope}  # fmt: skip
            response = self.client.send(
                "POST",
                realm,
                data=urlencode(form),
                verify=self.verify,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        else:
            query = {"scope": scope, "service": params.get("service", "")}
            if username:
                query["account"] = username
            headers = {}
            if username and password:
                pair = base64.b64encode(f"{username}:{password}".encode()).decode()
                headers["Authorization"] = f"Basic {pair}"
            sep = "&" if "?" in realm else "?"
            response = self.client.send(
                "GET",
                realm + sep + urlencode(sorted(query.items())),
                headers=headers,
                verify=self.verify,
            )
        if not 200 <= response.status_code < 300:
            raise handle_error_response(response)  # the token endpoint's own words
        try:
            answer = response.json()
        except ValueError as exc:
            raise RegistryError(f"unable to decode token response: {exc}") from None
        self._token = str(answer.get("token") or answer.get("access_token") or "")
        return self._token

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        url: str | None = None,
    ):  # noqa: ANN201
        url = url or f"{self.base}/v2/{self.name}/{path}"
        try:
            extra = self._authorization(url)
        except RegistryError as exc:
            raise RegistryError(f'{method[0] + method[1:].lower()} "{url}": {exc}') from None
        return self.client.send(method, url, headers={**(headers or {}), **extra}, data=data,
                                verify=self.verify)  # fmt: skip

    # -- manifests ---------------------------------------------------------------------------
    def get_manifest(self, reference: str) -> tuple[str, bytes]:
        """GET a manifest by tag or digest: (its media type, its bytes)."""
        response = self.request(
            "GET", f"manifests/{reference}", headers={"Accept": ", ".join(ACCEPTED)}
        )
        if not 200 <= response.status_code < 400:
            raise handle_error_response(response)
        media_type = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip()
        return media_type, response.content

    def get_blob(self, digest: str) -> bytes:
        response = self.request("GET", f"blobs/{digest}")
        if response.status_code == 404:
            raise RegistryError("unknown blob")
        if not 200 <= response.status_code < 400:
            raise handle_error_response(response)
        return response.content

    def put_manifest(self, reference: str, media_type: str, payload: bytes) -> str:
        response = self.request(
            "PUT", f"manifests/{reference}", headers={"Content-Type": media_type}, data=payload
        )
        if not 200 <= response.status_code < 400:
            raise handle_error_response(response)
        digest = response.headers.get("Docker-Content-Digest", "")
        if not re.fullmatch(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+", digest):
            raise RegistryError("invalid checksum digest format")
        return digest

    def mount_blob(self, source_name: str, digest: str) -> bool:
        """POST an upload that mounts ``digest`` from ``source_name``: True when mounted,
        False when the registry started an upload instead (cancelled here)."""
        query = urlencode([("from", source_name), ("mount", digest)])
        response = self.request("POST", f"blobs/uploads/?{query}")
        if response.status_code == 201:
            stat = self.request("HEAD", f"blobs/{digest}")
            if stat.status_code == 404:
                raise RegistryError("unknown blob")
            if not 200 <= stat.status_code < 400:
                raise handle_error_response(stat)
            return True
        if response.status_code == 202:
            location = response.headers.get("Location", "")
            if location:
                self.request("DELETE", "", url=urljoin(self.base + "/", location))
            return False
        raise handle_error_response(response)


class RegistryClient:
    """docker's RegistryClient: ``resolve_auth(domain)`` gives the AuthConfig for a registry
    domain (config.json's credentials); ``insecure`` is the commands' ``--insecure``."""

    def __init__(self, resolve_auth: AuthResolver, insecure: bool = False) -> None:
        self.resolve_auth = resolve_auth
        self.insecure = insecure

    def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        data: bytes | str | None = None,
        verify: bool | str = True,
    ) -> _Response:
        """One HTTP exchange (redirects followed as Go follows them); a failure to get any
        answer in Go's words."""
        body = data.encode() if isinstance(data, str) else data
        headers = dict(headers or {})
        for _ in range(10):
            try:
                response = self._exchange(method, url, headers, body, verify)
            except OSError as exc:  # requests' exceptions are OSErrors too
                raise RegistryError(_go_transport_error(method, url, exc)) from None
            location = response.headers.get("Location")
            if response.status_code not in (301, 302, 303, 307, 308) or not location:
                return response
            target = urljoin(url, location)
            if urlsplit(target).netloc != urlsplit(url).netloc:
                headers.pop("Authorization", None)
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method not in ("GET", "HEAD")
            ):
                method, body = "GET", None
            url = target
        return response

    def _exchange(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
                  verify: bool | str) -> _Response:  # fmt: skip
        """Through requests (the project's HTTP stack), on a session per TLS setting whose
        one SSL context is made once: requests would load the CA bundle again for every
        connection, which costs more than a registry round trip. Proxies as Go picks them."""
        parts = urlsplit(url)
        proxy = None if _is_loopback(parts.netloc) else _proxy_for(parts.scheme, parts.hostname)
        cert = _client_cert(parts.netloc) if parts.scheme == "https" else None
        session = _registry_session(verify, cert)
        answer = session.request(
            method, url, headers={"User-Agent": USER_AGENT, **headers}, data=body,
            timeout=TIMEOUT, allow_redirects=False,
            proxies={parts.scheme: f"http://{proxy[0]}:{proxy[1]}"} if proxy else {},
        )  # fmt: skip
        content = b"" if method == "HEAD" else answer.content
        return _Response(answer.status_code, answer.reason, answer.headers, content)

    # -- repositories ------------------------------------------------------------------------
    def repository(
        self, domain: str, path: str, endpoint: _Endpoint, actions: tuple[str, ...] = ("pull",)
    ) -> Repository:
        """getRepositoryForReference: ping the endpoint (falling back to http when it
        speaks plain HTTP and TLS verification is off: a registry that is not secure, or
        ``--insecure``), with the domain's credentials."""
        if self.insecure:
            endpoint.skip_verify = True
        verify: bool | str = not endpoint.skip_verify
        if verify:
            verify = _ca_bundle(endpoint.host) or True
        repo = Repository(self, endpoint, path, actions, verify=verify)
        repo.auth = self.resolve_auth(domain)
        try:
            repo.ping()
        except RegistryError as exc:
            message = f"failed to configure transport: error pinging v2 registry: {exc}"
            if "server gave HTTP response to HTTPS client" not in exc.message:
                raise RegistryError(message) from None
            if not endpoint.skip_verify:
                raise _HTTPProtoError(message) from None
            endpoint.scheme = "http"
            try:
                repo.ping()
            except RegistryError as again:
                raise RegistryError(
                    f"failed to configure transport: error pinging v2 registry: {again}"
                ) from None
        return repo

    def iterate_endpoints(self, domain: str, path: str, shown: str,
                          each: Callable[[Repository], bool]) -> None:  # fmt: skip
        """fetcher.go's iterateEndpoints: each endpoint in turn until ``each`` is done."""
        confirmed_tls: set[str] = set()
        for endpoint in pull_endpoints(domain, self.insecure):
            if endpoint.scheme != "https" and endpoint.host in confirmed_tls:
                continue
            scheme = endpoint.scheme
            try:
                repo = self.repository(domain, path, endpoint)
            except _HTTPProtoError:
                continue
            if endpoint.scheme == "http" and not self.insecure:
                continue
            try:
                done = each(repo)
            except RegistryError as exc:
                if exc.unexpected or (exc.codes and exc.codes[0] in _CONTINUE_CODES):
                    if scheme == "https":
                        confirmed_tls.add(endpoint.host)
                    continue
                raise
            if done:
                return
        raise ManifestNotFound(f"no such manifest: {shown}")

    # -- what the commands ask --------------------------------------------------------------
    def get_manifest(self, domain: str, path: str, reference: str, shown: str,
                     digest: str = "") -> ImageManifest:  # fmt: skip
        """GetManifest: an image manifest (schema2 or OCI) with its platform from the image
        config; ``reference`` is the tag or digest asked for, ``shown`` the full reference."""
        found: list[ImageManifest] = []

        def fetch(repo: Repository) -> bool:
            media_type, body = repo.get_manifest(reference)
            kind = _manifest_kind(media_type, body)
            if kind in LIST_TYPES:
                raise RegistryError(f"{shown} is a manifest list")
            found.append(_image_manifest(repo, shown, media_type, body, digest))
            return True

        self.iterate_endpoints(domain, path, shown, fetch)
        return found[0]

    def get_manifest_list(self, domain: str, path: str, reference: str, shown: str,
                          digest: str = "") -> list[ImageManifest]:  # fmt: skip
        """GetManifestList: every image of a manifest list (or OCI index), each with the
        platform the list gives it and ``shown@digest`` as its reference."""
        result: list[ImageManifest] = []

        def fetch(repo: Repository) -> bool:
            media_type, body = repo.get_manifest(reference)
            kind = _manifest_kind(media_type, body)
            if kind not in LIST_TYPES:
                raise RegistryError(f"unsupported manifest format: {_go_value(kind, body)}")
            if digest and sha256_digest(body) != digest:
                raise RegistryError(f"manifest verification failed for digest {digest}")
            listing = json.loads(body)
            images = []
            for entry in listing.get("manifests") or []:
                entry_digest = str(entry.get("digest") or "")
                entry_type, entry_body = repo.get_manifest(entry_digest)
                entry_kind = _manifest_kind(entry_type, entry_body)
                if entry_kind in LIST_TYPES:
                    raise RegistryError(
                        "unsupported manifest type: *manifestlist.DeserializedManifestList"
                    )
                base = shown.split("@", 1)[0]
                image = _image_manifest(
                    repo, f"{base}@{entry_digest}", entry_type, entry_body, entry_digest
                )
                image.descriptor["platform"] = platform_record(entry.get("platform") or {})
                images.append(image)
            result[:] = images
            return bool(images)

        self.iterate_endpoints(domain, path, shown, fetch)
        return result

    def push_repository(self, domain: str, path: str) -> Repository:
        """The repository a push goes to (newDefaultRepositoryEndpoint, pull and push)."""
        return self.repository(domain, path, push_endpoint(domain, self.insecure),
                               ("pull", "push"))  # fmt: skip


def _manifest_kind(media_type: str, body: bytes) -> str:
    """UnmarshalManifest's choice by Content-Type (docker registers no default type)."""
    if media_type not in ACCEPTED:
        raise RegistryError(
            f"unsupported manifest media type and no default available: {media_type}"
        )
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None
    declared = decoded.get("mediaType") if isinstance(decoded, dict) else None
    if media_type == MEDIA_TYPE_SCHEMA2 and declared != MEDIA_TYPE_SCHEMA2:
        raise RegistryError(f"mediaType in manifest should be '{MEDIA_TYPE_SCHEMA2}' not "
                            f"'{declared or ''}'")  # fmt: skip
    if media_type == MEDIA_TYPE_LIST and declared != MEDIA_TYPE_LIST:
        raise RegistryError(f"mediaType in manifest list should be '{MEDIA_TYPE_LIST}' not "
                            f"'{declared or ''}'")  # fmt: skip
    return media_type


def _go_descriptor(item: dict) -> str:
    """A distribution.Descriptor as Go's %v prints it."""
    urls = " ".join(str(url) for url in item.get("urls") or [])
    notes = item.get("annotations") or {}
    notes_text = " ".join(f"{key}:{notes[key]}" for key in sorted(notes))
    platform = item.get("platform")
    if isinstance(platform, dict):
        features = " ".join(platform.get("os.features") or [])
        platform_text = (f"&{{{platform.get('architecture', '')} {platform.get('os', '')} "
                         f"{platform.get('os.version', '')} [{features}] "
                         f"{platform.get('variant', '')}}}")  # fmt: skip
    else:
        platform_text = "<nil>"
    return (f"{{{item.get('mediaType', '')} {item.get('size', 0)} {item.get('digest', '')} "
            f"[{urls}] map[{notes_text}] {platform_text}}}")  # fmt: skip


def _go_value(kind: str, body: bytes) -> str:
    """A schema2 or OCI DeserializedManifest as Go's %v prints the pointer (its fields, then
    its canonical bytes as numbers): docker's words when a list was expected."""
    manifest = json.loads(body)
    versioned = f"{{{manifest.get('schemaVersion', 0)} {manifest.get('mediaType', '')}}}"
    config = _go_descriptor(manifest.get("config") or {})
    layers = " ".join(_go_descriptor(layer) for layer in manifest.get("layers") or [])
    fields = f"{versioned} {config} [{layers}]"
    if kind == MEDIA_TYPE_OCI_MANIFEST:
        notes = manifest.get("annotations") or {}
        fields += " map[" + " ".join(f"{key}:{notes[key]}" for key in sorted(notes)) + "]"
    numbers = " ".join(str(byte) for byte in body)
    return f"&{{{{{fields}}} [{numbers}]}}"


def _image_manifest(repo: Repository, shown: str, media_type: str, body: bytes,
                    digest: str) -> ImageManifest:  # fmt: skip
    """pullManifestSchemaV2 / pullManifestOCISchema: the descriptor, checked against a
    digest asked for, with the platform read from the image config blob."""
    actual = sha256_digest(body)
    if digest and actual != digest:
        raise RegistryError(f"manifest verification failed for digest {digest}")
    manifest = json.loads(body)
    config_digest = str((manifest.get("config") or {}).get("digest") or "")
    config = repo.get_blob(config_digest)
    if sha256_digest(config) != config_digest:
        raise RegistryError(f"image config verification failed for digest {config_digest}")
    try:
        decoded = json.loads(config)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None
    descriptor = {
        "mediaType": media_type,
        "digest": actual,
        "size": len(body),
        "platform": platform_record(decoded if isinstance(decoded, dict) else {}),
    }
    kind = "SchemaV2Manifest" if media_type == MEDIA_TYPE_SCHEMA2 else "OCIManifest"
    return ImageManifest(
        ref=shown, descriptor=descriptor, raw=body, kind=kind, payload=body, manifest=manifest
    )


def _is_loopback(host: str) -> bool:
    name = _host_of(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


_BUNDLES: dict[str, str | None] = {}


def _ca_bundle(host: str) -> str | None:
    """The system's CA certificates plus ``/etc/docker/certs.d/HOST/*.crt`` as one bundle
    file (docker adds them to the system pool), or None when the folder has none."""
    if host in _BUNDLES:
        return _BUNDLES[host]
    import ssl
    import tempfile

    directory = os.path.join(CERTS_DIR, host)
    try:
        extra = [os.path.join(directory, name) for name in sorted(os.listdir(directory))
                 if name.endswith(".crt")]  # fmt: skip
    except OSError:
        extra = []
    bundle = None
    if extra:
        system = ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
        parts = []
        for path in (system, *extra):
            try:
                with open(path, "rb") as handle:
                    parts.append(handle.read())
            except OSError:
                continue
        fd, bundle = tempfile.mkstemp(prefix="dshell-ca-", suffix=".pem")
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\n".join(parts))
        import atexit

        atexit.register(lambda path=bundle: os.path.exists(path) and os.unlink(path))
    _BUNDLES[host] = bundle
    return bundle


def _client_cert(host: str) -> tuple[str, str] | None:
    """A client certificate pair from /etc/docker/certs.d/HOST (``*.cert`` + ``*.key``)."""
    directory = os.path.join(CERTS_DIR, host)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return None
    for name in names:
        if name.endswith(".cert"):
            key = os.path.join(directory, name[: -len(".cert")] + ".key")
            if os.path.exists(key):
                return os.path.join(directory, name), key
    return None
