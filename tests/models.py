"""Models shared by the behavioural tests (app label "tests")."""

from __future__ import annotations

import uuid

from orm import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    born = models.DateField(null=True)
    rating = models.IntegerField(default=0)
    bio = models.TextField(blank=True, default="")

    class Meta:
        app_label = "tests"
        ordering = ["name"]
        get_latest_by = "born"


class Article(models.Model):
    """Scalar fields only (relations arrive later), with a nullable column for NULL semantics."""

    title = models.CharField(max_length=200, db_index=True)
    slug = models.CharField(max_length=50)
    section = models.CharField(max_length=20, null=True)
    views = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    published = models.DateTimeField(null=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "tests"
        unique_together = [("slug", "section")]
        indexes = [models.Index(fields=["-views"])]


class Everything(models.Model):
    """One column of every scalar field type."""

    small = models.SmallIntegerField(null=True)
    integer = models.IntegerField(null=True)
    big = models.BigIntegerField(null=True)
    positive = models.PositiveIntegerField(null=True)
    flt = models.FloatField(null=True)
    dec = models.DecimalField(max_digits=10, decimal_places=3, null=True)
    flag = models.BooleanField(default=False)
    char = models.CharField(max_length=30, null=True)
    text = models.TextField(null=True)
    email = models.EmailField(null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    clock = models.TimeField(null=True)
    span = models.DurationField(null=True)
    uid = models.UUIDField(null=True)
    doc = models.JSONField(null=True)
    blob = models.BinaryField(null=True)

    class Meta:
        app_label = "tests"


class Token(models.Model):
    """A model with a non-integer primary key that has a default."""

    key = models.UUIDField(primary_key=True, default=uuid.uuid4)
    label = models.CharField(max_length=20, choices=[("a", "A"), ("b", "B")])

    class Meta:
        app_label = "tests"
        constraints = [
            models.CheckConstraint(check=models.Q(label__in=["a", "b"]), name="token_label_ab"),
        ]


class Counter(models.Model):
    """For transactions and concurrency: a name and a value."""

    name = models.CharField(max_length=50, unique=True)
    value = models.IntegerField(default=0)

    class Meta:
        app_label = "tests"


ALL_MODELS = [Author, Article, Everything, Token, Counter]


# -- relations ------------------------------------------------------------------------------
# A small publishing schema with every kind of relation and every on_delete behaviour.


class Publisher(models.Model):
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=50, null=True)

    class Meta:
        app_label = "tests"
        ordering = ["name"]


class Writer(models.Model):
    name = models.CharField(max_length=100)
    publisher = models.ForeignKey(
        Publisher, on_delete=models.SET_NULL, null=True, related_name="writers"
    )
    mentor = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, related_name="mentees")

    class Meta:
        app_label = "tests"
        ordering = ["name"]


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    class Meta:
        app_label = "tests"
        ordering = ["name"]


class Book(models.Model):
    title = models.CharField(max_length=200)
    writer = models.ForeignKey(Writer, on_delete=models.CASCADE, related_name="books")
    # PROTECT: a writer who edited a book cannot be deleted while the book exists.
    editor = models.ForeignKey(
        Writer, on_delete=models.PROTECT, null=True, related_name="edited_books"
    )
    tags = models.ManyToManyField(Tag, related_name="books")
    pages = models.IntegerField(default=100)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    class Meta:
        app_label = "tests"
        ordering = ["title"]


class Biography(models.Model):
    """Reverse one-to-one: ``writer.biography``."""

    writer = models.OneToOneField(Writer, on_delete=models.CASCADE, related_name="biography")
    text = models.TextField(default="")

    class Meta:
        app_label = "tests"


class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    stars = models.IntegerField()
    reviewer = models.ForeignKey(Writer, on_delete=models.CASCADE, null=True, related_name="reviews")

    class Meta:
        app_label = "tests"
        ordering = ["id"]


class Chapter(models.Model):
    """RESTRICT as in Django's documentation: a book with chapters cannot be deleted on its
    own, but deleting the writer (which cascades to both) works."""

    book = models.ForeignKey(Book, on_delete=models.RESTRICT, related_name="chapters")
    writer = models.ForeignKey(Writer, on_delete=models.CASCADE, related_name="chapters")
    number = models.IntegerField()

    class Meta:
        app_label = "tests"
        ordering = ["number"]


class Sticker(models.Model):
    """SET_DEFAULT and DO_NOTHING."""

    book = models.ForeignKey(Book, on_delete=models.SET_DEFAULT, null=True, default=None, related_name="stickers")
    label = models.CharField(max_length=20)
    # DO_NOTHING with no database constraint: the key is left pointing at a deleted row.
    loan_book = models.ForeignKey(
        Book, on_delete=models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )

    class Meta:
        app_label = "tests"


class Shelf(models.Model):
    """A many-to-many through a model of ours, with an extra column."""

    name = models.CharField(max_length=50)
    books = models.ManyToManyField(Book, through="ShelfEntry", related_name="shelves")

    class Meta:
        app_label = "tests"


class ShelfEntry(models.Model):
    shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)
    book = models.ForeignKey(Book, on_delete=models.CASCADE)
    position = models.IntegerField(default=0)

    class Meta:
        app_label = "tests"
        unique_together = [("shelf", "book")]


class Person(models.Model):
    """A symmetrical many-to-many to itself: friendship goes both ways."""

    name = models.CharField(max_length=50)
    friends = models.ManyToManyField("self")
    code = models.CharField(max_length=10, unique=True, null=True)

    class Meta:
        app_label = "tests"
        ordering = ["name"]


class Membership(models.Model):
    """A foreign key to a non-primary unique column (to_field) with its own db_column."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, to_field="code", db_column="person_code",
        related_name="memberships", related_query_name="membership",
    )
    club = models.CharField(max_length=50)

    class Meta:
        app_label = "tests"


RELATION_MODELS = [
    Publisher, Writer, Tag, Book, Biography, Review, Chapter, Sticker, Shelf, ShelfEntry,
    Person, Membership,
]


class Account(models.Model):
    """For concurrent transfers: a balance that only transfers change."""

    name = models.CharField(max_length=20, unique=True)
    balance = models.IntegerField()

    class Meta:
        app_label = "tests"


class Transfer(models.Model):
    """The ledger of transfers, written in the transfer's transaction: every account's balance
    must equal its opening balance plus what the ledger says came in minus what went out."""

    source = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sent")
    target = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="received")
    amount = models.IntegerField()

    class Meta:
        app_label = "tests"


LEDGER_MODELS = [Account, Transfer]
