"""External library scan benchmark: files per second for a first import and for a rescan with nothing changed.

Generates a folder tree of small files (12k media files by default, plus non-media files and a NAS metadata
folder the default exclusion patterns skip), then, in one run:

- the baseline: a bare `os.walk` + `os.stat` of every file (after one warm-up walk, so every pass reads a warm
  dentry/inode cache),
- the crawl alone (`walk_library`: exclusions, hidden files, symlink and media-folder checks),
- the first import: `library-queue-sync-files` + `library-queue-sync-assets` and the `library-sync-files` jobs they
  queue, run through the job worker on the library queue only (asset rows, EXIF sizes, metadata-extraction jobs
  queued; no thumbnails or metadata work),
- a rescan with nothing changed: the same two jobs and the `library-sync-assets` checks they queue (which stat every
  known file and compare mtime and size), ending with no new work queued.

    .venv/bin/python bench/library_bench.py                       # SQLite file in a temp folder
    .venv/bin/python bench/library_bench.py --files 50000
    .venv/bin/python bench/library_bench.py --db-url postgresql+psycopg://postgres@/postgres?host=/tmp/pgt
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text

from photonest.config.env import Settings
from photonest.container import build_container
from photonest.db import migrate
from photonest.db.engine import create_db_engine
from photonest.db.tables import asset, job
from photonest.jobs.names import QueueName
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import Worker, WorkerOptions
from photonest.repositories import Repositories
from photonest.services.library import LibraryService
from photonest.storage.library_scan import DEFAULT_EXCLUSION_PATTERNS, LibraryScope, walk_library

EXTENSIONS = [".jpg"] * 8 + [".heic", ".mp4"]


@contextmanager
def fresh_database(url: str | None, folder: Path) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file in `folder`, or a new database on the given PostgreSQL server."""
    if not url:
        engine = create_db_engine(f"sqlite:///{folder / 'bench.db'}")
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


def make_tree(root: Path, count: int, per_folder: int) -> int:
    """`count` media files in folders of `per_folder`, two levels deep, with noise; the number of media files."""
    for i in range(count):
        folder = root / f"{i // (per_folder * 20):03d}" / f"{(i // per_folder) % 20:02d}"
        if i % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "notes.txt").write_bytes(b"not media")
            (folder / "@eaDir").mkdir()
            (folder / "@eaDir" / "SYNOPHOTO_THUMB_M.jpg").write_bytes(b"x")
        (folder / f"IMG_{i:06d}{EXTENSIONS[i % len(EXTENSIONS)]}").write_bytes(b"\xff\xd8\xff" + i.to_bytes(4, "big"))
    return count


def baseline(root: Path) -> int:
    """A bare walk that stats every file: the floor any scan must pay."""
    seen = 0
    for folder, _, files in os.walk(root):
        for name in files:
            os.stat(os.path.join(folder, name))
            seen += 1
    return seen


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=12_000, help="media files in the generated tree")
    parser.add_argument("--per-folder", type=int, default=100, help="files per folder")
    parser.add_argument("--db-url", default=None, help="PostgreSQL server URL (default: a SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="photonest-library-bench-") as temp:
        folder = Path(temp)
        root = folder / "photos"
        media = folder / "media"
        media.mkdir()
        generated, _ = timed(lambda: make_tree(root, args.files, args.per_folder))
        print(f"generated {args.files} media files in {generated:.1f} s under {root}")
        baseline(root)  # warm the cache

        base_time, base_count = timed(lambda: baseline(root))
        scope = LibraryScope.of([str(root)], DEFAULT_EXCLUSION_PATTERNS, media)
        walk_time, walked = timed(lambda: sum(len(page) for page in walk_library(scope)))
        assert walked == args.files, (walked, args.files)

        with fresh_database(args.db_url, folder) as engine:
            container = build_container(Settings(media_location=media, machine_learning_enabled=False), engine)
            with container.unit_of_work() as uow:
                repos = Repositories(uow)
                owner = repos.users.create({"email": "bench@example.com", "name": "Bench", "is_admin": True})
                library = repos.libraries.create(
                    {
                        "owner_id": owner.id,
                        "name": "Bench",
                        "import_paths": [str(root)],
                        "exclusion_patterns": DEFAULT_EXCLUSION_PATTERNS,
                    }
                )
            registry = load_handlers()
            options = WorkerOptions(queues=frozenset({QueueName.LIBRARY}), retry_backoff=timedelta(0))

            def scan() -> int:
                with container.unit_of_work() as uow:
                    LibraryService(container.context(uow)).queue_scan(library.id)
                return Worker(container, registry, options).run_pending()

            def counts() -> tuple[int, int]:
                with engine.connect() as conn:
                    assets = conn.execute(select(func.count()).select_from(asset)).scalar_one()
                    jobs = conn.execute(
                        select(func.count()).select_from(job).where(job.c.name == "metadata-extraction")
                    ).scalar_one()
                return int(assets), int(jobs)

            import_time, import_jobs = timed(scan)
            imported, queued = counts()
            assert imported == args.files and queued == args.files, (imported, queued)
            rescan_time, rescan_jobs = timed(scan)
            after = counts()
            assert after == (imported, queued), after

        dialect = "postgresql" if args.db_url else "sqlite"
        print(f"\n{dialect}, {args.files} media files ({base_count} files in the tree incl. noise), 1 thread\n")
        print("| pass | seconds | files/s | vs baseline |")
        print("| --- | ---: | ---: | ---: |")
        rows = [
            ("baseline: os.walk + os.stat", base_time, base_count),
            ("crawl only (walk_library)", walk_time, walked),
            (f"first import ({import_jobs} library jobs)", import_time, imported),
            (f"rescan, nothing changed ({rescan_jobs} library jobs)", rescan_time, imported),
        ]
        base_rate = base_count / base_time
        for name, seconds, files in rows:
            rate = files / seconds
            print(f"| {name} | {seconds:.2f} | {rate:,.0f} | {rate / base_rate:.2f}x |")


if __name__ == "__main__":
    main()
