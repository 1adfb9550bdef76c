"""Timeline benchmark: GET /timeline/buckets and /timeline/bucket through the service against the bare SQL.

Seeds one user's library (100k assets by default, spread over 20 years, with EXIF rows) through the repositories
in a fresh database, then times, per request-shaped call (own transaction each):

- the service (`TimelineService.get_time_buckets` / `get_time_bucket`: access checks, query, JSON building), and
- the bare SQL of the same query run on the DB-API cursor with rows fetched and nothing else (the baseline),

first on the schema as migrated, then again after creating the index proposed for the timeline.
It prints median and p95 in milliseconds and the service/baseline ratio; compare ratios, not absolute times.

    .venv/bin/python bench/timeline_bench.py                                # SQLite file in a temp folder
    .venv/bin/python bench/timeline_bench.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text

from photonest.config.env import Settings
from photonest.container import Container, build_container
from photonest.db import migrate
from photonest.db.engine import create_db_engine
from photonest.db.tables import asset, asset_exif
from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.schemas import requests as r
from photonest.services.timeline import TimelineService

# The month each dialect groups by, exactly as `repositories/timeline.py` writes it (an index must match it).
MONTH = {
    "postgresql": "date_trunc('month', timezone('UTC', local_date_time))",
    "sqlite": "substr(local_date_time, 1, 8) || '01'",
}
# Candidate indexes, each measured on its own against the schema as migrated.
CANDIDATES = {
    "A": "owner_id, visibility, deleted_at, local_date_time",
    "B": "owner_id, local_date_time, visibility, deleted_at",
    "C": "owner_id, visibility, deleted_at, local_date_time + month expression index",
}
CITIES = [("Paris", "France"), ("Berlin", "Germany"), ("Tokyo", "Japan"), (None, None)]


@contextmanager
def fresh_database(url: str | None) -> Iterator[Engine]:
    """A migrated, empty database: a temporary SQLite file, or a new database on the given PostgreSQL server."""
    if not url:
        with tempfile.TemporaryDirectory() as folder:
            engine = create_db_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            migrate.upgrade(engine)
            yield engine
            engine.dispose()
        return
    name = f"photonest_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_db_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(container: Container, count: int, months: int, seed_value: int) -> Auth:
    """One user and `count` assets through the repositories, in batches of multi-row inserts."""
    rng = random.Random(seed_value)
    start = datetime(2024, 12, 31, tzinfo=UTC)
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        user = repos.users.create({"email": "bench@immich.cloud", "name": "Bench", "password": "x"})
        batch_assets: list[dict[str, Any]] = []
        batch_exif: list[dict[str, Any]] = []
        for n in range(count):
            asset_id = uuid.uuid4()
            when = start - timedelta(seconds=rng.randrange(months * 30 * 86400))
            roll = rng.random()
            visibility = (
                "archive" if roll < 0.03 else "hidden" if roll < 0.05 else "locked" if roll < 0.055 else "timeline"
            )
            trashed = rng.random() < 0.01
            batch_assets.append(
                {
                    "id": asset_id,
                    "owner_id": user.id,
                    "device_asset_id": f"d{n}",
                    "device_id": "bench",
                    "type": "VIDEO" if rng.random() < 0.1 else "IMAGE",
                    "original_path": f"/media/upload/{user.id}/{asset_id}.jpg",
                    "original_file_name": f"IMG_{n:06d}.jpg",
                    "file_created_at": when,
                    "file_modified_at": when,
                    "local_date_time": when,
                    "checksum": hashlib.sha1(asset_id.bytes).digest(),
                    "is_favorite": rng.random() < 0.05,
                    "thumbhash": rng.randbytes(25),
                    "visibility": visibility,
                    "deleted_at": when if trashed else None,
                    "status": "trashed" if trashed else "active",
                }
            )
            city, country = rng.choice(CITIES)
            width, height = rng.choice([(4000, 3000), (3000, 4000), (1920, 1080)])
            batch_exif.append(
                {"asset_id": asset_id, "exif_image_width": width, "exif_image_height": height, "city": city,
                 "country": country, "orientation": rng.choice(["1", "6", None]), "file_size_in_byte": 3_000_000}
            )  # fmt: skip
            if len(batch_assets) == 5000 or n == count - 1:
                repos.assets.execute(insert(asset), batch_assets)
                repos.assets.execute(insert(asset_exif), batch_exif)
                batch_assets, batch_exif = [], []
    return Auth(user=user)


def analyze(engine: Engine) -> None:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")


def bare_queries(engine: Engine, owner_id: uuid.UUID, month: datetime) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """The service's two queries, written out by hand for the DB-API cursor."""
    end = month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(month=month.month + 1)
    owner: Any
    lower: Any
    upper: Any
    group = MONTH[engine.dialect.name]
    if engine.dialect.name == "postgresql":
        mark, owner, lower, upper = "%s", owner_id, month, end
        bucket = f"to_char({group}, 'YYYY-MM-DD')"
    else:
        # SQLite stores UUIDs as 32 hex digits and timestamps as naive UTC text.
        mark, owner = "?", owner_id.hex
        lower, upper = (str(d.replace(tzinfo=None)) + ".000000" for d in (month, end))
        bucket = group
    where = f"owner_id = {mark} AND deleted_at IS NULL AND visibility IN ('archive', 'timeline')"
    return {
        "buckets": (
            f"SELECT {bucket} AS time_bucket, count(*) FROM asset WHERE {where} GROUP BY {group} ORDER BY {group} DESC",
            (owner,),
        ),
        "bucket": (
            "SELECT a.id, a.owner_id, a.type, a.is_favorite, a.visibility, a.deleted_at, a.thumbhash, "
            "a.local_date_time, a.duration, a.live_photo_video_id, a.status, a.stack_id, e.exif_image_width, "
            "e.exif_image_height, e.orientation, e.projection_type, e.city, e.country "
            f"FROM asset a LEFT JOIN asset_exif e ON e.asset_id = a.id WHERE a.{where.replace(' AND ', ' AND a.')} "
            f"AND a.local_date_time >= {mark} AND a.local_date_time < {mark} "
            "ORDER BY a.local_date_time DESC, a.id DESC",
            (owner, lower, upper),
        ),
    }


def timed(call: Callable[[], Any], runs: int) -> list[float]:
    call()  # warm caches and the connection pool
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(container: Container, auth: Auth, runs: int) -> list[tuple[str, list[float], list[float], int]]:
    with container.unit_of_work() as uow:
        counts = TimelineService(container.context(uow)).get_time_buckets(auth, r.TimeBucketDto())
    largest = max(counts, key=lambda b: b.count)
    month = datetime.fromisoformat(largest.time_bucket).replace(tzinfo=UTC)
    bare = bare_queries(container.engine, auth.user_id, month)

    def service_buckets() -> Any:
        with container.unit_of_work() as uow:
            return TimelineService(container.context(uow)).get_time_buckets(auth, r.TimeBucketDto())

    def service_bucket() -> Any:
        dto = r.TimeBucketAssetDto(time_bucket=largest.time_bucket)
        with container.unit_of_work() as uow:
            return TimelineService(container.context(uow)).get_time_bucket(auth, dto)

    def run_bare(name: str) -> Callable[[], Any]:
        sql, params = bare[name]

        def call() -> Any:
            with container.engine.connect() as conn:
                return conn.exec_driver_sql(sql, params).fetchall()

        return call

    return [
        ("GET /timeline/buckets", timed(service_buckets, runs), timed(run_bare("buckets"), runs), len(counts)),
        ("GET /timeline/bucket", timed(service_bucket, runs), timed(run_bare("bucket"), runs), largest.count),
    ]


def report(title: str, rows: list[tuple[str, list[float], list[float], int]]) -> None:
    print(f"\n{title}")
    print(f"{'call':<24}{'items':>7}{'service median/p95 ms':>26}{'bare SQL median/p95 ms':>26}{'p95 ratio':>11}")
    for name, service, bare, items in rows:
        ratio = p95(service) / p95(bare)
        print(
            f"{name:<24}{items:>7}{statistics.median(service):>14.2f} /{p95(service):>8.2f}"
            f"{statistics.median(bare):>16.2f} /{p95(bare):>8.2f}{ratio:>10.2f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default="", help="PostgreSQL server URL (a scratch database is created there)")
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=240, help="how many months the assets spread over")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with fresh_database(args.db_url) as engine, tempfile.TemporaryDirectory() as media:
        container = build_container(Settings(media_location=Path(media)), engine)
        began = time.perf_counter()
        auth = seed(container, args.assets, args.months, args.seed)
        analyze(engine)
        print(f"{engine.dialect.name}: seeded {args.assets} assets over {args.months} months "
              f"in {time.perf_counter() - began:.1f} s; {args.runs} runs per figure")  # fmt: skip
        report("schema as migrated", measure(container, auth, args.runs))
        for name, columns in CANDIDATES.items():
            statements = candidate_indexes(engine.dialect.name, columns)
            with engine.begin() as conn:
                for n, statement in enumerate(statements):
                    conn.exec_driver_sql(f"CREATE INDEX bench_{n} ON asset {statement}")
            analyze(engine)
            report(f"{name}: schema + index {'; '.join(statements)}", measure(container, auth, args.runs))
            with engine.begin() as conn:
                for n in range(len(statements)):
                    conn.exec_driver_sql(f"DROP INDEX bench_{n}")
    return 0


def candidate_indexes(dialect: str, columns: str) -> list[str]:
    """The index definitions (after `ON asset`) a candidate stands for."""
    plain, _, extra = columns.partition(" + ")
    indexes = [f"({plain})"]
    if extra:
        indexes.append(f"(owner_id, ({MONTH[dialect]}), visibility, deleted_at)")
    return indexes


if __name__ == "__main__":
    sys.exit(main())
