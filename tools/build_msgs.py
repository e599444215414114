#!/usr/bin/env python3
"""Build the ``coop_drive_msgs`` interface package into a Python venv that holds pip-only ROS 2.

Run it with the venv's interpreter (``.venv/bin/python tools/build_msgs.py``): the venv prefix
(``sys.prefix``) is both where the ROS wheels live (``share/``, ``lib/``) and where the generated
C libraries, CMake config and the Python package ``coop_drive_msgs`` are installed, so nothing needs
environment variables at run time (the ``ros_wheels_bootstrapper`` .pth of the ROS wheels puts
``<venv>/lib`` on ``LD_LIBRARY_PATH``; the Python package lands in ``lib/python3.X/site-packages``).

Steps:
1. Rewrite the wheel builder's paths (``/opt/python/cp3XX-cp3XX/include/python3.X`` and its
   ``.../site-packages/numpy/_core/include``) in the wheels' exported CMake files to this venv's
   Python include dir and numpy include dir (idempotent).
2. ``cmake`` configure / build / install with ``AMENT_PREFIX_PATH`` and ``CMAKE_PREFIX_PATH`` set to
   the venv prefix.
3. Check, in a clean environment, that ``import coop_drive_msgs.msg`` works from the venv's python.

Exit status is non-zero with a specific message on any failure.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The wheel builder's (manylinux) interpreter paths baked into exported CMake targets.
BUILDER_PY_INCLUDE = re.compile(r"/opt/python/cp3\d+-cp3\d+/include/python3\.\d+")
BUILDER_NUMPY_INCLUDE = re.compile(
    r"/opt/python/cp3\d+-cp3\d+/lib/python3\.\d+/site-packages/numpy/(?:_core|core)/include"
)
PATCH_SUFFIXES = (".cmake", ".txt")


class BuildError(Exception):
    """A failure with a message meant for the user."""


def fail(msg: str) -> None:
    raise BuildError(msg)


def check_environment(prefix: Path) -> tuple[str, str]:
    """Return (python include dir, numpy include dir); fail clearly if something is missing."""
    if sys.prefix == sys.base_prefix:
        fail(
            f"{sys.executable} is not a venv interpreter; run this script with the venv's python, "
            "e.g. `.venv/bin/python tools/build_msgs.py` (the Makefile does)."
        )
    for tool in ("cmake",):
        if shutil.which(tool) is None:
            fail(f"`{tool}` not found on PATH; install it (e.g. `apt-get install cmake g++`).")
    if shutil.which("c++") is None and shutil.which("g++") is None:
        fail("no C++ compiler (c++/g++) on PATH; install one (e.g. `apt-get install g++`).")
    py_include = sysconfig.get_paths()["include"]
    if not (Path(py_include) / "Python.h").is_file():
        fail(
            f"Python headers not found: {py_include}/Python.h is missing; install the development "
            "headers of this Python (e.g. python3-dev)."
        )
    try:
        import numpy
    except ImportError:
        fail(f"numpy is not installed in {prefix}; run `pip install -r requirements.txt` first.")
    np_include = numpy.get_include()
    for pkg in ("ament_cmake", "rosidl_default_generators", "std_msgs", "geometry_msgs",
                "builtin_interfaces"):
        if not (prefix / "share" / pkg / "package.xml").is_file():
            fail(
                f"ROS package `{pkg}` not found under {prefix}/share; install the pinned ros-* "
                "wheels first (`pip install -r requirements.txt`)."
            )
    return py_include, np_include


def patch_builder_paths(prefix: Path, py_include: str, np_include: str) -> int:
    """Rewrite the wheel builder's include paths in CMake files under share/ and lib/. Idempotent."""
    roots = [prefix / "share", prefix / "lib" / "cmake", prefix / "lib64" / "cmake"]
    patched = 0
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.suffix not in PATCH_SUFFIXES or not path.is_file() or path.is_symlink():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if "/opt/python/" not in text:
                continue
            new = BUILDER_NUMPY_INCLUDE.sub(np_include, text)
            new = BUILDER_PY_INCLUDE.sub(py_include, new)
            if new != text:
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_text(new, encoding="utf-8")
                os.replace(tmp, path)
                patched += 1
    return patched


def build_env(prefix: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["AMENT_PREFIX_PATH"] = str(prefix)
    env["CMAKE_PREFIX_PATH"] = str(prefix)
    env["PATH"] = f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # Let the ros_wheels_bootstrapper .pth of the venv re-exec generator scripts with its libs.
    env.pop("_ROS_WHEELS_BOOTSTRAP_COMPLETE", None)
    env.pop("PYTHONPATH", None)
    return env


def run(cmd: list[str], env: dict[str, str], what: str, log: Path) -> None:
    print(f"[build_msgs] {what}: {' '.join(cmd)}", flush=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n")
        fh.flush()
        proc = subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:])
        fail(f"{what} failed (exit {proc.returncode}); last lines of {log}:\n{tail}")


def python_install_dir(prefix: Path) -> str:
    purelib = sysconfig.get_path("purelib", vars={"base": str(prefix)})
    return os.path.relpath(purelib, start=str(prefix))


def verify(prefix: Path) -> None:
    """Import the generated package from the venv's python with a clean ROS-less environment."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("AMENT_PREFIX_PATH", "CMAKE_PREFIX_PATH", "PYTHONPATH", "LD_LIBRARY_PATH",
                        "_ROS_WHEELS_BOOTSTRAP_COMPLETE")}
    code = (
        "import coop_drive_msgs.msg as m\n"
        "from rclpy.serialization import serialize_message\n"
        "o = m.ObjectList(); o.objects.append(m.DetectedObject(object_id=7))\n"
        "assert len(serialize_message(o)) > 0\n"
        "print(m.__file__)\n"
    )
    proc = subprocess.run([str(prefix / "bin" / "python"), "-c", code], env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        fail("built coop_drive_msgs but `import coop_drive_msgs.msg` (and a serialize) failed "
             f"in the venv:\n{proc.stdout}{proc.stderr}")
    print(f"[build_msgs] ok: coop_drive_msgs.msg importable from {proc.stdout.strip()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--source", type=Path, default=REPO / "coop_drive_msgs",
                    help="the ament_cmake package to build (default: %(default)s)")
    ap.add_argument("--build-dir", type=Path, default=REPO / "build" / "coop_drive_msgs",
                    help="CMake build dir (default: %(default)s)")
    ap.add_argument("--prefix", type=Path, default=Path(sys.prefix),
                    help="install prefix = the venv holding ROS (default: this interpreter's venv)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--incremental", action="store_true",
                    help="reuse an existing build dir (default: start from an empty one, so a moved "
                         "checkout or a recreated venv never meets a stale CMakeCache)")
    ap.add_argument("--no-verify", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    prefix: Path = args.prefix.resolve()
    source: Path = args.source.resolve()
    build_dir: Path = args.build_dir.resolve()
    try:
        if not (source / "CMakeLists.txt").is_file() or not (source / "package.xml").is_file():
            fail(f"{source} is not an ament_cmake package (needs CMakeLists.txt and package.xml).")
        py_include, np_include = check_environment(prefix)
        n = patch_builder_paths(prefix, py_include, np_include)
        print(f"[build_msgs] rewrote wheel-builder include paths in {n} CMake file(s) "
              f"-> {py_include}, {np_include}")
        if not args.incremental and build_dir.exists():
            shutil.rmtree(build_dir)
        build_dir.mkdir(parents=True, exist_ok=True)
        log = build_dir / "build_msgs.log"
        log.write_text("", encoding="utf-8")
        env = build_env(prefix)
        run(["cmake", "-S", str(source), "-B", str(build_dir),
             f"-DCMAKE_INSTALL_PREFIX={prefix}",
             f"-DCMAKE_PREFIX_PATH={prefix}",
             f"-DPython3_EXECUTABLE={prefix / 'bin' / 'python'}",
             "-DPython3_FIND_VIRTUALENV=ONLY",
             f"-DPYTHON_INSTALL_DIR={python_install_dir(prefix)}",
             "-DCMAKE_BUILD_TYPE=Release",
             "-DBUILD_TESTING=OFF"],
            env, "cmake configure", log)
        run(["cmake", "--build", str(build_dir), "--parallel", str(args.jobs)],
            env, "cmake build", log)
        run(["cmake", "--install", str(build_dir)], env, "cmake install", log)
        if not args.no_verify:
            verify(prefix)
    except BuildError as exc:
        print(f"[build_msgs] ERROR: {exc}", file=sys.stderr)
        return 1
    print(f"[build_msgs] done in {time.monotonic() - t0:.1f} s (installed into {prefix})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
