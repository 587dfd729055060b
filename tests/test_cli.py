"""The `orm` command line's shape: help, usage errors and `python -m migrations`. What the
commands do is tested end to end in tests/migrations/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from migrations.cli import main


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    for command in ("makemigrations", "migrate", "showmigrations", "sqlmigrate"):
        assert command in out


def test_python_dash_m_migrations_reaches_the_same_command_line(tmp_path):
    """Outside a project it explains the missing configuration and exits 2."""
    result = subprocess.run(
        [sys.executable, "-m", "migrations", "showmigrations"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("orm showmigrations: no [tool.orm] section")


def test_the_orm_script_is_installed():
    """pip installs the `orm` console script with the package."""
    script = shutil.which("orm", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "makemigrations" in result.stdout


def test_unknown_app_is_a_usage_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.orm]\napps = ["blog"]\n[tool.orm.databases]\ndefault = "sqlite:///db.sqlite3"\n'
    )
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog" / "__init__.py").write_text("")
    (tmp_path / "blog" / "models.py").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "migrations", "makemigrations", "shop"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 2
    assert "no app 'shop'" in result.stderr
