"""Expressions that SQLite and PostgreSQL spell differently: months, directories, accent folding, vector distance."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, Float, String, bindparam, cast, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from photonest.db.types import Embedding


def month_of(dialect: str, column: Any) -> tuple[ColumnElement[Any], ColumnElement[str]]:
    """The expression to group the column's (UTC) months by, and that month's first day as 'YYYY-MM-DD' text."""
    if dialect == "postgresql":
        # Literal arguments, so that the grouped expression matches the selected one (and an expression index).
        month = func.date_trunc(literal_column("'month'"), func.timezone(literal_column("'UTC'"), column))
        return month, func.to_char(month, "YYYY-MM-DD")
    # SQLite keeps naive UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'); cutting it is cheaper than strftime.
    first_day = func.substr(column, literal_column("1"), literal_column("8"), type_=String).op("||")(
        literal_column("'01'")
    )
    return first_day, first_day


def directory_of(dialect: str, column: Any) -> ColumnElement[str]:
    """The column's path up to and including its last '/', or '' when it has none."""
    if dialect == "postgresql":
        return func.coalesce(func.substring(column, "^(.*/)[^/]*$"), "")
    # SQLite has no regular expressions: trimming every character but '/' from the right leaves the directory.
    return func.rtrim(column, func.replace(column, "/", ""))


def cosine_distance(dialect_name: str, column: ColumnElement[Any], vector: Any) -> ColumnElement[float]:
    """Cosine distance (0 = same direction, 2 = opposite) between an embedding column and a query vector."""
    query = bindparam(None, vector, type_=Embedding())
    if dialect_name == "postgresql":
        return column.op("<=>", return_type=Float)(cast(query, Embedding()))
    return func.vec_distance_cosine(column, query, type_=Float)


def _accent_table() -> tuple[str, str]:
    """Accented Latin letters (both cases) and their lower-case ASCII base letters, character for character."""
    source, target = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base.isalpha():
            source.append(char)
            target.append(base.lower())
    for char, base in (("Ø", "o"), ("ø", "o"), ("Ł", "l"), ("ł", "l"), ("Đ", "d"), ("đ", "d")):
        source.append(char)
        target.append(base)
    return "".join(source), "".join(target)


ACCENTED, UNACCENTED = _accent_table()


class folded(FunctionElement[str]):
    """The text lower-cased and stripped of Latin accents (upstream's `f_unaccent` with ILIKE)."""

    type = String()
    inherit_cache = True


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"lower(translate({column}, '{ACCENTED}', '{UNACCENTED}'))"


@compiles(folded)
def _folded_default(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite has neither translate() nor a Unicode-aware lower(): one replace() per accented letter, and only for
    # text that is not plain ASCII (the common case then costs one GLOB).
    column = compiler.process(element.clauses, **kw)
    text = column
    for accented, plain in zip(ACCENTED, UNACCENTED, strict=True):
        text = f"replace({text}, '{accented}', '{plain}')"
    return f"lower(CASE WHEN {column} GLOB '*[^ -~]*' THEN {text} ELSE {column} END)"


_STRIP_ACCENTS = str.maketrans(ACCENTED, UNACCENTED)


def strip_accents(text: str) -> str:
    """The text with the Latin accents `folded` removes stripped the same way (case is left to the database)."""
    return text.translate(_STRIP_ACCENTS)
