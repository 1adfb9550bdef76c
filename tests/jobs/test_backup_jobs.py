"""Database backups: a restorable SQLite copy or a pg_dump, both gzip'd into backups/, and their rotation."""

from __future__ import annotations

import gzip
import re
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from photonest.container import Container
from photonest.jobs.names import JobName, QueueName
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import Worker, WorkerOptions
from photonest.services import backup
from photonest.services.backup import BackupError, find_pg_dump, remove_old_backups
from photonest.services.system_config import SystemConfigService
from photonest.storage.layout import StorageFolder
from tests.factories import Api, Caller
from tests.jobs.helpers import enqueue, rows, state

QUEUE = QueueName.BACKUP_DATABASE.value
NAME = re.compile(r"immich-db-backup-\d{8}T\d{6}-v1\.134\.0-(sqlite3\.\d+\.\d+\.sqlite|pg\d+\.\d+\.sql)\.gz")


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


def run_backups(container: Container) -> int:
    options = WorkerOptions(queues=frozenset({QueueName.BACKUP_DATABASE}), retry_backoff=timedelta(0))
    return Worker(container, load_handlers(), options).run_pending()


def backups(container: Container) -> list[Path]:
    """The files in backups/ but its `.immich` marker."""
    folder = container.storage.folder(StorageFolder.BACKUPS)
    return sorted(path for path in folder.iterdir() if path.name != ".immich")


def is_sqlite(container: Container) -> bool:
    return container.engine.dialect.name == "sqlite"


def fake_pg_dump(folder: Path, version: str) -> str:
    """An executable that answers `--version` like pg_dump of the given version."""
    path = folder / f"pg_dump-{version}"
    path.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {version}'\n")
    path.chmod(0o755)
    return str(path)


def test_the_manual_job_writes_a_backup_that_restores(
    api: Api, admin: Caller, container: Container, tmp_path: Path
) -> None:
    response = api.request("POST", "/api/jobs", admin, json={"name": "backup-database"})
    assert response.status_code == 201, response.text
    assert run_backups(container) == 1
    assert (state(container, QUEUE).completed, state(container, QUEUE).failed) == (1, 0)
    (written,) = backups(container)
    assert NAME.fullmatch(written.name), written.name
    # The dump holds password hashes and the config's secrets: owner-only.
    assert written.stat().st_mode & 0o077 == 0, oct(written.stat().st_mode)
    if is_sqlite(container):
        restored = tmp_path / "restored.db"
        with gzip.open(written) as source, restored.open("wb") as target:
            shutil.copyfileobj(source, target)
        with sqlite3.connect(restored) as db:
            emails = [row[0] for row in db.execute('SELECT email FROM "user"')]
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert emails == ["admin@immich.cloud"]
    else:
        dump = gzip.decompress(written.read_bytes()).decode()
        assert "CREATE TABLE public.asset (" in dump
        assert "DROP TABLE IF EXISTS public.asset;" in dump
        assert "admin@immich.cloud" in dump


def test_old_and_unfinished_backups_are_removed(container: Container) -> None:
    with container.unit_of_work() as uow:
        SystemConfigService(container.context(uow)).patch_config({"backup": {"database": {"keepLastAmount": 2}}})
    folder = container.storage.folder(StorageFolder.BACKUPS)
    folder.mkdir(parents=True, exist_ok=True)
    old = [
        "immich-db-backup-20200101T010101-v1.134.0-pg16.4.sql.gz",
        "immich-db-backup-20200102T010101-v1.134.0-sqlite3.45.1.sqlite.gz",
        "immich-db-backup-20200103T010101-v1.134.0-pg16.4.sql.gz",
    ]
    for name in [*old, "immich-db-backup-20200104T010101-v1.134.0-pg16.4.sql.gz.tmp", "notes.txt"]:
        (folder / name).write_bytes(b"x")
    enqueue(container, QUEUE, JobName.DATABASE_BACKUP.value)
    assert run_backups(container) == 1
    names = {path.name for path in backups(container)}
    (written,) = [name for name in names if NAME.fullmatch(name) and not name.startswith("immich-db-backup-2020")]
    assert names == {old[2], written, "notes.txt"}


def test_rotation_knows_upstreams_names(tmp_path: Path) -> None:
    names = [
        "immich-db-backup-1717000000000.sql.gz",
        "immich-db-backup-1718000000000.sql.gz",
        "immich-db-backup-1718000000001.sql.gz.tmp",
        "immich-db-backup-20250101T000000-v1.134.0-sqlite3.46.1.sqlite.tmp",
        "other-backup.sql.gz",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    deleted = remove_old_backups(tmp_path, 1)
    assert sorted(deleted) == sorted([names[0], names[2], names[3]])
    assert sorted(p.name for p in tmp_path.iterdir()) == [names[1], names[4]]


def test_the_pg_dump_closest_to_the_server_is_chosen(tmp_path: Path) -> None:
    tools = [fake_pg_dump(tmp_path, v) for v in ("15.2", "18.1", "17.5")]
    assert find_pg_dump(16, tools) == backup.PgDump(tools[2], 17)
    assert find_pg_dump(18, tools).major == 18
    with pytest.raises(BackupError, match=r"No pg_dump of PostgreSQL 19 or newer was found \(found: .*\(15\)"):
        find_pg_dump(19, tools)
    with pytest.raises(BackupError, match=r"found: none"):
        find_pg_dump(15, [str(tmp_path / "missing")])


def test_a_pg_dump_older_than_the_server_fails_the_job_clearly(
    container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if is_sqlite(container):
        pytest.skip("pg_dump serves PostgreSQL only")
    monkeypatch.setattr(backup, "pg_dump_candidates", lambda: [fake_pg_dump(tmp_path, "9.6")])
    enqueue(container, QUEUE, JobName.DATABASE_BACKUP.value)
    run_backups(container)
    (row,) = rows(container)
    assert row["status"] == "failed"
    assert "BackupError: No pg_dump of PostgreSQL" in row["error"] and "(9)" in row["error"]
    assert backups(container) == []


def test_a_failing_pg_dump_leaves_no_file(
    container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if is_sqlite(container):
        pytest.skip("pg_dump serves PostgreSQL only")
    broken = tmp_path / "pg_dump"
    broken.write_text(
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 99.0'; exit 0; fi\n"
        "echo partial; echo 'connection refused' >&2; exit 1\n"
    )
    broken.chmod(0o755)
    monkeypatch.setattr(backup, "pg_dump_candidates", lambda: [str(broken)])
    enqueue(container, QUEUE, JobName.DATABASE_BACKUP.value)
    run_backups(container)
    (row,) = rows(container)
    assert row["status"] == "failed" and "connection refused" in row["error"]
    assert backups(container) == []
