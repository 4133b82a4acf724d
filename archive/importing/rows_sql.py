"""Writing many rows of one model with one prepared statement, for the large imports.

Django's `bulk_create` compiles a fresh multi-row INSERT for every batch and prepares every value
through its field (about 100 µs a publication on SQLite, where a batch holds only 999 bound
values); a prepared statement run with `executemany` costs a fraction of that. Primary keys are
taken from the table's sequence beforehand, so related rows can point to new rows at once.
PostgreSQL is sent the rows by COPY instead, so that its statement triggers run once per chunk.

Values are given as Python values and adapted here by field type, as the ORM would; JSON arrives
already serialised (the canonical row holds it as text).
"""

from django.db import connection, models
from django.utils import timezone


def _remembering(adapt):
    """An adapter that adapts the same object once: an import stamps every row with one time."""
    last = [object(), None]

    def adapted(value):
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapted


def _adapter(field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return _remembering(ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    if isinstance(field, models.JSONField):
        return lambda value: (
            value
            if value is None or isinstance(value, str)
            else field.get_db_prep_save(value, connection)
        )
    return None


class RowWriter:
    """INSERT and UPDATE of one model's rows given as {attname: value}; unnamed fields get their
    defaults (auto_now fields the time the writer was made)."""

    def __init__(self, model):
        self.model = model
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.fields = [field for field in model._meta.concrete_fields]
        now = timezone.now()
        self.defaults = {}
        self.stamped = set()  # auto_now and auto_now_add fields, stamped when given as None
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.defaults[field.attname] = now
                self.stamped.add(field.attname)
            elif field.has_default() or not field.null:
                self.defaults[field.attname] = field.get_default()
            else:
                self.defaults[field.attname] = None
        self.adapters = {field.attname: _adapter(field) for field in self.fields}

    def _rows(self, names: list[str], rows: list[dict]) -> list[list]:
        pairs = [(name, self.defaults[name]) for name in names]
        adapted = [
            (index, self.adapters[name], self.defaults[name] if name in self.stamped else None)
            for index, name in enumerate(names)
            if self.adapters[name] is not None
        ]
        result = []
        for row in rows:
            values = [row.get(name, default) for name, default in pairs]
            for index, adapt, stamp in adapted:
                value = values[index]
                if value is None:
                    value = stamp  # an auto_now field given as None is stamped
                if value is not None:
                    values[index] = adapt(value)
            result.append(values)
        return result

    def insert(self, rows: list[dict], *, with_pk: bool = True) -> None:
        if not rows:
            return
        names = [f.attname for f in self.fields if with_pk or not f.primary_key]
        columns = ", ".join(
            connection.ops.quote_name(f.column) for f in self.fields if f.attname in names
        )
        placeholders = ", ".join(["%s"] * len(names))
        values = self._rows(names, rows)
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql" or len(values) == 1:  # a COPY costs more
                cursor.executemany(
                    f"INSERT INTO {self.table} ({columns}) VALUES ({placeholders})", values
                )
                return
            # One COPY for all the rows: executemany sends one statement per row, and
            # PostgreSQL's statement triggers (the search postings, migration 0011) would then
            # run once per row rather than once for the chunk. Django's cursor does not see a
            # COPY: its errors are translated here, so that a refused value fails as in an INSERT.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy,
            ):
                for row in values:
                    copy.write_row(row)

    def update(self, rows: list[dict], names: list[str]) -> None:
        """UPDATE the named fields of each row, found by its "id"."""
        if not rows:
            return
        columns = ", ".join(
            f"{connection.ops.quote_name(self.model._meta.get_field(n).column)} = %s" for n in names
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {self.table} SET {columns} WHERE id = %s",
                [
                    [*values, row["id"]]
                    for values, row in zip(self._rows(names, rows), rows, strict=True)
                ],
            )


def select_where_in(model, names: list[str], name: str, values: list) -> list[tuple]:
    """The named columns of the rows whose `name` is one of `values` (plain values of that
    column: strings or numbers). One query, written here because the ORM prepares each value of
    an IN list through its field, which costs more than the lookup when thousands are asked."""
    if not values:
        return []
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.get_field(name).column)} IN ({placeholders})",
            list(values),
        )
        return cursor.fetchall()


def allocate_ids(model, count: int) -> list[int]:
    """`count` primary keys that no row of `model` has had, in order."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite, whose AUTOINCREMENT tables never reuse a key: past both the largest key ever
        # given (sqlite_sequence) and the largest present. The import's transaction holds the
        # write lock (transaction_mode IMMEDIATE), so no other writer takes these meanwhile.
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(largest, found[0] if found else 0) + 1
    return list(range(start, start + count))
