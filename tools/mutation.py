#!/usr/bin/env python3
"""Mutation testing of the ROS-free cores with mutmut (``make mutation``, ``make mutation PKG=coop_drive/eval``).

Each package runs in its own work directory, ``build/mutation/<package>/``, holding a copy of the sources, the
tests and the data they read (maps, scenarios, config, launch, docs) and a ``setup.cfg`` with the package's
mutmut settings: the whole ``coop_drive`` package is copied into mutmut's ``mutants/`` tree, only the package's
own files are mutated, and only the package's own tests (``[tool.coop_drive.mutation]`` in pyproject.toml) are
run against them, without the closed-loop runs of the whole stack (marker ``closed_loop``: seconds each, and
they test the stack, not the package). A mutant is *killed* when a test fails, a *timeout* when the tests run
15x longer than on the clean code (counted as detected), *survived* when every test passed, *no tests* when no
selected test runs the mutated function (counted as survived).

Survivors that behave exactly like the original are listed in docs/testing.md under "Equivalent mutants" with
a one-line reason; they leave the score's denominator:

    score = (killed + timeout) / (mutants - equivalent)

The per-package summary (mutants, killed, survived, timeouts, equivalent, score) replaces that package's row in
the summary table of docs/testing.md, with the date; ``--list-survivors`` prints every surviving mutant's diff.
The package's results are also written to ``build/mutation/<package>/summary.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK_ROOT = REPO / "build" / "mutation"
DOC = REPO / "docs" / "testing.md"
COPIED = ("coop_drive", "tests", "maps", "scenarios", "config", "launch", "docs", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".cache", "mutants")
TABLE_BEGIN, TABLE_END = "<!-- mutation-summary:begin -->", "<!-- mutation-summary:end -->"
EQUIVALENT_ROW = re.compile(r"^\|\s*`(coop_drive\.[\w.]+__mutmut_\d+)`\s*\|")
SUMMARY_ROW = re.compile(r"^\|\s*`(coop_drive/\w+)`\s*\|")
PROGRESS = re.compile(r"(\d+)/(\d+)  ")
PHASE = re.compile(r"(Generating mutants|Running stats|Running clean tests|Running forced fail test)")
# mutmut's exit-code classes (mutmut.stats.status_by_exit_code)
KILLED_CODES = {1, 3}
TIMEOUT_CODES = {36, 24, -24, 152, 255}
SURVIVED_CODES = {0}
NO_TESTS_CODES = {5, 33}


class MutationError(Exception):
    """A bad argument or a mutmut run that did not finish."""


@dataclass(frozen=True)
class PackageConfig:
    package: str  # e.g. "coop_drive/eval"
    tests: tuple[str, ...]  # test paths relative to the repo
    threshold: float  # required score, 0..1


@dataclass
class PackageResult:
    package: str
    mutants: int
    killed: int
    survived: int
    timeouts: int
    no_tests: int
    other: int  # suspicious, segfault, skipped, not checked
    equivalent: int
    survivors: list[str]
    date: str

    @property
    def score(self) -> float:
        relevant = self.mutants - self.equivalent
        return 1.0 if relevant <= 0 else (self.killed + self.timeouts) / relevant


def load_configs(pyproject: Path = REPO / "pyproject.toml") -> dict[str, PackageConfig]:
    table = tomllib.loads(pyproject.read_text("utf-8"))["tool"]["coop_drive"]["mutation"]
    configs: dict[str, PackageConfig] = {}
    for name, entry in table["packages"].items():
        package = f"coop_drive/{name}"
        configs[package] = PackageConfig(package, tuple(entry["tests"]), float(entry["threshold"]))
    return configs


def equivalent_mutants(*docs: Path) -> set[str]:
    """Names of the mutants listed as equivalent (table rows starting with a `coop_drive....__mutmut_N` cell)."""
    names = set()
    for doc in docs:
        if not doc.exists():
            continue
        for line in doc.read_text("utf-8").splitlines():
            match = EQUIVALENT_ROW.match(line)
            if match:
                names.add(match.group(1))
    return names


def prepare_workdir(config: PackageConfig, keep: bool, work_root: Path = WORK_ROOT) -> Path:
    workdir = work_root / config.package.replace("/", "_")
    if workdir.exists() and not keep:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source, target = REPO / name, workdir / name
        if source.is_dir():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, ignore=IGNORED)
        else:
            shutil.copy2(source, target)
    (workdir / "setup.cfg").write_text(mutmut_settings(config), "utf-8")
    return workdir


def mutmut_settings(config: PackageConfig) -> str:
    tests = "\n    ".join(config.tests)
    return (
        "[mutmut]\n"
        "source_paths = coop_drive\n"
        f"only_mutate = {config.package}/*\n"
        "do_not_mutate = */*_bench.py\n"
        f"pytest_add_cli_args_test_selection =\n    {tests}\n"
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n    -m\n    not benchmark and not closed_loop\n"
        "also_copy =\n    maps\n    scenarios\n    config\n    launch\n    docs\n"
        "use_git_change_detection = false\n"
    )


def run_mutmut(workdir: Path, max_children: int, progress_every_s: float = 15.0) -> None:
    """Run mutmut in ``workdir``; its spinner output goes to ``mutmut.log``, a progress line to stdout."""
    mutmut = Path(sys.executable).with_name("mutmut")
    env = dict(os.environ, PYTHONHASHSEED="0")
    command = [str(mutmut), "run", "--max-children", str(max_children)]
    log_path = workdir / "mutmut.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    process.wait(timeout=progress_every_s)
                    break
                except subprocess.TimeoutExpired:
                    print(f"   {latest_progress(log_path)}", flush=True)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait()
    if process.returncode != 0:
        tail = log_path.read_text("utf-8", errors="replace")[-2000:]
        raise MutationError(f"mutmut run in {workdir} exited with status {process.returncode}:\n{tail}")


def latest_progress(log_path: Path) -> str:
    """The last 'done/total' counter mutmut printed, or its current phase."""
    text = log_path.read_bytes()[-4000:].decode("utf-8", errors="replace")
    counters = PROGRESS.findall(text)
    if counters:
        done, total = counters[-1]
        return f"{done}/{total} mutants tested"
    phases = PHASE.findall(text)
    return phases[-1].strip() if phases else "starting"


def read_exit_codes(workdir: Path, package: str) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in sorted((workdir / "mutants" / package).rglob("*.py.meta")):
        data = json.loads(meta.read_text("utf-8"))
        codes.update(data.get("exit_code_by_key", {}))
    return codes


def summarise(package: str, codes: dict[str, int | None], equivalent: set[str]) -> PackageResult:
    killed = sum(1 for c in codes.values() if c in KILLED_CODES)
    timeouts = sum(1 for c in codes.values() if c in TIMEOUT_CODES)
    survivors = sorted(k for k, c in codes.items() if c in SURVIVED_CODES | NO_TESTS_CODES)
    return PackageResult(
        package=package,
        mutants=len(codes),
        killed=killed,
        survived=sum(1 for c in codes.values() if c in SURVIVED_CODES),
        timeouts=timeouts,
        no_tests=sum(1 for c in codes.values() if c in NO_TESTS_CODES),
        other=sum(1 for c in codes.values() if c not in KILLED_CODES | TIMEOUT_CODES | SURVIVED_CODES | NO_TESTS_CODES),
        equivalent=sum(1 for k in survivors if k in equivalent),
        survivors=[k for k in survivors if k not in equivalent],
        date=dt.date.today().isoformat(),
    )


def stale_equivalents(package: str, codes: dict[str, int | None], equivalent: set[str]) -> list[str]:
    """Mutants of ``package`` listed as equivalent that are no survivors of this run: killed now, or gone
    (mutmut numbers mutants per function, so an edit of the function renumbers them). Their rows want updating."""
    prefix = package.replace("/", ".") + "."
    alive = {k for k, c in codes.items() if c in SURVIVED_CODES | NO_TESTS_CODES}
    return sorted(name for name in equivalent if name.startswith(prefix) and name not in alive)


def summary_row(result: PackageResult, threshold: float) -> str:
    verdict = "ok" if result.score >= threshold else f"below {threshold:.0%}"
    return (
        f"| `{result.package}` | {result.mutants} | {result.killed} | {result.survived} | {result.no_tests} "
        f"| {result.timeouts} | {result.equivalent} | {result.score:.1%} ({verdict}) | {result.date} |"
    )


def update_doc(results: Iterable[PackageResult], configs: dict[str, PackageConfig], doc: Path = DOC) -> None:
    """Replace the rows of the packages just run in docs/testing.md's summary table, keep the others."""
    text = doc.read_text("utf-8")
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise MutationError(f"{doc}: the summary table markers {TABLE_BEGIN} / {TABLE_END} are missing")
    head, rest = text.split(TABLE_BEGIN, 1)
    table, tail = rest.split(TABLE_END, 1)
    rows = {m.group(1): line for line in table.splitlines() if (m := SUMMARY_ROW.match(line))}
    for result in results:
        rows[result.package] = summary_row(result, configs[result.package].threshold)
    header = (
        "| package | mutants | killed | survived | no tests | timeouts | equivalent | score | date |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|---|\n"
    )
    body = "".join(rows[p] + "\n" for p in configs if p in rows)
    tmp = doc.with_suffix(".md.tmp")
    tmp.write_text(f"{head}{TABLE_BEGIN}\n{header}{body}{TABLE_END}{tail}", "utf-8")
    tmp.replace(doc)


def print_survivors(workdir: Path, survivors: list[str]) -> None:
    mutmut = Path(sys.executable).with_name("mutmut")
    for name in survivors:
        shown = subprocess.run([str(mutmut), "show", name], cwd=workdir, capture_output=True, text=True, check=False)
        print(shown.stdout.rstrip() or f"# {name}: {shown.stderr.strip()}")


def parse_args(argv: list[str] | None, configs: dict[str, PackageConfig]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", help=f"packages to mutate (default: all of {', '.join(configs)})")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="parallel mutant runs")
    parser.add_argument("--work-root", type=Path, default=WORK_ROOT, help="where the work directories go")
    parser.add_argument("--keep", action="store_true", help="reuse the work directory and mutmut's cached results")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/testing.md")
    parser.add_argument("--list-survivors", action="store_true", help="print each surviving mutant's diff")
    parser.add_argument(
        "--equivalents",
        type=Path,
        action="append",
        default=[],
        help="another Markdown file with rows of equivalent mutants (besides docs/testing.md)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a package is below its threshold")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    configs = load_configs()
    args = parse_args(argv, configs)
    wanted = [p.rstrip("/") for p in args.packages] or list(configs)
    unknown = [p for p in wanted if p not in configs]
    if unknown:
        print(f"mutation: unknown package {unknown[0]!r}; expected one of {', '.join(configs)}", file=sys.stderr)
        return 2
    if args.max_children < 1:
        print("mutation: --max-children must be at least 1", file=sys.stderr)
        return 2
    equivalent = equivalent_mutants(DOC, *args.equivalents)
    failed = False
    try:
        for package in wanted:
            config = configs[package]
            print(f"== mutation: {package} (tests: {' '.join(config.tests)})", flush=True)
            workdir = prepare_workdir(config, args.keep, args.work_root.resolve())
            run_mutmut(workdir, args.max_children)
            result = summarise(package, read_exit_codes(workdir, package), equivalent)
            (workdir / "summary.json").write_text(json.dumps(asdict(result), indent=1) + "\n", "utf-8")
            failed |= result.score < config.threshold
            print(summary_row(result, config.threshold), flush=True)
            stale = stale_equivalents(package, read_exit_codes(workdir, package), equivalent)
            if stale:
                print(f"mutation: {len(stale)} mutant(s) listed as equivalent in docs/testing.md are no survivors "
                      f"of this run (killed, or renumbered by an edit): {', '.join(stale[:5])}"
                      f"{' ...' if len(stale) > 5 else ''}", file=sys.stderr, flush=True)
            if not args.no_doc:  # each package's row as soon as it is known: a long run may be stopped
                update_doc([result], configs)
            if args.list_survivors:
                print_survivors(workdir, result.survivors)
    except MutationError as exc:
        print(f"mutation: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mutation: interrupted; only packages that finished are in docs/testing.md", file=sys.stderr)
        return 130
    return 1 if (failed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
