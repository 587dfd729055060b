"""The `orm` commands one by one: exit codes, refusals, conflicts, failures that roll back,
data migrations, and the Python API. Each runs in a throwaway project (tests/migrations/
support.py) on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import migrations
import orm
from tests.migrations.support import REPO, Project, expected_mismatches

ITEM = '''
class Item(models.Model):
    name = models.CharField(max_length=40)

    class Meta:
        db_table = "{app}_item"
'''


def test_check_exits_1_with_pending_changes_and_0_without(project: Project):
    """makemigrations --check writes nothing and fails while the models have changes without
    a migration; once the migration exists it passes."""
    project.write_models(ITEM)
    result = project.run("makemigrations", "--check", expect=1)
    assert "0001_initial" in result.stdout
    assert project.migration_files() == []
    project.run("makemigrations")
    result = project.run("makemigrations", "--check")
    assert "No changes detected" in result.stdout


def test_dry_run_prints_the_file_and_writes_nothing(project: Project):
    project.write_models(ITEM)
    result = project.run("makemigrations", "--dry-run")
    assert "class Migration(migrations.Migration)" in result.stdout
    assert "migrations.CreateModel(" in result.stdout
    assert project.migration_files() == []


def test_a_new_not_null_field_without_default_is_refused_with_what_to_do(project: Project):
    """Existing rows would have no value: the command says to give a default or null=True,
    names the field, and writes nothing."""
    project.write_models(ITEM)
    project.run("makemigrations")
    project.write_models(ITEM.replace(
        "    name = models.CharField(max_length=40)\n",
        "    name = models.CharField(max_length=40)\n    code = models.CharField(max_length=10)\n",
    ))
    result = project.run("makemigrations", expect=1)
    assert f"{project.app}.Item.code" in result.stderr
    assert "default" in result.stderr and "null=True" in result.stderr
    assert project.migration_files() == ["0001_initial"]


def test_name_and_empty_write_an_empty_migration_with_the_given_name(project: Project):
    project.write_models(ITEM)
    project.run("makemigrations")
    project.run("makemigrations", "--empty", "--name", "fill_in")
    assert project.migration_files() == ["0001_initial", "0002_fill_in"]
    source = (project.migrations_dir / "0002_fill_in.py").read_text()
    assert f'("{project.app}", "0001_initial")' in source
    project.run("migrate")
    assert project.history() == ["0001_initial", "0002_fill_in"]


def test_two_latest_migrations_are_a_conflict_until_merged(project: Project):
    """Two migrations that both follow 0001 (two branches): migrate refuses and names
    --merge; makemigrations --merge writes a migration depending on both; then migrate works."""
    project.write_models(ITEM)
    project.run("makemigrations")
    for name, column in (("0002_left", "left"), ("0002_right", "right")):
        project.write_migration(name, f'''
            import migrations
            from orm import models


            class Migration(migrations.Migration):
                dependencies = [("{{app}}", "0001_initial")]
                operations = [
                    migrations.AddField(model_name="item", name="{column}", field=models.IntegerField(null=True)),
                ]
            ''')
    result = project.run("migrate", expect=1)
    assert "--merge" in result.stderr and "0002_left" in result.stderr
    project.run("makemigrations", "--merge")
    merge = project.migration_files()[-1]
    assert merge.startswith("0003_merge")
    project.run("migrate")
    assert project.history()[-1] == merge
    columns = set(project.schema()[f"{project.app}_item"].columns)
    assert {"left", "right"} <= columns


def test_a_failing_migration_leaves_schema_and_history_as_they_were(project: Project):
    """RunSQL whose second statement fails: the table its first statement created is gone
    and the migration is not recorded, on PostgreSQL and on SQLite alike (both run DDL in
    the migration's transaction)."""
    project.write_models(ITEM)
    project.run("makemigrations")
    project.run("migrate")
    project.write_migration("0002_broken", '''
        import migrations


        class Migration(migrations.Migration):
            dependencies = [("{app}", "0001_initial")]
            operations = [
                migrations.RunSQL('CREATE TABLE "{app}_half" ("id" integer)'),
                migrations.RunSQL('INSERT INTO "{app}_nowhere" VALUES (1)'),
            ]
        ''')
    before = project.schema()
    result = project.run("migrate", expect=1)
    assert "0002_broken" in result.stdout + result.stderr
    assert project.schema() == before
    assert f"{project.app}_half" not in project.schema()
    assert project.history() == ["0001_initial"]


def test_run_python_sync_and_async_functions_use_the_models_of_their_migration(project: Project):
    """Data migrations: a sync function and an async one, each getting the model as it was at
    that migration through apps.get_model(), inside the migration's transaction."""
    project.write_models(ITEM)
    project.run("makemigrations")
    project.write_migration("0002_data", '''
        import migrations


        def fill(apps, schema_editor):
            Item = apps.get_model("{app}", "Item")
            Item.objects.bulk_create([Item(name="sync-1"), Item(name="sync-2")])


        def unfill(apps, schema_editor):
            apps.get_model("{app}", "Item").objects.filter(name__startswith="sync").delete()


        async def afill(apps, schema_editor):
            Item = apps.get_model("{app}", "Item")
            await Item.objects.acreate(name="async-" + str(await Item.objects.acount()))


        class Migration(migrations.Migration):
            dependencies = [("{app}", "0001_initial")]
            operations = [
                migrations.RunPython(fill, unfill),
                migrations.RunPython(afill, migrations.RunPython.noop),
            ]
        ''')
    project.run("migrate")
    names = [r[0] for r in project.sql(f'SELECT "name" FROM "{project.app}_item" ORDER BY "id"')]
    assert names == ["sync-1", "sync-2", "async-2"]
    project.run("migrate", project.app, "0001_initial")
    names = [r[0] for r in project.sql(f'SELECT "name" FROM "{project.app}_item" ORDER BY "id"')]
    assert names == ["async-2"]


def test_irreversible_operations_stop_a_backwards_migration(project: Project):
    project.write_models(ITEM)
    project.run("makemigrations")
    project.write_migration("0002_oneway", '''
        import migrations


        class Migration(migrations.Migration):
            dependencies = [("{app}", "0001_initial")]
            operations = [migrations.RunSQL('UPDATE "{app}_item" SET "name" = \\'x\\'')]
        ''')
    project.run("migrate")
    result = project.run("migrate", project.app, "0001_initial", expect=1)
    assert "cannot be reversed" in result.stderr
    assert project.history() == ["0001_initial", "0002_oneway"]


def test_showmigrations_sqlmigrate_plan_and_fake(project: Project):
    """showmigrations marks applied ones [X]; sqlmigrate prints the CREATE TABLE (and the DROP
    with --backwards); --plan runs nothing; --fake records without running."""
    project.write_models(ITEM)
    project.run("makemigrations")
    shown = project.run("showmigrations").stdout
    assert f"{project.app}\n [ ] 0001_initial" in shown
    sql = project.run("sqlmigrate", project.app, "0001_initial").stdout
    assert "CREATE TABLE" in sql and f"{project.app}_item" in sql
    assert "DROP TABLE" in project.run("sqlmigrate", project.app, "0001_initial", "--backwards").stdout
    plan = project.run("migrate", "--plan").stdout
    assert f"Apply {project.app}.0001_initial" in plan
    assert project.schema() == {}
    project.run("migrate", "--fake")
    assert project.history() == ["0001_initial"]
    assert project.schema() == {}
    assert " [X] 0001_initial" in project.run("showmigrations").stdout
    project.run("migrate", project.app, "zero", "--fake")
    project.run("migrate")
    assert f"{project.app}_item" in project.schema()


def test_ambiguous_field_renames_are_asked_with_interactive(project: Project):
    """Two fields replaced by two others of the same definition: without --interactive the
    command warns and writes removals and additions; with it, the answers make renames."""
    two = ITEM.replace(
        "    name = models.CharField(max_length=40)\n",
        "    a = models.CharField(max_length=40, default='')\n    b = models.CharField(max_length=40, default='')\n",
    )
    project.write_models(two)
    project.run("makemigrations")
    renamed = two.replace("    a = ", "    c = ").replace("    b = ", "    d = ")
    project.write_models(renamed)
    result = project.run("makemigrations", "--dry-run")
    assert "ambiguous" in result.stderr
    assert "RemoveField" in result.stdout or "Remove field" in result.stdout
    result = project.run("makemigrations", "--interactive", input="y\nn\ny\n")
    source = (project.migrations_dir / f"{project.migration_files()[-1]}.py").read_text()
    assert source.count("migrations.RenameField(") == 2
    assert "RemoveField" not in source


def test_python_api_sync_and_async(project: Project, monkeypatch):
    """migrations.migrate() and await migrations.amigrate() run the same engine as the
    command line, for a project loaded from its pyproject.toml."""
    project.write_models(ITEM)
    project.run("makemigrations")
    monkeypatch.syspath_prepend(str(project.root))
    loaded = migrations.load_project(project.root)
    orm.setup(databases=loaded.databases)
    try:
        plan = migrations.migrate(project=loaded)
        assert [m.name for m, backwards in plan.steps] == ["0001_initial"]
        assert not expected_mismatches(project.models(), project.schema())
        orm.setup(databases=loaded.databases)

        async def back() -> None:
            try:
                await migrations.amigrate(project.app, "zero", project=loaded)
            finally:
                await orm.aclose()

        asyncio.run(back())
    finally:
        orm.close()
    assert project.schema() == {}


def test_no_configuration_is_a_clear_error(tmp_path):
    """Outside a project the command says what to write where, and exits 2."""
    result = subprocess.run(
        [sys.executable, "-m", "migrations", "showmigrations"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PATH": "", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 2
    assert "[tool.orm]" in result.stderr and "pyproject.toml" in result.stderr


def test_database_option_and_environment_override_the_configured_url(tmp_path):
    """--database beats DATABASE_URL, which beats [tool.orm.databases]."""
    root = tmp_path
    (root / "pyproject.toml").write_text('[tool.orm]\napps = ["blog"]\n[tool.orm.databases]\ndefault = "sqlite:///a.db"\n')
    assert migrations.load_project(root, environ={}).databases["default"] == "sqlite:///a.db"
    env = {"DATABASE_URL": "sqlite:///b.db"}
    assert migrations.load_project(root, environ=env).databases["default"] == "sqlite:///b.db"
    assert migrations.load_project(root, "sqlite:///c.db", environ=env).databases["default"] == "sqlite:///c.db"


def test_relations_across_apps_make_migrations_depend_on_each_other(project: Project):
    """A model in a second app points at one of the first app's models: its migration depends
    on the first app's, so `migrate` creates the tables in the right order, and `zero` on the
    first app unapplies the second app's migration first."""
    project.write_models(ITEM)
    other = project.add_app("extra", '''
        class Review(models.Model):
            item = models.ForeignKey("{app}.Item", on_delete=models.CASCADE)
            stars = models.IntegerField(default=3)

            class Meta:
                db_table = "{other}_review"
        ''')
    project.run("makemigrations")
    source = (project.root / other / "migrations" / "0001_initial.py").read_text()
    assert f'("{project.app}", "0001_initial")' in source
    project.run("migrate")
    assert expected_mismatches(project.models(), project.schema()) == []
    project.run("migrate", project.app, "zero")
    assert project.schema() == {}
    assert project.history() == []


def test_renaming_a_model_with_a_default_table_name_renames_its_table(project: Project):
    """Without Meta.db_table the table follows the class name: the rename is a RenameModel
    and an AlterModelTable, and the rows move with the table."""
    project.write_models("class Gadget(models.Model):\n    name = models.CharField(max_length=40)\n")
    project.run("makemigrations")
    project.run("migrate")
    project.sql('INSERT INTO "gadget" ("name") VALUES (%s)', ["kept"])
    try:
        project.write_models("class Gizmo(models.Model):\n    name = models.CharField(max_length=40)\n")
        project.run("makemigrations")
        source = (project.migrations_dir / f"{project.migration_files()[-1]}.py").read_text()
        assert "migrations.RenameModel(" in source and "migrations.AlterModelTable(" in source
        project.run("migrate")
        assert project.sql('SELECT "name" FROM "gizmo"') == [("kept",)]
    finally:
        project.run("migrate", project.app, "zero", expect=None)
