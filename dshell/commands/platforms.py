"""containerd's ``platforms.Parse`` as docker's ``--platform`` flags read a value
(``rmi --platform``, ``image inspect --platform``): ``os[/arch[/variant]]``, normalized, as
the OCI platform JSON the API takes."""

from __future__ import annotations

import json
import re

_COMPONENT = re.compile(r"^[A-Za-z0-9_.-]+$")
_OS_AND_VERSION = re.compile(r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$")
KNOWN_OS = frozenset({"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos",
                      "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris",
                      "wasip1", "windows", "zos"})  # fmt: skip
KNOWN_ARCH = frozenset({"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be",
                        "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32",
                        "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390",
                        "s390x", "sparc", "sparc64", "wasm"})  # fmt: skip
#: What docker's client runs on here (runtime.GOOS/GOARCH) fills a part not given.
HOST_OS, HOST_ARCH = "linux", "amd64"


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", "" if variant in ("8", "v8", "v8.0") else variant
    if arch == "armhf":
        return "arm", ""
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            return "arm", "v7"
        if variant in ("5", "6", "8"):
            return "arm", f"v{variant}"
    return arch, variant


def _normalize_os(name: str) -> str:
    name = name.lower()
    return "darwin" if name == "macos" else name


def parse_platform(specifier: str) -> dict[str, str]:
    """The platform ``specifier`` names, in the API's JSON field names; ValueError with
    containerd's message when it names none."""
    if "*" in specifier:
        raise ValueError(f'"{specifier}": wildcards not yet supported: invalid argument')
    parts = specifier.split("/", 3)
    os_and_version = _OS_AND_VERSION.match(parts[0])
    if os_and_version is None:
        raise ValueError(
            f'"{parts[0]}" is an invalid OS component of "{specifier}": OSAndVersion specifier '
            f'component must match "{_go_quoted(_OS_AND_VERSION.pattern)}": invalid argument'
        )
    for part in parts[1:]:
        if not _COMPONENT.match(part):
            raise ValueError(
                f'"{part}" is an invalid component of "{specifier}": platform specifier '
                f'component must match "{_COMPONENT.pattern}": invalid argument'
            )
    name, version = _normalize_os(os_and_version.group(1)), os_and_version.group(2) or ""
    if len(parts) == 1:
        if name in KNOWN_OS:
            return _platform(name, version, HOST_ARCH, "")
        arch, variant = _normalize_arch(parts[0], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        if arch in KNOWN_ARCH:
            return _platform(HOST_OS, version, arch, variant)
        raise ValueError(f'"{specifier}": unknown operating system or architecture: '
                         "invalid argument")  # fmt: skip
    if len(parts) == 2:
        arch, variant = _normalize_arch(parts[1], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        return _platform(name, version, arch, variant)
    if len(parts) == 3:
        arch, variant = _normalize_arch(parts[1], parts[2])
        if arch == "arm64" and not variant:
            variant = "v8"
        return _platform(name, version, arch, variant)
    raise ValueError(f'"{specifier}": cannot parse platform specifier: invalid argument')


def _go_quoted(text: str) -> str:
    return text.replace("\\", "\\\\")


def _platform(os_name: str, version: str, arch: str, variant: str) -> dict[str, str]:
    platform = {"architecture": arch, "os": os_name}
    if version:
        platform["os.version"] = version
    if variant:
        platform["variant"] = variant
    return platform


def platform_json(platform: dict[str, str]) -> str:
    """As Go's json.Marshal writes an ocispec.Platform (the API's query value)."""
    return json.dumps(platform, separators=(",", ":"))
