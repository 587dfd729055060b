"""The runner: one child process per adapter and round, workloads timed there, one table.

The parent creates ``bench_item``, starts ``python -m bench --child NAME`` for each adapter in
turn (so libraries never share a process or an event loop), reads back the child's JSON, and
prints the table. The adapters take turns ``rounds`` times, so a slow minute of a shared
machine lands on all of them rather than on whichever adapter ran then; a cell is the median
of every round's runs. The child resets and fills the table with plain SQL before every timed
run, runs the workload once to warm up and then ``repeats`` times, and verifies every run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

from bench.adapters import ADAPTERS, BASELINE, AdapterUnavailable, load_adapter
from bench.workloads import POOL_SIZE, WORKLOADS, CheckFailed, Plan, Sizes, Table, Workload

DEFAULT_URL = "postgresql://root@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent  # the directory that holds the bench package


# -- timing one adapter, in the current process ----------------------------------------------


def _chunks(calls: list[tuple[Any, ...]], parts: int) -> list[list[tuple[Any, ...]]]:
    """``calls`` cut into ``parts`` contiguous runs; concatenated back they keep the order."""
    size = -(-len(calls) // parts)
    return [calls[i : i + size] for i in range(0, len(calls), size)]


async def _execute_async(adapter: Any, plan: Plan) -> tuple[list[Any], float]:
    method = getattr(adapter, plan.method)
    calls = plan.calls
    if not plan.tasks:
        results: list[Any] = []
        append = results.append
        started = time.perf_counter()
        for args in calls:
            append(await method(*args))
        return results, time.perf_counter() - started

    async def task(chunk: list[tuple[Any, ...]]) -> list[Any]:
        return [await method(*args) for args in chunk]

    chunks = _chunks(calls, plan.tasks)
    started = time.perf_counter()
    parts = await asyncio.gather(*(task(chunk) for chunk in chunks))
    elapsed = time.perf_counter() - started
    return [result for part in parts for result in part], elapsed


def _execute_sync(
    adapter: Any, plan: Plan, threads: ThreadPoolExecutor
) -> tuple[list[Any], float]:
    method = getattr(adapter, plan.method)
    calls = plan.calls
    if not plan.tasks:
        results: list[Any] = []
        append = results.append
        started = time.perf_counter()
        for args in calls:
            append(method(*args))
        return results, time.perf_counter() - started

    def task(chunk: list[tuple[Any, ...]]) -> list[Any]:
        return [method(*args) for args in chunk]

    chunks = _chunks(calls, plan.tasks)
    started = time.perf_counter()
    parts = list(threads.map(task, chunks))
    elapsed = time.perf_counter() - started
    return [result for part in parts for result in part], elapsed


def _failed(reason: str, ops: int = 0) -> dict[str, Any]:
    return {"status": "FAILED", "reason": reason, "ops": ops}


def _error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text if len(text) <= 500 else text[:497] + "..."


class _Measurement:
    """One workload's runs: prepare, execute, verify; the warm-up run is not counted."""

    def __init__(
        self, workload: Workload, table: Table, sizes: Sizes, repeats: int, is_async: bool
    ) -> None:
        self.workload = workload
        self.table = table
        self.sizes = sizes
        self.repeats = repeats
        self.is_async = is_async
        self.rates: list[float] = []
        self.ops = 0

    def prepare(self) -> Plan | dict[str, Any]:
        try:
            plan = self.workload.prepare(self.table, self.sizes)
        except Exception as e:
            return _failed(f"preparing the table: {_error_text(e)}")
        self.ops = len(plan.calls)
        gc.collect()  # not in the timed section
        return plan

    def record(
        self, run: int, plan: Plan, outcome: tuple[list[Any], float] | BaseException
    ) -> dict[str, Any] | None:
        """A FAILED cell when the run went wrong, else None (and the rate is kept)."""
        stage = "warm-up" if run == 0 else f"run {run}"
        if isinstance(outcome, BaseException):
            return _failed(f"{stage}: {_error_text(outcome)}", self.ops)
        results, seconds = outcome
        try:
            self.workload.verify(self.table, plan, results)
        except CheckFailed as e:
            return _failed(f"{stage}: {e}", self.ops)
        except Exception as e:  # a result of the wrong shape, usually
            return _failed(f"{stage}: checking the result raised {_error_text(e)}", self.ops)
        if run:
            self.rates.append(self.ops / seconds if seconds > 0 else float("inf"))
        return None

    def summary(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "ops": self.ops,
            "ops_per_sec": statistics.median(self.rates),
            "runs": self.rates,
            "threads": bool(self.workload.concurrent and not self.is_async),
        }


async def _run_async(
    adapter: Any, table: Table, url: str, names: Sequence[str], repeats: int, sizes: Sizes
) -> dict[str, dict[str, Any]]:
    await adapter.open(url, POOL_SIZE)
    cells: dict[str, dict[str, Any]] = {}
    try:
        for name in names:
            m = _Measurement(WORKLOADS[name], table, sizes, repeats, is_async=True)
            cells[name] = await _measure_async(m, adapter)
    finally:
        try:
            await adapter.close()
        except Exception as e:  # the figures are taken; a failed close must not lose them
            print(f"bench: closing {adapter.name} failed: {_error_text(e)}", file=sys.stderr)
    return cells


async def _measure_async(m: _Measurement, adapter: Any) -> dict[str, Any]:
    for run in range(m.repeats + 1):
        plan = m.prepare()
        if isinstance(plan, dict):
            return plan
        outcome: tuple[list[Any], float] | BaseException
        try:
            outcome = await _execute_async(adapter, plan)
        except Exception as e:
            outcome = e
        failed = m.record(run, plan, outcome)
        if failed:
            return failed
    return m.summary()


def _run_sync(
    adapter: Any, table: Table, url: str, names: Sequence[str], repeats: int, sizes: Sizes
) -> dict[str, dict[str, Any]]:
    adapter.open(url, POOL_SIZE)
    cells: dict[str, dict[str, Any]] = {}
    try:
        # one pool of threads for every workload, so threads are started before any timing
        with ThreadPoolExecutor(max_workers=POOL_SIZE) as threads:
            for name in names:
                m = _Measurement(WORKLOADS[name], table, sizes, repeats, is_async=False)
                cells[name] = _measure_sync(m, adapter, threads)
    finally:
        try:
            adapter.close()
        except Exception as e:  # the figures are taken; a failed close must not lose them
            print(f"bench: closing {adapter.name} failed: {_error_text(e)}", file=sys.stderr)
    return cells


def _measure_sync(m: _Measurement, adapter: Any, threads: ThreadPoolExecutor) -> dict[str, Any]:
    for run in range(m.repeats + 1):
        plan = m.prepare()
        if isinstance(plan, dict):
            return plan
        outcome: tuple[list[Any], float] | BaseException
        try:
            outcome = _execute_sync(adapter, plan, threads)
        except Exception as e:
            outcome = e
        failed = m.record(run, plan, outcome)
        if failed:
            return failed
    return m.summary()


def run_adapter(
    adapter: Any, url: str, workloads: Sequence[str], repeats: int, sizes: Sizes
) -> dict[str, dict[str, Any]]:
    """Time ``workloads`` through ``adapter`` (an instance) in this process; one cell each.

    A cell is ``{"status": "ok", "ops_per_sec": median, "runs": [...], ...}`` or
    ``{"status": "FAILED", "reason": ...}``. The table must exist (see Table.create()).
    """
    table = Table(url)
    try:
        if adapter.is_async:
            return asyncio.run(_run_async(adapter, table, url, workloads, repeats, sizes))
        return _run_sync(adapter, table, url, workloads, repeats, sizes)
    finally:
        table.close()


# -- the child process ---------------------------------------------------------------------------


def _version(module: str) -> str | None:
    top = module.split(".")[0]
    for dist in metadata.packages_distributions().get(top, [top]):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    version = getattr(sys.modules.get(top), "__version__", None)
    return str(version) if version else None


def library_versions(adapter_class: type[Any]) -> dict[str, str]:
    """Versions of what the adapter requires, and of the ORMs it imported."""
    modules = list(getattr(adapter_class, "requires", ()))
    modules += [m for m in ("orm", "django", "tortoise", "sqlalchemy") if m in sys.modules]
    versions: dict[str, str] = {}
    for module in modules:
        top = module.split(".")[0]
        version = _version(top)
        if version:
            versions[top] = version
    return versions


def child_main(
    name: str, out: str, url: str, workloads: Sequence[str], repeats: int, sizes: Sizes
) -> int:
    """The child process: run one adapter, write its JSON report to ``out``."""
    report: dict[str, Any] = {"adapter": name}
    try:
        cls = load_adapter(name)
    except AdapterUnavailable as e:
        report.update(status="skipped", reason=str(e))
    else:
        report.update(status="ok", is_async=bool(cls.is_async))
        try:
            report["results"] = run_adapter(cls(), url, workloads, repeats, sizes)
        except Exception as e:  # opening or closing the adapter: the whole column is lost
            report.update(status="error", reason=_error_text(e))
        report["versions"] = library_versions(cls)
    Path(out).write_text(json.dumps(report, default=str))
    return 0


# -- the parent ----------------------------------------------------------------------------------


def _spawn(
    name: str, url: str, workloads: Sequence[str], repeats: int, sizes: Sizes, quick: bool,
    timeout: float,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = os.path.join(tmp, "result.json")
        command = [
            sys.executable, "-m", "bench", "--child", name, "--out", out, "--url", url,
            "--workloads", ",".join(workloads), "--repeats", str(repeats),
            "--rows", str(sizes.rows),
        ] + (["--quick"] if quick else [])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        try:
            done = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {"adapter": name, "status": "error", "reason": f"timed out after {timeout:.0f} s"}
        if os.path.exists(out):
            result: dict[str, Any] = json.loads(Path(out).read_text())
            return result
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        return {
            "adapter": name,
            "status": "error",
            "reason": f"the child process exited with {done.returncode}: " + " | ".join(tail),
        }


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _checkout() -> str | None:
    """The commit being measured (+dirty when the tree has changes), for before/after notes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (commit + ("+dirty" if dirty else "")) or None


def add_ratios(adapters: list[dict[str, Any]], baseline: str = BASELINE) -> None:
    """Each ok cell gets ``ratio``: its ops/s over the baseline's in the same run (or None)."""
    base = next((a for a in adapters if a["adapter"] == baseline and a["status"] == "ok"), None)
    base_cells = base.get("results", {}) if base else {}
    for adapter in adapters:
        for workload, cell in adapter.get("results", {}).items():
            if cell["status"] != "ok":
                continue
            reference = base_cells.get(workload)
            if reference and reference["status"] == "ok" and reference["ops_per_sec"] > 0:
                cell["ratio"] = cell["ops_per_sec"] / reference["ops_per_sec"]
            else:
                cell["ratio"] = None


def merge_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One adapter's child reports, one per round, as one report.

    An adapter that was skipped or broke in any round is reported as that round said; a cell
    that FAILED in any round stays FAILED (a wrong result is never averaged away); otherwise
    the cell's runs are all rounds' runs and its figure their median.
    """
    first = rounds[0]
    broken = next((r for r in rounds if r["status"] != "ok"), None)
    if broken is not None:
        return broken
    merged: dict[str, Any] = {key: value for key, value in first.items() if key != "results"}
    results: dict[str, dict[str, Any]] = {}
    for workload, cell in first.get("results", {}).items():
        cells = [r.get("results", {}).get(workload) or _failed("missing from a round") for r in rounds]
        failed = next((c for c in cells if c["status"] != "ok"), None)
        if failed is not None:
            results[workload] = failed
            continue
        runs = [rate for c in cells for rate in c["runs"]]
        results[workload] = dict(cell, runs=runs, ops_per_sec=statistics.median(runs))
    merged["results"] = results
    return merged


def run_all(
    url: str, adapters: Sequence[str], workloads: Sequence[str], repeats: int, sizes: Sizes,
    quick: bool = False, timeout: float = 900.0, progress: Callable[[str], None] | None = None,
    logged: bool = False, rounds: int = 1,
) -> dict[str, Any]:
    """Run every adapter in its own process, ``rounds`` turns each; the whole report (what
    ``--json`` writes)."""
    try:
        table = Table(url)
    except ImportError as e:
        _exit_usage(f"the runner needs psycopg ({e}); pip install -e '.[bench]'")
    except Exception as e:  # the server is unreachable or refuses us: say so, no traceback
        _exit_usage(f"cannot connect to {_redact(url)}: {_error_text(e)}")
    try:
        server_version = table.server_version()
        table.create(unlogged=not logged)
        turns: dict[str, list[dict[str, Any]]] = {name: [] for name in adapters}
        for round_number in range(1, rounds + 1):
            for name in adapters:
                done = turns[name]
                if done and done[-1]["status"] != "ok":
                    continue  # skipped or broken: another turn would say the same
                label = f"{name}, round {round_number}/{rounds}" if rounds > 1 else name
                if progress:
                    progress(f"{label} ...")
                started = time.perf_counter()
                done.append(_spawn(name, url, workloads, repeats, sizes, quick, timeout))
                if progress:
                    elapsed = time.perf_counter() - started
                    progress(f"{label}: {done[-1]['status']} ({elapsed:.1f} s)")
        results = [merge_rounds(turns[name]) for name in adapters]
    finally:
        try:
            table.drop()
        finally:
            table.close()
    add_ratios(results)
    libraries: dict[str, str] = {}
    for result in results:
        libraries.update(result.get("versions", {}))
    return {
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "cpu": _cpu_model(),
        },
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "postgresql": server_version,
        "libraries": dict(sorted(libraries.items())),
        "checkout": _checkout(),
        "url": _redact(url),
        "settings": {
            "repeats": repeats, "rounds": rounds, "rows": sizes.rows, "quick": quick,
            "pool_size": POOL_SIZE,
            "logged": logged,
        },
        "baseline": BASELINE,
        "workloads": [
            {
                "name": name,
                "unit": WORKLOADS[name].unit(sizes),
                "description": WORKLOADS[name].description,
            }
            for name in workloads
        ],
        "adapters": results,
    }


# -- the table -----------------------------------------------------------------------------------


def _rate(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def format_cell(cell: dict[str, Any] | None) -> str:
    """``1234 (0.71)``; FAILED cells never show a number."""
    if cell is None:
        return "-"
    if cell["status"] != "ok":
        return "FAILED"
    text = _rate(cell["ops_per_sec"])
    if cell.get("ratio") is not None:
        text += f" ({cell['ratio']:.2f})"
    if cell.get("threads"):
        text += " threads"
    return text


def header_line(report: dict[str, Any]) -> str:
    machine = report["machine"]
    cpu = f"{machine['cpu_count']} CPUs" + (f", {machine['cpu']}" if machine.get("cpu") else "")
    libraries = ", ".join(f"{k} {v}" for k, v in report["libraries"].items()) or "-"
    checkout = f" @ {report['checkout']}" if report.get("checkout") else ""
    return (
        f"machine: {machine['platform']} ({cpu}) | Python {report['python']} | "
        f"PostgreSQL {report['postgresql']} | {libraries}{checkout}"
    )


def _runs_text(settings: dict[str, Any]) -> str:
    rounds = settings.get("rounds", 1)
    if rounds == 1:
        return f"median of {settings['repeats']} runs"
    return (
        f"median of {rounds * settings['repeats']} runs ({rounds} rounds of "
        f"{settings['repeats']}, the adapters taking turns)"
    )


def format_report(report: dict[str, Any]) -> str:
    """The header, the table (rows: workloads, columns: adapters) and notes, as Markdown."""
    settings = report["settings"]
    shown = [a for a in report["adapters"] if a["status"] != "skipped"]
    lines = [
        header_line(report),
        "",
        f"operations per second, {_runs_text(settings)} (higher is better); "
        f"in brackets the ratio to {report['baseline']} in this run; "
        f"table of {settings['rows']} rows"
        f"{' (logged)' if settings.get('logged') else ' (UNLOGGED)'}, pools of {settings['pool_size']}",
        "",
    ]
    rows = [["workload"] + [a["adapter"] for a in shown]]
    for workload in report["workloads"]:
        name = workload["name"]
        row = [name]
        for adapter in shown:
            if adapter["status"] != "ok":
                row.append("ERROR")
            else:
                row.append(format_cell(adapter.get("results", {}).get(name)))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def render(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "| " + " | ".join(cells) + " |"

    lines.append(render(rows[0]))
    lines.append("|" + "|".join(["-" * (widths[0] + 2)] + ["-" * (w + 1) + ":" for w in widths[1:]]) + "|")
    lines.extend(render(row) for row in rows[1:])
    lines.append("")
    lines.append("one operation is:")
    lines.extend(f"- {w['name']}: {w['unit']}" for w in report["workloads"])
    if any(
        cell.get("threads")
        for a in shown
        for cell in a.get("results", {}).values()
    ):
        lines.append(
            f"- threads: a sync adapter, its concurrent gets run on {settings['pool_size']} threads"
        )
    notes = []
    for adapter in report["adapters"]:
        if adapter["status"] != "ok":
            reason = adapter.get("reason", "")
            if not reason.startswith(adapter["status"]):
                reason = f"{adapter['status']}: {reason}"
            notes.append(f"- {adapter['adapter']}: {reason}")
        for name, cell in adapter.get("results", {}).items():
            if cell["status"] != "ok":
                notes.append(f"- {adapter['adapter']} / {name}: FAILED: {cell['reason']}")
    if not any(a["adapter"] == report["baseline"] and a["status"] == "ok" for a in shown):
        notes.append(f"- no ratios: {report['baseline']} did not run")
    if notes:
        lines.append("")
        lines.append("notes:")
        lines.extend(notes)
    return "\n".join(lines)


# -- command line --------------------------------------------------------------------------------


def _exit_usage(message: str) -> NoReturn:
    """Usage and configuration errors: a message and exit code 2, no traceback."""
    print(f"bench: {message}", file=sys.stderr)
    raise SystemExit(2)


def _names(text: str | None, known: Sequence[str], what: str) -> list[str]:
    if not text:
        return list(known)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        _exit_usage(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(known)}")
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time the same workloads through raw drivers, this ORM and other ORMs, "
        "each adapter in its own process, and print operations per second and the ratio "
        f"to {BASELINE}.",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL,
        help="PostgreSQL URL (default: $BENCH_DATABASE_URL or %(default)s); the table "
        "bench_item is created there and dropped at the end",
    )
    parser.add_argument("--adapters", help=f"comma-separated, from: {', '.join(ADAPTERS)}")
    parser.add_argument("--workloads", help=f"comma-separated, from: {', '.join(WORKLOADS)}")
    parser.add_argument(
        "--repeats", type=int, default=2,
        help="timed runs per cell in each round (default 2)",
    )
    parser.add_argument(
        "--rounds", type=int, default=None,
        help="times the adapters take turns, each in a fresh process; a cell is the median "
        "of all rounds' runs (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--rows", type=int, default=None,
        help="rows in the table of the read workloads (default 1000; 60 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for tests")
    parser.add_argument("--json", metavar="PATH", help="write the whole report as JSON")
    parser.add_argument(
        "--logged", action="store_true",
        help="create bench_item as a normal (WAL-logged) table; by default it is UNLOGGED, so "
        "commits wait for no disk flush and the write workloads measure the libraries, "
        "not the disk",
    )
    parser.add_argument(
        "--timeout", type=float, default=None,
        help="seconds one adapter may take before it is stopped (default 900; 120 with --quick)",
    )
    # the child process's side of the runner
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.rows is not None and args.rows < 1:
        parser.error("--rows must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workloads = _names(args.workloads, list(WORKLOADS), "workload(s)")
    sizes = Sizes.make(rows=args.rows, quick=args.quick)
    if args.child:
        return child_main(args.child, args.out, args.url, workloads, args.repeats, sizes)
    adapters = _names(args.adapters, list(ADAPTERS), "adapter(s)")
    timeout = args.timeout if args.timeout is not None else (120.0 if args.quick else 900.0)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = run_all(
        args.url, adapters, workloads, args.repeats, sizes, args.quick, timeout, progress,
        logged=args.logged, rounds=args.rounds,
    )
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    failed = any(
        a["status"] == "error"
        or any(c["status"] != "ok" for c in a.get("results", {}).values())
        for a in report["adapters"]
    )
    return 1 if failed else 0
