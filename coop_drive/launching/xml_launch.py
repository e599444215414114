"""A parser for the subset of the ROS 2 XML launch format that coop_drive's launch files use.

Elements: ``launch``, ``arg`` (name, default, description), ``let`` (name, value), ``node`` (pkg, exec, name,
namespace, output, on_exit; children ``param`` with name/value or ``from`` = a YAML parameter file, and
``remap`` from/to), ``include`` (file; children ``arg`` name/value), ``group`` (scoped; child
``push-ros-namespace`` namespace). Substitutions: ``$(var NAME)``, ``$(find-pkg-share PKG)``,
``$(env NAME [DEFAULT])``, ``$(dirname)``. The same files run unchanged under ``ros2 launch`` on a full ROS 2
install. Anything else is an error naming the file and element (``LaunchFileError``: exit status 2).
"""

from __future__ import annotations

import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class LaunchFileError(ValueError):
    """A launch file is missing, malformed, uses an unsupported element, or misses an argument."""


@dataclass
class NodeAction:
    """One node to start: what ``ros2 launch`` would run."""

    package: str
    executable: str
    name: str | None
    namespace: str
    params: list[tuple[str, str]] = field(default_factory=list)  # inline, in order
    param_files: list[Path] = field(default_factory=list)
    remaps: list[tuple[str, str]] = field(default_factory=list)
    output: str = "log"
    on_exit_shutdown: bool = False
    source: str = ""

    @property
    def label(self) -> str:
        return self.name or self.executable

    def ros_arguments(self) -> list[str]:
        """The ``--ros-args ...`` part of the command line."""
        args = ["--ros-args"]
        if self.name:
            args += ["-r", f"__node:={self.name}"]
        if self.namespace and self.namespace != "/":
            args += ["-r", f"__ns:={self.namespace}"]
        for path in self.param_files:
            args += ["--params-file", str(path)]
        for key, value in self.params:
            args += ["-p", f"{key}:={value if value else chr(39) * 2}"]  # '' : an empty string
        for src, dst in self.remaps:
            args += ["-r", f"{src}:={dst}"]
        return args


SUPPORTED = {"launch", "arg", "let", "node", "param", "remap", "include", "group", "push-ros-namespace"}
_SUBST = re.compile(r"\$\(([a-z-]+)((?:\s+[^()\s]+)*)\s*\)")


def find_package_share(package: str) -> Path:
    """<prefix>/share/<package> from AMENT_PREFIX_PATH or this venv; coop_drive's source tree as a fallback."""
    prefixes = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p] + [sys.prefix]
    for prefix in prefixes:
        share = Path(prefix) / "share" / package
        if (share / "package.xml").is_file():
            return share
    if package == "coop_drive":  # editable install: the repository root is the package
        root = Path(__file__).resolve().parents[2]
        if (root / "package.xml").is_file():
            return root
    raise LaunchFileError(f"package '{package}' not found (looked in {', '.join(prefixes)})")


class _Context:
    def __init__(self, path: Path, variables: dict[str, str], namespace: str) -> None:
        self.path = path
        self.variables = variables
        self.namespace = namespace

    def where(self, trail: str) -> str:
        return f"{self.path}: {trail}"

    def substitute(self, text: str | None, trail: str) -> str:
        if text is None:
            return ""

        def one(match: re.Match[str]) -> str:
            kind, rest = match.group(1), match.group(2).split()
            if kind == "var":
                if len(rest) != 1:
                    raise LaunchFileError(self.where(f"{trail}: $(var NAME) takes one name"))
                if rest[0] not in self.variables:
                    raise LaunchFileError(self.where(f"{trail}: $(var {rest[0]}): no such argument or variable"))
                return self.variables[rest[0]]
            if kind == "find-pkg-share":
                return str(find_package_share(rest[0]))
            if kind == "env":
                if rest[0] in os.environ:
                    return os.environ[rest[0]]
                if len(rest) > 1:
                    return " ".join(rest[1:])
                raise LaunchFileError(self.where(f"{trail}: environment variable {rest[0]} is not set"))
            if kind == "dirname":
                return str(self.path.parent)
            raise LaunchFileError(self.where(f"{trail}: unsupported substitution $({kind})"))

        previous = None
        while previous != text:  # substitutions may produce substitutions ($(var x) holding $(dirname))
            previous, text = text, _SUBST.sub(one, text)
        return text


def _join_ns(base: str, ns: str) -> str:
    if not ns.strip("/"):
        return base if ns == "" else "/"
    if ns.startswith("/"):
        return ns.rstrip("/") or "/"
    joined = base.rstrip("/") + "/" + ns.strip("/")
    return joined if joined.startswith("/") else "/" + joined


def _attrs(elem: ET.Element, ctx: _Context, trail: str, allowed: set[str], required: set[str]) -> dict[str, str]:
    unknown = set(elem.attrib) - allowed
    if unknown:
        raise LaunchFileError(ctx.where(f"{trail}: unsupported attribute(s) {', '.join(sorted(unknown))}"))
    missing = required - set(elem.attrib)
    if missing:
        raise LaunchFileError(ctx.where(f"{trail}: missing attribute(s) {', '.join(sorted(missing))}"))
    return {k: ctx.substitute(v, trail) for k, v in elem.attrib.items()}


def load_launch_file(path: Path, arguments: Mapping[str, str] | None = None) -> list[NodeAction]:
    """The nodes a launch file starts, given ``name:=value`` arguments. Raises LaunchFileError."""
    return _load(Path(path), dict(arguments or {}), "/", set())


def _load(path: Path, arguments: dict[str, str], namespace: str, seen: set[Path]) -> list[NodeAction]:
    path = path.resolve() if path.exists() else path
    if not path.is_file():
        raise LaunchFileError(f"{path}: no such launch file")
    if path in seen:
        raise LaunchFileError(f"{path}: included recursively")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise LaunchFileError(f"{path}: not well-formed XML: {exc}") from None
    ctx = _Context(path, {}, namespace)
    if root.tag != "launch":
        raise LaunchFileError(ctx.where(f"root element must be <launch>, got <{root.tag}>"))
    declared: set[str] = set()
    nodes = _children(root, ctx, "<launch>", arguments, declared, seen | {path})
    unknown = set(arguments) - declared
    if unknown:
        raise LaunchFileError(ctx.where(f"unknown argument(s) {', '.join(sorted(unknown))} "
                                        f"(declared: {', '.join(sorted(declared)) or 'none'})"))
    return nodes


def _children(parent: ET.Element, ctx: _Context, trail: str, arguments: dict[str, str], declared: set[str],
              seen: set[Path], in_group: bool = False) -> list[NodeAction]:
    nodes: list[NodeAction] = []
    for index, elem in enumerate(parent):
        here = f"{trail}/<{elem.tag}>[{index + 1}]"
        if elem.tag == "push-ros-namespace" and in_group:
            ns = _attrs(elem, ctx, here, {"namespace"}, {"namespace"})["namespace"]
            ctx.namespace = _join_ns(ctx.namespace, ns)
            continue
        if elem.tag not in SUPPORTED or elem.tag in {"launch", "param", "remap", "push-ros-namespace"}:
            raise LaunchFileError(ctx.where(f"{here}: unsupported element <{elem.tag}> here "
                                            f"(supported: {', '.join(sorted(SUPPORTED))})"))
        if elem.tag == "arg":
            a = _attrs(elem, ctx, here, {"name", "default", "description"}, {"name"})
            name = a["name"]
            declared.add(name)
            if name in arguments:
                ctx.variables[name] = arguments[name]
            elif "default" in a:
                ctx.variables[name] = a["default"]
            else:
                desc = f" ({a['description']})" if a.get("description") else ""
                raise LaunchFileError(ctx.where(f"argument '{name}'{desc} is required: give it as {name}:=VALUE"))
        elif elem.tag == "let":
            a = _attrs(elem, ctx, here, {"name", "value"}, {"name", "value"})
            ctx.variables[a["name"]] = a["value"]
        elif elem.tag == "group":
            _attrs(elem, ctx, here, set(), set())
            inner = _Context(ctx.path, dict(ctx.variables), ctx.namespace)
            nodes += _children(elem, inner, here, arguments, declared, seen, in_group=True)
        elif elem.tag == "include":
            a = _attrs(elem, ctx, here, {"file"}, {"file"})
            include_args: dict[str, str] = {}
            for j, child in enumerate(elem):
                sub = f"{here}/<{child.tag}>[{j + 1}]"
                if child.tag != "arg":
                    raise LaunchFileError(ctx.where(f"{sub}: only <arg name value> may appear in <include>"))
                c = _attrs(child, ctx, sub, {"name", "value"}, {"name", "value"})
                include_args[c["name"]] = c["value"]
            file = Path(a["file"])
            if not file.is_absolute():
                file = ctx.path.parent / file
            nodes += _load(file, include_args, ctx.namespace, seen)
        else:
            nodes.append(_node(elem, ctx, here))
    return nodes


def _node(elem: ET.Element, ctx: _Context, trail: str) -> NodeAction:
    a = _attrs(elem, ctx, trail, {"pkg", "exec", "name", "namespace", "output", "on_exit", "args"},
               {"pkg", "exec"})
    if a.get("on_exit", "shutdown") != "shutdown":
        raise LaunchFileError(ctx.where(f"{trail}: on_exit supports only 'shutdown'"))
    node = NodeAction(a["pkg"], a["exec"], a.get("name"), _join_ns(ctx.namespace, a.get("namespace", "")),
                      output=a.get("output", "log"), on_exit_shutdown="on_exit" in a, source=str(ctx.path))
    for j, child in enumerate(elem):
        sub = f"{trail}/<{child.tag}>[{j + 1}]"
        if child.tag == "param":
            p = _attrs(child, ctx, sub, {"name", "value", "from"}, set())
            if "from" in p:
                file = Path(p["from"])
                if not file.is_file():
                    raise LaunchFileError(ctx.where(f"{sub}: parameter file {file} not found"))
                node.param_files.append(file)
            elif "name" in p and "value" in p:
                node.params.append((p["name"], p["value"]))
            else:
                raise LaunchFileError(ctx.where(f"{sub}: <param> needs name and value, or from"))
        elif child.tag == "remap":
            r = _attrs(child, ctx, sub, {"from", "to"}, {"from", "to"})
            node.remaps.append((r["from"], r["to"]))
        else:
            raise LaunchFileError(ctx.where(f"{sub}: unsupported element <{child.tag}> in <node> "
                                            "(supported: param, remap)"))
    return node
