"""The ``project`` fixture of the command-line tests: a throwaway project (support.Project)
on SQLite and on PostgreSQL, cleaned out of the shared PostgreSQL database afterwards."""

from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.migrations.support import Project


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request: pytest.FixtureRequest, tmp_path):
    if request.param == "postgresql" and not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ORM_REQUIRE_POSTGRES is set but ORM_TEST_POSTGRES_URL is not")
        pytest.skip("ORM_TEST_POSTGRES_URL is not set")
    p = Project(tmp_path / "proj", request.param, POSTGRES_URL)
    try:
        yield p
    finally:
        p.cleanup()
