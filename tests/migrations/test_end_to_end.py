"""The `orm` command line end to end, in throwaway projects on SQLite and PostgreSQL.

The main scenario starts from nothing and walks the models through every kind of change the
autodetector knows (create, add/alter/remove/rename field, rename/delete model, indexes,
constraints, unique_together, many-to-many join tables, table renames), running
makemigrations and migrate after each, then goes back to an earlier migration and to zero.
After every step the schema, read back by introspection, must match the models, and rows in
kept columns must survive.
"""

from __future__ import annotations

from tests.migrations.support import Project, expected_mismatches

V1 = '''
class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)

    class Meta:
        db_table = "{app}_customer"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        db_table = "{app}_order"
'''

# Added: a model, fields (nullable; NOT NULL with a default), a many-to-many, an index.
V2 = '''
class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=20, null=True)
    vip = models.BooleanField(default=False)

    class Meta:
        db_table = "{app}_customer"


class Tag(models.Model):
    label = models.CharField(max_length=30, unique=True)

    class Meta:
        db_table = "{app}_tag"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    note = models.CharField(max_length=50, default="")
    tags = models.ManyToManyField(Tag, related_name="orders")

    class Meta:
        db_table = "{app}_order"
        indexes = [models.Index(fields=["total"], name="{app}_order_total")]
'''

# Altered: a longer name, phone NOT NULL with a default, a db_index; a unique_together and a
# check constraint.
V3 = '''
class Customer(models.Model):
    name = models.CharField(max_length=200, db_index=True)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=20, default="")
    vip = models.BooleanField(default=False)

    class Meta:
        db_table = "{app}_customer"


class Tag(models.Model):
    label = models.CharField(max_length=30, unique=True)

    class Meta:
        db_table = "{app}_tag"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    note = models.CharField(max_length=50, default="")
    tags = models.ManyToManyField(Tag, related_name="orders")

    class Meta:
        db_table = "{app}_order"
        indexes = [models.Index(fields=["total"], name="{app}_order_total")]
        unique_together = [("customer", "note")]
        constraints = [models.CheckConstraint(check=models.Q(total__gte=0), name="{app}_total_gte_0")]
'''

# Renamed: Customer.name -> full_name, model Tag -> Label (same table).
V4 = V3.replace("    name = models.CharField(max_length=200, db_index=True)",
                "    full_name = models.CharField(max_length=200, db_index=True)").replace(
    "class Tag(", "class Label(").replace("ManyToManyField(Tag,", "ManyToManyField(Label,")

# Removed: a field, the index, the constraint, unique_together, the many-to-many.
V5 = '''
class Customer(models.Model):
    full_name = models.CharField(max_length=200, db_index=True)
    email = models.EmailField(unique=True)
    vip = models.BooleanField(default=False)

    class Meta:
        db_table = "{app}_customer"


class Label(models.Model):
    label = models.CharField(max_length=30, unique=True)

    class Meta:
        db_table = "{app}_tag"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    note = models.CharField(max_length=50, default="")

    class Meta:
        db_table = "{app}_order"
'''

# Deleted: a model; a table renamed.
V6 = '''
class Customer(models.Model):
    full_name = models.CharField(max_length=200, db_index=True)
    email = models.EmailField(unique=True)
    vip = models.BooleanField(default=False)

    class Meta:
        db_table = "{app}_customer"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    note = models.CharField(max_length=50, default="")

    class Meta:
        db_table = "{app}_orders"
'''


def step(project: Project, models: str) -> str:
    """Write the models, make a migration for them, apply it, and check the schema. Returns
    the new migration's name."""
    project.write_models(models)
    before = set(project.migration_files())
    project.run("makemigrations")
    new = sorted(set(project.migration_files()) - before)
    assert len(new) == 1, new
    project.run("migrate")
    assert_matches(project)
    project.run("makemigrations", "--check")  # nothing left to write
    return new[0]


def assert_matches(project: Project) -> None:
    problems = expected_mismatches(project.models(), project.schema())
    assert problems == []


def test_every_kind_of_change_forwards_then_back_to_an_earlier_state_and_to_zero(project: Project):
    """Each migration brings the schema to what the models say; data in kept columns
    survives; migrating back to 0002 gives the V2 schema again, and zero drops everything."""
    app = project.app
    first = step(project, V1)
    assert first == "0001_initial"
    assert project.history() == ["0001_initial"]
    project.sql(f'INSERT INTO "{app}_customer" ("name", "email") VALUES (%s, %s)', ["Ann", "ann@example.com"])
    project.sql(f'INSERT INTO "{app}_order" ("customer_id", "total") VALUES (1, %s)', ["12.50"])

    second = step(project, V2)
    assert project.sql(f'SELECT "name", "vip", "phone" FROM "{app}_customer"') == [("Ann", False, None)]
    assert project.sql(f'SELECT "note" FROM "{app}_order"') == [("",)]

    step(project, V3)
    assert project.sql(f'SELECT "name", "phone" FROM "{app}_customer"') == [("Ann", "")]

    step(project, V4)
    assert project.sql(f'SELECT "full_name" FROM "{app}_customer"') == [("Ann",)]
    fourth = project.migration_files()[-1]
    source = (project.migrations_dir / f"{fourth}.py").read_text()
    assert "RenameField" in source and "RenameModel" in source

    step(project, V5)
    step(project, V6)
    assert project.sql(f'SELECT "customer_id" FROM "{app}_orders"') == [(1,)]
    assert project.sql(f'SELECT "full_name", "email" FROM "{app}_customer"') == [("Ann", "ann@example.com")]

    # Back to the second migration: the schema is V2's again, the data kept.
    project.run("migrate", app, second)
    project.write_models(V2)
    assert_matches(project)
    assert project.sql(f'SELECT "name", "email" FROM "{app}_customer"') == [("Ann", "ann@example.com")]
    assert project.history() == ["0001_initial", second]

    # Forward again to the latest, then to zero.
    project.write_models(V6)
    project.run("migrate")
    assert_matches(project)
    project.run("migrate", app, "zero")
    assert project.schema() == {}
    assert project.history() == []
