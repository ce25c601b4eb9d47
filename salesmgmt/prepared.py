"""Hot reads whose SQL is compiled once per thread and database; only the values change.

Building and compiling a queryset costs far more CPU than running it: for the two reads every
API request makes (the token with its user, the caller's membership with its organisation and
team) Django's compiler took about half of each read's CPU, and both reads together close to
half of the CPU of logging an activity. A `PreparedRead` compiles its queryset once, with an
example value for each parameter, records where each value landed in the statement's
parameters, and afterwards runs the same SQL with the caller's values, turning rows into model
instances with the compiler's own converters and related-object populators (what
`QuerySet.__iter__` does), so the instances are the ones the queryset would have given.

Limits, checked when the read is compiled (a mistake fails the first call, in the tests):

- a plain model queryset (no `values()`, `prefetch_related()` or `only()` tricks that need
  more than the model iterable) whose shape does not depend on the values;
- each value must reach the statement unchanged (an `exact` lookup on the field; not
  `icontains`, which wraps it) and the example values must not occur anywhere else.

The statement goes through `connection.cursor()`, so query logging, `assertNumQueries` and
execute wrappers see it like any other.

On PostgreSQL the statement is also prepared on the server (`PREPARE`, once per connection,
sent on the driver's own cursor so it counts as no query) and run with `EXECUTE`: the server
then plans it once per connection instead of on every run, which was about half of the
server's CPU for these two reads. Prepared statements live in the database session, so a
connection pooler in transaction mode (which hands sessions around) must not sit between the
app and PostgreSQL while `DATABASE_PREPARED_STATEMENTS` is on (the default); turn it off there.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

M = TypeVar("M", bound=Model)

_names = itertools.count(1)
_PLACEHOLDER = re.compile(r"%([%s])")


def _numbered(sql: str) -> tuple[str, int]:
    """Django's `%s` placeholders as PostgreSQL's `$1, $2…` (and `%%` as `%`)."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(replace, sql), count


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[tuple[bool, Any], ...]  # (is a parameter, its name | the constant value)
    compiler: Any
    converters: dict[int, Any]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    model: type[Model]
    db: str
    prepare: str | None  # PostgreSQL: the PREPARE statement
    execute: str | None  # PostgreSQL: the EXECUTE statement taking the parameters


class PreparedRead(Generic[M]):
    """`build(**values)` → a queryset; `examples` give one distinctive value per parameter."""

    def __init__(self, build: Callable[..., QuerySet[M]], **examples: Any) -> None:
        self._build = build
        self._examples = examples
        self._local = threading.local()
        self._name = f"salesmgmt_read_{next(_names)}"

    def all(self, **values: Any) -> Iterator[M]:
        """The rows of `build(**values)`, as model instances."""
        if values.keys() != self._examples.keys():
            raise TypeError(f"expected the values {sorted(self._examples)}, got {sorted(values)}")
        compiled = self._compiled()
        params = [values[slot] if is_param else slot for is_param, slot in compiled.slots]
        connection = compiled.compiler.connection
        with connection.cursor() as cursor:
            if compiled.execute is not None and settings.DATABASE_PREPARED_STATEMENTS:
                self._prepare_on(connection, compiled.prepare)
                cursor.execute(compiled.execute, params)
            else:
                cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        start, end = compiled.start, compiled.end
        for row in rows:
            obj = compiled.model.from_db(compiled.db, compiled.init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            yield obj  # type: ignore[misc]

    def _prepare_on(self, connection: Any, prepare: str | None) -> None:
        """PREPARE the statement on this thread's current server session, once."""
        raw = connection.connection  # the driver's connection (opened by cursor() above)
        if getattr(self._local, "prepared_on", None) is raw:
            return
        with connection.wrap_database_errors, raw.cursor() as cursor:
            cursor.execute(prepare)
        self._local.prepared_on = raw

    def first(self, **values: Any) -> M | None:
        """The first row of `build(**values)` (slice the queryset to one row), or None."""
        return next(self.all(**values), None)

    def _compiled(self) -> _Compiled:
        # Per thread: a compiler holds its thread's connection (of the database the queryset
        # reads from; the project has one).
        # A new connection handler (settings changed) means new connection objects: compile
        # again rather than keep using the old one.
        compiled: _Compiled | None = getattr(self._local, "compiled", None)
        if compiled is None or compiled.compiler.connection is not connections[compiled.db]:
            compiled = self._local.compiled = self._compile(self._build(**self._examples))
        return compiled

    def _compile(self, queryset: QuerySet[M]) -> _Compiled:
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups  # type: ignore[attr-defined]
            or queryset._known_related_objects  # type: ignore[attr-defined]
            or queryset.query.combinator
        ):
            raise ValueError("PreparedRead takes a plain model queryset")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots: list[tuple[bool, Any]] = []
        found: set[str] = set()
        for param in params:
            names = [
                name
                for name, example in self._examples.items()
                if type(param) is type(example) and param == example
            ]
            if len(names) > 1:
                raise ValueError(f"example values are not distinct: {names}")
            if names:
                slots.append((True, names[0]))
                found.add(names[0])
            else:
                slots.append((False, param))
        missing = set(self._examples) - found
        if missing:
            raise ValueError(f"values that do not reach the statement unchanged: {missing}")
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.annotation_col_map or compiler.has_extra_select:
            raise ValueError("PreparedRead takes no annotations or extra columns")
        fields = [s[0] for s in select[0 : compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError("PreparedRead takes no composite fields")
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        prepare = execute = None
        if compiler.connection.vendor == "postgresql":
            numbered, count = _numbered(sql)
            prepare = f"PREPARE {self._name} AS {numbered}"
            execute = f"EXECUTE {self._name}({', '.join(['%s'] * count)})" if count else None
        return _Compiled(
            sql=sql,
            slots=tuple(slots),
            compiler=compiler,
            converters=compiler.get_converters(fields),
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            # (Django 5.2's signature; the stubs follow a later one.)
            populators=get_related_populators(  # type: ignore[call-arg]
                klass_info, select, queryset.db
            ),
            model=klass_info["model"],
            db=queryset.db,
            prepare=prepare,
            execute=execute,
        )
