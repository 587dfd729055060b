"""The autodetector, in process and without a database: for each kind of change between two
project states, the operations it returns and their order; the questions and warnings of
ambiguous renames; the changes it refuses; cross-app dependencies; migration names.

Every scenario also checks the autodetector's contract: the returned operations, applied with
``state_forwards`` to the ``before`` state, give a state equal to ``after`` (and that state
renders into model classes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from migrations.autodetector import AppChanges, Autodetector, MigrationError, migration_name
from migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    Operation,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameModel,
    RunSQL,
)
from migrations.state import ModelState, ProjectState
from orm import models
from orm.model import registry

APP = "shop"


# -- building states --------------------------------------------------------------------------
def model(name: str, *fields: tuple[str, Any], app: str = APP, **options: Any) -> ModelState:
    """A model state with an ``id`` primary key first; db_table defaults to ``app_name``."""
    options.setdefault("db_table", f"{app}_{name.lower()}")
    return ModelState(app, name, [("id", models.BigAutoField(primary_key=True)), *fields], options)


def project(*states: ModelState) -> ProjectState:
    return ProjectState({s.key: s for s in states})


def char(max_length: int = 20, **kwargs: Any) -> models.CharField:
    return models.CharField(max_length=max_length, **kwargs)


def fk(to: str, **kwargs: Any) -> models.ForeignKey:
    kwargs.setdefault("on_delete", models.CASCADE)
    return models.ForeignKey(to, **kwargs)


# -- running the autodetector -----------------------------------------------------------------
@dataclass
class Detected:
    changes: dict[str, AppChanges]
    warnings: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def ops(self, app: str = APP) -> list[Operation]:
        return self.changes[app].operations if app in self.changes else []

    def summary(self, app: str = APP) -> list[str]:
        return [summarize(op) for op in self.ops(app)]


def summarize(op: Operation) -> str:
    """A short, comparable description: the class and what it acts on."""
    name = type(op).__name__
    if isinstance(op, CreateModel):
        return f"CreateModel {op.name}({', '.join(n for n, _ in op.fields)})"
    if isinstance(op, DeleteModel):
        return f"DeleteModel {op.name}"
    if isinstance(op, RenameModel):
        return f"RenameModel {op.old_name}->{op.new_name}"
    if isinstance(op, AlterModelTable):
        return f"AlterModelTable {op.name}={op.table}"
    if isinstance(op, RenameField):
        return f"RenameField {op.model_name}.{op.old_name}->{op.new_name}"
    if isinstance(op, AddField | RemoveField | AlterField):
        return f"{name} {op.model_name}.{op.name}"
    if isinstance(op, AlterUniqueTogether):
        return f"AlterUniqueTogether {op.name}={op.unique_together}"
    if isinstance(op, AlterModelOptions):
        return f"AlterModelOptions {op.name}={op.options}"
    if isinstance(op, AddIndex | RemoveIndex):
        return f"{name} {op.model_name}{op.index.fields}"
    if isinstance(op, AddConstraint):
        return f"AddConstraint {op.model_name}.{op.constraint.name}"
    if isinstance(op, RemoveConstraint):
        return f"RemoveConstraint {op.model_name}.{op.name}"
    return name


def apply(before: ProjectState, changes: dict[str, AppChanges]) -> ProjectState:
    """``before`` with every app's operations applied, apps in dependency order."""
    state = before.clone()
    pending = dict(changes)
    while pending:
        ready = sorted(a for a, c in pending.items() if not (c.depends_on_apps & set(pending)) - {a})
        assert ready, f"apps depend on each other in a loop: {pending}"
        for app in ready:
            operations: list[Any] = pending.pop(app).operations
            for op in operations:
                op.state_forwards(app, state)
    return state


def detect(
    before: ProjectState,
    after: ProjectState,
    apps: set[str] | None = None,
    answer: Callable[[str], bool] | None = None,
) -> Detected:
    """Run the autodetector (``answer`` plays the user of --interactive) and check its
    contract on the result."""
    questions: list[str] = []
    warnings: list[str] = []
    ask = None
    if answer is not None:

        def ask(question: str) -> bool:
            questions.append(question)
            return answer(question)

    if apps is None:
        apps = {key[0] for key in [*before.models, *after.models]}
    changes = Autodetector(before, after, ask=ask, warn=warnings.append).changes(apps)
    detected = Detected(changes, warnings, questions)
    if apps >= {key[0] for key in [*before.models, *after.models]}:
        assert_contract(before, after, changes)
    return detected


def assert_contract(before: ProjectState, after: ProjectState, changes: dict[str, AppChanges]) -> None:
    state = apply(before, changes)
    assert state == after, _state_diff(state, after)
    assert state.apps.get_models() is not None  # renders: every relation resolves in the state


def _state_diff(got: ProjectState, want: ProjectState) -> str:
    lines = []
    for key in sorted(set(got.models) | set(want.models)):
        g, w = got.models.get(key), want.models.get(key)
        if g is None or w is None:
            lines.append(f"{key}: {'missing' if g is None else 'extra'}")
        elif g != w:
            lines.append(
                f"{key}: fields {[(n, f.deconstruct()[1:]) for n, f in g.fields.items()]} "
                f"options {g.options} != fields {[(n, f.deconstruct()[1:]) for n, f in w.fields.items()]} "
                f"options {w.options}"
            )
    return "; ".join(lines)


def no(question: str) -> bool:
    return False


# -- models -------------------------------------------------------------------------------------
def test_nothing_changed_gives_no_changes():
    """Equal states give an empty result, not an app with an empty operation list."""
    state = project(model("Author", ("name", char())))
    assert detect(state, state.clone()).changes == {}


def test_create_model_carries_its_fields_and_options():
    """A new model becomes one CreateModel with every field (in declaration order) and its
    table options."""
    author = model("Author", ("name", char()), ordering=["name"])
    detected = detect(project(), project(author))
    assert detected.summary() == ["CreateModel Author(id, name)"]
    (op,) = detected.ops()
    assert op.options == {"db_table": "shop_author", "ordering": ["name"]}
    assert detected.changes[APP].depends_on_apps == set()


def test_delete_model():
    """A model that is gone becomes DeleteModel."""
    author = model("Author", ("name", char()))
    tag = model("Tag", ("label", char()))
    detected = detect(project(author, tag), project(tag))
    assert detected.summary() == ["DeleteModel Author"]


def test_deleted_models_pointing_at_each_other_go_dependents_first():
    """Of two deleted models, the one holding the foreign key goes first (the other is
    pointed at)."""
    author = model("Author", ("name", char()))
    book = model("Book", ("author", fk("shop.Author")))
    detected = detect(project(author, book), project())
    assert detected.summary() == ["DeleteModel Book", "DeleteModel Author"]


def test_new_models_are_created_after_the_models_they_point_at():
    """CreateModel operations come in foreign-key order, whatever the order of the state."""
    review = model("Review", ("book", fk("shop.Book")))
    book = model("Book", ("author", fk("shop.Author")), ("title", char()))
    author = model("Author", ("name", char()))
    detected = detect(project(), project(review, book, author))
    assert detected.summary() == [
        "CreateModel Author(id, name)",
        "CreateModel Book(id, author, title)",
        "CreateModel Review(id, book)",
    ]


def test_new_models_pointing_at_each_other_break_the_cycle_with_add_field():
    """Two new models with foreign keys to each other: one is created without its relation,
    the other with it, and the relation is added afterwards by AddField."""
    writer = model("Writer", ("name", char()), ("favourite", fk("shop.Book", null=True)))
    book = model("Book", ("title", char()), ("writer", fk("shop.Writer")))
    detected = detect(project(), project(writer, book))
    assert detected.summary() == [
        "CreateModel Writer(id, name)",
        "CreateModel Book(id, title, writer)",
        "AddField Writer.favourite",
    ]


def test_a_self_reference_is_no_cycle():
    """A foreign key to the model itself is created with the model."""
    category = model("Category", ("parent", fk("shop.Category", null=True)))
    detected = detect(project(), project(category))
    assert detected.summary() == ["CreateModel Category(id, parent)"]


# -- fields -------------------------------------------------------------------------------------
def test_add_fields_nullable_with_default_and_many_to_many():
    """New fields become AddField each: a nullable one, a NOT NULL one with a default, a
    many-to-many one."""
    tag = model("Tag", ("label", char()))
    before = project(tag, model("Book", ("title", char())))
    after = project(
        tag,
        model(
            "Book",
            ("title", char()),
            ("subtitle", char(null=True)),
            ("pages", models.IntegerField(default=0)),
            ("tags", models.ManyToManyField("shop.Tag")),
        ),
    )
    detected = detect(before, after)
    assert detected.summary() == ["AddField Book.subtitle", "AddField Book.pages", "AddField Book.tags"]
    assert detected.ops()[1].field.default == 0


def test_remove_fields_plain_and_many_to_many():
    """Fields that are gone become RemoveField, a many-to-many one too."""
    tag = model("Tag", ("label", char()))
    before = project(
        tag,
        model("Book", ("title", char()), ("pages", models.IntegerField()), ("tags", models.ManyToManyField("shop.Tag"))),
    )
    after = project(tag, model("Book", ("title", char())))
    detected = detect(before, after)
    assert detected.summary() == ["RemoveField Book.pages", "RemoveField Book.tags"]


def test_alter_field():
    """A field whose definition changes becomes AlterField carrying the new definition."""
    before = project(model("Book", ("title", char(20))))
    after = project(model("Book", ("title", char(50, db_index=True))))
    detected = detect(before, after)
    assert detected.summary() == ["AlterField Book.title"]
    assert detected.ops()[0].field.max_length == 50


def test_field_becoming_many_to_many_is_removed_and_added():
    """A column cannot become a join table: the field is removed and added again."""
    tag = model("Tag")
    before = project(tag, model("Book", ("tags", char())))
    after = project(tag, model("Book", ("tags", models.ManyToManyField("shop.Tag"))))
    detected = detect(before, after)
    assert sorted(detected.summary()) == ["AddField Book.tags", "RemoveField Book.tags"]
    # The removal must come first: both act on the same name.
    assert [type(op) for op in detected.ops()] == [RemoveField, AddField]


def test_add_and_alter_and_remove_in_one_change_order():
    """Within one change: additions, then alterations, then removals."""
    before = project(model("Book", ("title", char()), ("old", char())))
    after = project(model("Book", ("title", char(99)), ("new", models.IntegerField(null=True))))
    detected = detect(before, after)
    assert detected.summary() == ["AddField Book.new", "AlterField Book.title", "RemoveField Book.old"]


def test_new_not_null_field_without_default_is_refused():
    """A new NOT NULL field without a default cannot fill existing rows: MigrationError
    naming app.Model.field and the ways out (a default, or null=True)."""
    before = project(model("Book", ("title", char())))
    after = project(model("Book", ("title", char()), ("isbn", char(13))))
    with pytest.raises(MigrationError) as info:
        Autodetector(before, after).changes({APP})
    message = str(info.value)
    assert "shop.Book.isbn" in message
    assert "default" in message and "null=True" in message


def test_fields_that_need_no_default_are_accepted():
    """NOT NULL fields that fill themselves (auto_now_add) are not refused."""
    before = project(model("Book", ("title", char())))
    after = project(model("Book", ("title", char()), ("created", models.DateTimeField(auto_now_add=True))))
    assert detect(before, after).summary() == ["AddField Book.created"]


def test_null_to_not_null_without_default_is_refused():
    """null=True -> NOT NULL without a default would fail on rows holding NULL: refused, with
    the field's name and the fix."""
    before = project(model("Book", ("isbn", char(null=True))))
    after = project(model("Book", ("isbn", char())))
    with pytest.raises(MigrationError) as info:
        Autodetector(before, after).changes({APP})
    message = str(info.value)
    assert "shop.Book.isbn" in message
    assert "default" in message and "null=True" in message


def test_null_to_not_null_with_default_is_an_alter_field():
    """With a default (that existing NULLs get) the same change is an AlterField."""
    before = project(model("Book", ("isbn", char(null=True))))
    after = project(model("Book", ("isbn", char(default=""))))
    assert detect(before, after).summary() == ["AlterField Book.isbn"]


# -- field renames ------------------------------------------------------------------------------
def test_unambiguous_field_rename_is_automatic():
    """One field gone and one with the same definition new: RenameField, asking nothing."""
    before = project(model("Book", ("title", char()), ("pages", models.IntegerField())))
    after = project(model("Book", ("name", char()), ("pages", models.IntegerField())))
    detected = detect(before, after, answer=no)
    assert detected.summary() == ["RenameField Book.title->name"]
    assert detected.questions == [] and detected.warnings == []


def test_ambiguous_field_rename_without_ask_warns_and_removes_and_adds():
    """Two removed fields match the new one: without ``ask`` a warning says so (naming the
    candidates and --interactive) and the change is written as removals and an addition."""
    before = project(model("Book", ("a", char(null=True)), ("b", char(null=True))))
    after = project(model("Book", ("c", char(null=True))))
    detected = detect(before, after)
    assert detected.summary() == ["AddField Book.c", "RemoveField Book.a", "RemoveField Book.b"]
    (warning,) = detected.warnings
    assert "shop.Book.c" in warning and "a or b" in warning and "--interactive" in warning


def test_ambiguous_field_rename_is_decided_by_ask():
    """With ``ask``, each candidate is asked about in turn; the one answered yes is renamed,
    the other removed, and nothing is warned."""
    before = project(model("Book", ("a", char(null=True)), ("b", char(null=True))))
    after = project(model("Book", ("c", char(null=True))))
    detected = detect(before, after, answer=lambda q: "Book.b " in q)
    assert detected.questions == [
        "Was shop.Book.a renamed to c?",
        "Was shop.Book.b renamed to c?",
    ]
    assert detected.summary() == ["RenameField Book.b->c", "RemoveField Book.a"]
    assert detected.warnings == []


def test_ambiguous_field_rename_answered_no_falls_back_to_remove_and_add():
    """Every question answered no: a warning, and removal + addition."""
    before = project(model("Book", ("a", char(null=True)), ("b", char(null=True))))
    after = project(model("Book", ("c", char(null=True))))
    detected = detect(before, after, answer=no)
    assert len(detected.questions) == 2
    assert detected.summary() == ["AddField Book.c", "RemoveField Book.a", "RemoveField Book.b"]
    assert len(detected.warnings) == 1


def test_one_removed_field_matching_two_new_ones_is_ambiguous():
    """One field gone and two identical new ones: which one is the rename is asked."""
    before = project(model("Book", ("a", char(null=True))))
    after = project(model("Book", ("c", char(null=True)), ("b", char(null=True))))
    detected = detect(before, after, answer=lambda q: q.endswith("to c?"))
    assert detected.questions == ["Was shop.Book.a renamed to c?"]
    assert detected.summary() == ["RenameField Book.a->c", "AddField Book.b"]
    without = detect(before, after)
    assert without.summary() == ["AddField Book.c", "AddField Book.b", "RemoveField Book.a"]
    assert without.warnings


def test_field_rename_keeps_unique_together_and_indexes_naming_it():
    """A renamed field named by unique_together and an index needs nothing but RenameField
    (RenameField itself updates the options)."""
    before = project(
        model(
            "Book",
            ("title", char()),
            ("year", models.IntegerField()),
            unique_together=[["title", "year"]],
            indexes=[models.Index(fields=["-title"], name="book_title_idx")],
        )
    )
    after = project(
        model(
            "Book",
            ("name", char()),
            ("year", models.IntegerField()),
            unique_together=[["name", "year"]],
            indexes=[models.Index(fields=["-name"], name="book_title_idx")],
        )
    )
    assert detect(before, after).summary() == ["RenameField Book.title->name"]


def test_field_rename_keeps_ordering_naming_it():
    """A renamed field named by Meta.ordering needs nothing but RenameField."""
    before = project(model("Book", ("title", char()), ordering=["-title"]))
    after = project(model("Book", ("name", char()), ordering=["-name"]))
    assert detect(before, after).summary() == ["RenameField Book.title->name"]


def test_field_rename_with_a_check_constraint_naming_it():
    """A check constraint's condition names fields by their names, which RenameField does
    not rewrite: the constraint is removed before the rename and added again after it."""
    before = project(model("Book", ("year", models.IntegerField()),
                           constraints=[models.CheckConstraint(check=models.Q(year__gte=0), name="yr")]))
    after = project(model("Book", ("published", models.IntegerField()),
                          constraints=[models.CheckConstraint(check=models.Q(published__gte=0), name="yr")]))
    assert detect(before, after).summary() == [
        "RemoveConstraint Book.yr",
        "RenameField Book.year->published",
        "AddConstraint Book.yr",
    ]


def test_field_rename_keeps_unique_constraint_naming_it():
    """A renamed field named by a UniqueConstraint needs nothing but RenameField."""
    before = project(model("Book", ("year", models.IntegerField()),
                           constraints=[models.UniqueConstraint(fields=["year"], name="u")]))
    after = project(model("Book", ("published", models.IntegerField()),
                          constraints=[models.UniqueConstraint(fields=["published"], name="u")]))
    assert detect(before, after).summary() == ["RenameField Book.year->published"]


# -- model renames ------------------------------------------------------------------------------
def test_unambiguous_model_rename_keeping_its_table():
    """A model gone and one with the same fields new: RenameModel (the table is explicit and
    unchanged, so nothing else)."""
    before = project(model("Tag", ("label", char()), db_table="shop_tags"))
    after = project(model("Label", ("label", char()), db_table="shop_tags"))
    detected = detect(before, after, answer=no)
    assert detected.summary() == ["RenameModel Tag->Label"]
    assert detected.questions == []


def test_model_rename_with_table_following_the_class_name():
    """The table name follows the class name: RenameModel, then AlterModelTable."""
    before = project(model("Tag", ("label", char()), db_table="tag"))
    after = project(model("Label", ("label", char()), db_table="label"))
    detected = detect(before, after)
    assert detected.summary() == ["RenameModel Tag->Label", "AlterModelTable Label=label"]


RENAMES_WITH_RELATIONS = {
    # A foreign key and a many-to-many of another model, written with the full label.
    "label": (
        project(
            model("Tag", ("label", char())),
            model("Book", ("main_tag", fk("shop.Tag")), ("tags", models.ManyToManyField("shop.Tag"))),
        ),
        project(
            model("Label", ("label", char()), db_table="shop_tag"),
            model("Book", ("main_tag", fk("shop.Label")), ("tags", models.ManyToManyField("shop.Label"))),
        ),
        ["RenameModel Tag->Label"],
    ),
    # The same with the bare name of a model of the same app (models.ForeignKey("Label")).
    "bare-name": (
        project(model("Tag", ("label", char())), model("Book", ("main_tag", fk("Tag")))),
        project(model("Label", ("label", char()), db_table="shop_tag"), model("Book", ("main_tag", fk("Label")))),
        ["RenameModel Tag->Label"],
    ),
    # A model pointing at itself.
    "self": (
        project(model("Category", ("parent", fk("shop.Category", null=True)), db_table="cat")),
        project(model("Section", ("parent", fk("shop.Section", null=True)), db_table="cat")),
        ["RenameModel Category->Section"],
    ),
}


@pytest.mark.parametrize("case", list(RENAMES_WITH_RELATIONS))
def test_model_rename_with_relations_pointing_at_it_is_only_a_rename(case: str):
    """Relations that point at a renamed model (by label, by bare name, or from the model
    itself) follow it through RenameModel alone: no AlterField for them."""
    before, after, expected = RENAMES_WITH_RELATIONS[case]
    assert detect(before, after).summary() == expected


def test_model_rename_with_relations_pointing_at_it_reaches_the_new_state():
    """Whatever else it writes, a rename of a model others point at is a RenameModel (no
    table dropped), and its operations reach the new state."""
    before, after, _ = RENAMES_WITH_RELATIONS["label"]
    summary = detect(before, after).summary()
    assert summary[0] == "RenameModel Tag->Label"
    assert not any(s.startswith(("CreateModel", "DeleteModel", "RemoveField")) for s in summary)


def test_ambiguous_model_rename_without_ask_warns_and_creates_and_deletes():
    """Two removed models match the new one: without ``ask`` a warning naming both and
    --interactive, and the change becomes CreateModel + DeleteModels."""
    before = project(model("Tag", ("label", char())), model("Topic", ("label", char())))
    after = project(model("Label", ("label", char())))
    detected = detect(before, after)
    assert detected.summary() == ["CreateModel Label(id, label)", "DeleteModel Tag", "DeleteModel Topic"]
    (warning,) = detected.warnings
    assert "shop.Label" in warning and "shop.Tag or shop.Topic" in warning
    assert "--interactive" in warning


def test_ambiguous_model_rename_is_decided_by_ask():
    """With ``ask``, the model answered yes is renamed and the other deleted."""
    before = project(model("Tag", ("label", char())), model("Topic", ("label", char())))
    after = project(model("Label", ("label", char()), db_table="shop_topic"))
    detected = detect(before, after, answer=lambda q: "shop.Topic" in q)
    assert detected.questions == [
        "Was the model shop.Tag renamed to shop.Label?",
        "Was the model shop.Topic renamed to shop.Label?",
    ]
    assert detected.summary() == ["RenameModel Topic->Label", "DeleteModel Tag"]
    assert detected.warnings == []


def test_rename_of_model_and_of_its_field_together():
    """A renamed model whose field is renamed too is no rename (its shape changed): it is a
    new model and a deleted one."""
    before = project(model("Tag", ("label", char())))
    after = project(model("Label", ("text", char())))
    assert detect(before, after).summary() == ["CreateModel Label(id, text)", "DeleteModel Tag"]


def test_alter_model_table():
    """A changed db_table alone is AlterModelTable."""
    before = project(model("Tag", ("label", char())))
    after = project(model("Tag", ("label", char()), db_table="labels"))
    assert detect(before, after).summary() == ["AlterModelTable Tag=labels"]


# -- indexes and constraints --------------------------------------------------------------------
def test_add_and_remove_index():
    """A new Meta.indexes entry is AddIndex, a dropped one RemoveIndex (removals before
    additions)."""
    before = project(model("Book", ("title", char()), ("year", models.IntegerField()),
                           indexes=[models.Index(fields=["title"], name="book_title")]))
    after = project(model("Book", ("title", char()), ("year", models.IntegerField()),
                          indexes=[models.Index(fields=["-year"], name="book_year")]))
    detected = detect(before, after)
    assert detected.summary() == ["RemoveIndex Book['title']", "AddIndex Book['-year']"]


def test_index_on_a_removed_field_is_removed_first():
    """An index over a field removed in the same change is removed before the field."""
    before = project(model("Book", ("title", char()), ("year", models.IntegerField()),
                           indexes=[models.Index(fields=["year"], name="book_year")]))
    after = project(model("Book", ("title", char())))
    assert detect(before, after).summary() == ["RemoveIndex Book['year']", "RemoveField Book.year"]


def test_index_on_a_new_field_is_added_after_it():
    """An index over a new field is added after the field."""
    before = project(model("Book", ("title", char())))
    after = project(model("Book", ("title", char()), ("year", models.IntegerField(null=True)),
                          indexes=[models.Index(fields=["year"])]))
    assert detect(before, after).summary() == ["AddField Book.year", "AddIndex Book['year']"]


def test_add_remove_and_change_constraints():
    """New constraints are AddConstraint, gone ones RemoveConstraint, and one whose
    definition changed under the same name is removed and added again."""
    check = models.CheckConstraint(check=models.Q(year__gte=0), name="year_positive")
    unique = models.UniqueConstraint(fields=["title", "year"], name="title_year")
    before = project(model("Book", ("title", char()), ("year", models.IntegerField()), constraints=[check]))
    after = project(model("Book", ("title", char()), ("year", models.IntegerField()), constraints=[unique]))
    assert detect(before, after).summary() == [
        "RemoveConstraint Book.year_positive",
        "AddConstraint Book.title_year",
    ]
    changed = models.CheckConstraint(check=models.Q(year__gte=1000), name="year_positive")
    after2 = project(model("Book", ("title", char()), ("year", models.IntegerField()), constraints=[changed]))
    assert detect(before, after2).summary() == [
        "RemoveConstraint Book.year_positive",
        "AddConstraint Book.year_positive",
    ]


def test_unique_constraint_on_a_removed_field_is_removed_first():
    """A unique constraint over a field removed in the same change goes before the field."""
    unique = models.UniqueConstraint(fields=["title", "year"], name="title_year")
    before = project(model("Book", ("title", char()), ("year", models.IntegerField()), constraints=[unique]))
    after = project(model("Book", ("title", char())))
    assert detect(before, after).summary() == ["RemoveConstraint Book.title_year", "RemoveField Book.year"]


# -- unique_together and ordering ---------------------------------------------------------------
def _book(*extra: tuple[str, Any], **options: Any) -> ModelState:
    return model("Book", ("title", char()), ("year", models.IntegerField()), *extra, **options)


def test_unique_together_added():
    """A new unique_together is one AlterUniqueTogether after the fields."""
    before = project(_book())
    after = project(_book(("isbn", char(null=True)), unique_together=[["title", "isbn"]]))
    assert detect(before, after).summary() == [
        "AddField Book.isbn",
        "AlterUniqueTogether Book=[['title', 'isbn']]",
    ]


def test_unique_together_changed():
    """A changed group: the old set is reduced to what survives before the field changes,
    and the new set is set after them."""
    before = project(_book(unique_together=[["title", "year"]]))
    after = project(_book(unique_together=[["year", "title"], ["title"]]))
    assert detect(before, after).summary() == [
        "AlterUniqueTogether Book=[]",
        "AlterUniqueTogether Book=[['year', 'title'], ['title']]",
    ]
    kept = project(_book(unique_together=[["title", "year"], ["year"]]))
    assert detect(before, kept).summary() == ["AlterUniqueTogether Book=[['title', 'year'], ['year']]"]


def test_unique_together_removed():
    """No unique_together any more: one AlterUniqueTogether to the empty list."""
    before = project(_book(unique_together=[["title", "year"]]))
    after = project(_book())
    assert detect(before, after).summary() == ["AlterUniqueTogether Book=[]"]


def test_unique_together_naming_a_removed_field_goes_before_the_field():
    """The group over a field removed in the same change is dropped before RemoveField."""
    before = project(_book(unique_together=[["title", "year"]]))
    after = project(model("Book", ("title", char())))
    assert detect(before, after).summary() == ["AlterUniqueTogether Book=[]", "RemoveField Book.year"]


def test_ordering_changes():
    """Meta.ordering set, changed and dropped: AlterModelOptions with the new options."""
    plain = project(_book())
    ordered = project(_book(ordering=["title"]))
    reordered = project(_book(ordering=["-year", "title"]))
    assert detect(plain, ordered).summary() == ["AlterModelOptions Book={'ordering': ['title']}"]
    assert detect(ordered, reordered).summary() == [
        "AlterModelOptions Book={'ordering': ['-year', 'title']}"
    ]
    assert detect(ordered, plain).summary() == ["AlterModelOptions Book={}"]


def test_ordering_naming_a_removed_field_is_cleared_before_the_field_goes():
    """An ordering over a field that is removed is cleared before RemoveField and the new
    ordering set afterwards."""
    before = project(_book(ordering=["year"]))
    after = project(model("Book", ("title", char()), ordering=["title"]))
    assert detect(before, after).summary() == [
        "AlterModelOptions Book={}",
        "RemoveField Book.year",
        "AlterModelOptions Book={'ordering': ['title']}",
    ]


# -- apps -----------------------------------------------------------------------------------------
def test_relation_to_another_apps_model_depends_on_that_app():
    """A new model with a foreign key into another app, and a many-to-many into a third:
    both apps are in depends_on_apps; a relation inside the app is not."""
    writer = model("Writer", app="people")
    genre = model("Genre", app="genres")
    author = model("Author")
    book = model(
        "Book",
        ("writer", fk("people.Writer")),
        ("genres", models.ManyToManyField("genres.Genre")),
        ("author", fk("shop.Author")),
    )
    detected = detect(project(writer, genre), project(writer, genre, author, book))
    assert detected.changes[APP].depends_on_apps == {"people", "genres"}
    assert set(detected.changes) == {APP}


def test_added_and_altered_relations_to_another_app_depend_on_it():
    """AddField and AlterField of a relation into another app add that app too."""
    writer = model("Writer", app="people")
    before = project(writer, model("Book", ("title", char()), ("editor", models.IntegerField(null=True))))
    after = project(
        writer,
        model("Book", ("title", char()), ("editor", fk("people.Writer", null=True)),
              ("writer", fk("people.Writer", null=True))),
    )
    detected = detect(before, after)
    assert detected.summary() == ["AddField Book.writer", "AlterField Book.editor"]
    assert detected.changes[APP].depends_on_apps == {"people"}


def test_changes_in_two_apps_apply_in_dependency_order():
    """New models in two apps, one pointing into the other: each app gets its own changes,
    and the dependent one names the other."""
    writer = model("Writer", ("name", char()), app="people")
    book = model("Book", ("writer", fk("people.Writer")))
    detected = detect(project(), project(writer, book))
    assert detected.summary("people") == ["CreateModel Writer(id, name)"]
    assert detected.summary(APP) == ["CreateModel Book(id, writer)"]
    assert detected.changes["people"].depends_on_apps == set()
    assert detected.changes[APP].depends_on_apps == {"people"}


def test_only_the_requested_apps_are_compared():
    """Changes in apps not asked for are not reported."""
    before = project(model("Writer", app="people"))
    after = project(model("Writer", ("name", char(null=True)), app="people"), model("Book"))
    detected = Autodetector(before, after).changes({APP})
    assert set(detected) == {APP}


def test_state_from_live_models_round_trips():
    """States built from model classes (a private registry) behave as hand-built ones: a new
    field and a new model with a relation give the operations that reach them."""
    private = registry.Registry()
    with registry.using(private):

        class Author(models.Model):
            name = models.CharField(max_length=50)

            class Meta:
                app_label = "live"

    before = ProjectState.from_models(private.get_models())

    private2 = registry.Registry()
    with registry.using(private2):

        class Author(models.Model):  # noqa: F811
            name = models.CharField(max_length=50)
            born = models.DateField(null=True)

            class Meta:
                app_label = "live"

        class Book(models.Model):
            author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
            tags = models.ManyToManyField("Tag")

            class Meta:
                app_label = "live"

        class Tag(models.Model):
            label = models.CharField(max_length=10, unique=True)

            class Meta:
                app_label = "live"

    after = ProjectState.from_models(private2.get_models())
    detected = detect(before, after)
    assert detected.summary("live") == [
        "CreateModel Tag(id, label)",
        "CreateModel Book(id, author, tags)",
        "AddField Author.born",
    ]


def test_a_field_added_between_others_gives_an_equal_state():
    """The contract holds when the new field is declared before existing ones."""
    before = project(model("Book", ("title", char())))
    after = project(model("Book", ("subtitle", char(null=True)), ("title", char())))
    assert detect(before, after).summary() == ["AddField Book.subtitle"]


# -- migration names ----------------------------------------------------------------------------
def _field(model_name: str, name: str) -> AddField:
    return AddField(model_name=model_name, name=name, field=char(null=True))


def test_migration_name_rules():
    """0001_initial for a first migration of CreateModels only; otherwise the operations'
    fragments joined by "_"; more than three give the first two and "_and_more"; none give
    "auto"; the name is cut at 52 characters after the number."""
    create = CreateModel(name="Book", fields=[("id", models.BigAutoField(primary_key=True))])
    assert migration_name([create], 1) == "0001_initial"
    assert migration_name([create, _field("Book", "title")], 1) == "0001_book_book_title"
    assert migration_name([create], 2) == "0002_book"
    assert migration_name([_field("Book", "title")], 3) == "0003_book_title"
    assert migration_name([RemoveField(model_name="Book", name="title")], 4) == "0004_remove_book_title"
    assert migration_name([RenameModel(old_name="Tag", new_name="Label")], 5) == "0005_rename_tag_label"
    three = [_field("Book", "a"), _field("Book", "b"), DeleteModel(name="Tag")]
    assert migration_name(three, 6) == "0006_book_a_book_b_delete_tag"
    four = [*three, _field("Book", "c")]
    assert migration_name(four, 7) == "0007_book_a_book_b_and_more"
    assert migration_name([RunSQL("SELECT 1")], 8) == "0008_auto"
    assert migration_name([], 9) == "0009_auto"
    long = migration_name([_field("Bookshelf" * 4, "title_of_the_book")], 10)
    assert long.startswith("0010_bookshelfbookshelf") and len(long) == 5 + 52
    trailing = migration_name([_field("a" * 51, "b")], 11)  # cut right after the "_"
    assert trailing == "0011_" + "a" * 51


def test_migration_name_from_detected_operations():
    """The detector's operations name their migration as makemigrations would."""
    before = project(model("Book", ("title", char())))
    after = project(model("Book", ("title", char()), ("isbn", char(null=True))))
    assert migration_name(detect(before, after).ops(), 2) == "0002_book_isbn"
    assert migration_name(detect(project(), before).ops(), 1) == "0001_initial"
