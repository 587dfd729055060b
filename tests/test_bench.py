"""The benchmark runner (bench/): the command end to end on PostgreSQL, broken adapters
reported FAILED rather than with a figure, missing libraries skipped, and the table's format.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.adapters import AdapterUnavailable, load_adapter
from bench.run import _chunks, add_ratios, format_cell, format_report, merge_rounds, run_adapter
from bench.workloads import WORKLOADS, Sizes, Table
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="ORM_TEST_POSTGRES_URL is not set")


def _table_exists(url: str) -> bool:
    table = Table(url)
    try:
        return table.scalar("SELECT to_regclass('bench_item') IS NOT NULL") is True
    finally:
        table.close()


@needs_postgres
def test_quick_run_of_the_command_prints_every_workload_with_ratios(tmp_path: Path) -> None:
    """`python -m bench --quick` on three adapters (raw asyncpg, this ORM on asyncpg and on
    sync psycopg) runs every workload in child processes, verifies them all (no FAILED cell),
    prints a ratio to raw asyncpg in every cell, writes the JSON, and drops its table."""
    report_path = tmp_path / "bench.json"
    adapters = ["raw-asyncpg", "orm-asyncpg", "orm-sync-psycopg"]
    done = subprocess.run(
        [
            sys.executable, "-m", "bench", "--quick", "--repeats", "1",
            "--adapters", ",".join(adapters), "--url", POSTGRES_URL, "--json", str(report_path),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("machine: ") and "PostgreSQL" in lines[0] and "asyncpg" in lines[0]
    header = next(line for line in lines if line.startswith("| workload"))
    assert [c.strip() for c in header.strip("|").split("|")][1:] == adapters
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")[1:]]
        for line in lines
        if line.startswith("| ") and not line.startswith("| workload")
    }
    assert set(rows) == set(WORKLOADS)
    assert "FAILED" not in done.stdout
    for workload, cells in rows.items():
        assert len(cells) == len(adapters)
        assert cells[0].endswith("(1.00)"), (workload, cells)
        for cell in cells:
            assert cell.split()[1].startswith("(") and cell.split()[1].endswith(")"), cell
    assert rows["concurrent_get"][2].endswith("threads")  # the sync adapter's column

    report = json.loads(report_path.read_text())
    assert [a["adapter"] for a in report["adapters"]] == adapters
    for adapter in report["adapters"]:
        assert adapter["status"] == "ok"
        for cell in adapter["results"].values():
            assert cell["status"] == "ok" and cell["ops_per_sec"] > 0 and cell["ratio"] > 0
    assert not _table_exists(POSTGRES_URL)


def _wrong_row_adapter() -> Any:
    """Raw asyncpg, except that get_by_pk returns the next row: a fast, wrong adapter."""
    from bench.adapters.raw_asyncpg import RawAsyncpgAdapter  # asyncpg only when PG runs

    class WrongRow(RawAsyncpgAdapter):
        name = "wrong-row"

        async def get_by_pk(self, pk: int) -> Any:
            return await super().get_by_pk(pk + 1)

    return WrongRow()


class _RaisingSync:
    """A sync adapter whose count fails: an exception must become a FAILED cell too."""

    name = "raising-sync"
    is_async = False

    def open(self, url: str, pool_size: int) -> None:
        pass

    def close(self) -> None:
        pass

    def count_filtered(self, category: int) -> int:
        raise RuntimeError("the database went away")


@needs_postgres
def test_an_adapter_returning_wrong_rows_or_raising_is_reported_failed() -> None:
    """A wrong row from get_by_pk, or an exception, marks that cell FAILED with the reason
    and no figure, while the adapter's correct workloads still get their numbers."""
    table = Table(POSTGRES_URL)
    table.create()
    try:
        sizes = Sizes.make(quick=True)
        cells = run_adapter(
            _wrong_row_adapter(), POSTGRES_URL, ["get_by_pk", "count_filtered"], 1, sizes
        )
        assert cells["get_by_pk"]["status"] == "FAILED"
        assert "warm-up" in cells["get_by_pk"]["reason"]
        assert "expected" in cells["get_by_pk"]["reason"]
        assert "ops_per_sec" not in cells["get_by_pk"]
        assert format_cell(cells["get_by_pk"]) == "FAILED"
        assert cells["count_filtered"]["status"] == "ok"
        assert cells["count_filtered"]["ops_per_sec"] > 0

        cells = run_adapter(_RaisingSync(), POSTGRES_URL, ["count_filtered"], 1, sizes)
        assert cells["count_filtered"]["status"] == "FAILED"
        assert "RuntimeError: the database went away" in cells["count_filtered"]["reason"]
    finally:
        table.drop()
        table.close()


def test_missing_libraries_and_adapter_modules_are_skipped_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An adapter whose `requires` is not installed, whose module imports a missing library,
    or whose module does not exist is reported as skipped with the reason."""
    (tmp_path / "bench_fake_adapters.py").write_text(
        "class NeedsLib:\n"
        "    requires = ('no_such_library_xyz',)\n"
    )
    (tmp_path / "bench_fake_imports.py").write_text(
        "import no_such_library_abc\n"
        "class Adapter:\n"
        "    requires = ()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = {
        "needs": "bench_fake_adapters:NeedsLib",
        "imports": "bench_fake_imports:Adapter",
        "absent": "bench_no_such_adapter_module:Adapter",
    }
    with pytest.raises(AdapterUnavailable, match=r"^skipped: no_such_library_xyz not installed$"):
        load_adapter("needs", registry)
    with pytest.raises(AdapterUnavailable, match=r"^skipped: no_such_library_abc not installed$"):
        load_adapter("imports", registry)
    with pytest.raises(AdapterUnavailable, match="adapter module bench_no_such_adapter_module"):
        load_adapter("absent", registry)


def _report(adapters: list[dict[str, Any]]) -> dict[str, Any]:
    sizes = Sizes.make(quick=True)
    return {
        "machine": {"platform": "Linux", "cpu_count": 2, "cpu": None},
        "python": "CPython 3.11",
        "postgresql": "16.0",
        "libraries": {"asyncpg": "0.30"},
        "checkout": None,
        "settings": {"repeats": 3, "rows": sizes.rows, "quick": True, "pool_size": 10},
        "baseline": "raw-asyncpg",
        "workloads": [
            {"name": name, "unit": WORKLOADS[name].unit(sizes), "description": ""}
            for name in ("get_by_pk", "concurrent_get")
        ],
        "adapters": adapters,
    }


def _ok(rate: float, threads: bool = False) -> dict[str, Any]:
    return {"status": "ok", "ops": 10, "ops_per_sec": rate, "runs": [rate], "threads": threads}


def test_the_table_shows_ratios_failures_threads_and_skipped_adapters() -> None:
    """Cells read `ops/s (ratio)`; a FAILED cell shows no number and its reason goes to the
    notes; sync adapters' concurrent cells say `threads`; skipped adapters get no column."""
    adapters: list[dict[str, Any]] = [
        {"adapter": "raw-asyncpg", "status": "ok",
         "results": {"get_by_pk": _ok(10000.0), "concurrent_get": _ok(20000.0)}},
        {"adapter": "orm-sync-psycopg", "status": "ok",
         "results": {"get_by_pk": _ok(7100.0), "concurrent_get": _ok(5000.0, threads=True)}},
        {"adapter": "broken", "status": "ok",
         "results": {"get_by_pk": {"status": "FAILED", "reason": "call 0: wrong name", "ops": 10},
                     "concurrent_get": _ok(99999.0)}},
        {"adapter": "tortoise", "status": "skipped", "reason": "skipped: tortoise not installed"},
    ]
    add_ratios(adapters)
    text = format_report(_report(adapters))
    rows = {
        line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")[1:]]
        for line in text.splitlines()
        if line.startswith("| ")
    }
    assert rows["workload"] == ["raw-asyncpg", "orm-sync-psycopg", "broken"]
    assert rows["get_by_pk"] == ["10000 (1.00)", "7100 (0.71)", "FAILED"]
    assert rows["concurrent_get"] == ["20000 (1.00)", "5000 (0.25) threads", "99999 (5.00)"]
    assert "- broken / get_by_pk: FAILED: call 0: wrong name" in text
    assert "- tortoise: skipped: tortoise not installed" in text


def test_concurrent_calls_are_split_in_order() -> None:
    """The concurrent workload's calls are cut into one run per task; put back together
    they are the calls in their order (verification matches results to calls by position)."""
    calls = [(i,) for i in range(2000)]
    chunks = _chunks(calls, 200)
    assert len(chunks) == 200
    assert [c for chunk in chunks for c in chunk] == calls
    assert len(_chunks(calls[:7], 200)) == 7


def test_rounds_merge_into_one_median_and_keep_failures() -> None:
    """An adapter's rounds become one column: a cell's figure is the median of every round's
    runs; a cell that FAILED in any round stays FAILED; an adapter broken in any round is
    reported broken; the table says how many runs and rounds each cell stands for."""
    def cell(*runs: float) -> dict[str, Any]:
        return {"status": "ok", "ops": 10, "ops_per_sec": runs[0], "runs": list(runs),
                "threads": False}

    failed = {"status": "FAILED", "reason": "run 1: wrong row", "ops": 10}
    rounds = [
        {"adapter": "orm-asyncpg", "status": "ok", "versions": {"orm": "0.1"},
         "results": {"get_by_pk": cell(100.0, 400.0), "concurrent_get": cell(5.0)}},
        {"adapter": "orm-asyncpg", "status": "ok", "versions": {"orm": "0.1"},
         "results": {"get_by_pk": cell(200.0, 300.0), "concurrent_get": failed}},
        {"adapter": "orm-asyncpg", "status": "ok", "versions": {"orm": "0.1"},
         "results": {"get_by_pk": cell(1000.0), "concurrent_get": cell(6.0)}},
    ]
    merged = merge_rounds(rounds)
    assert merged["status"] == "ok" and merged["versions"] == {"orm": "0.1"}
    assert merged["results"]["get_by_pk"]["runs"] == [100.0, 400.0, 200.0, 300.0, 1000.0]
    assert merged["results"]["get_by_pk"]["ops_per_sec"] == 300.0
    assert merged["results"]["concurrent_get"] == failed

    broken = {"adapter": "orm-asyncpg", "status": "error", "reason": "timed out after 900 s"}
    assert merge_rounds([rounds[0], broken]) == broken

    report = _report([dict(merged, adapter="raw-asyncpg")])
    report["settings"]["rounds"] = 3
    report["settings"]["repeats"] = 2
    assert "median of 6 runs (3 rounds of 2, the adapters taking turns)" in format_report(report)
