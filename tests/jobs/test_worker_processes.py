"""Two real `photonest worker` processes on one database: every job runs once, a killed worker's job is retried.

Each worker is the command line's `worker` command (`photonest.__main__.main(["worker"])`) in a subprocess of its
own, started through this module's `__main__` so that it runs a probe job (which records each run in a shared
file) and short leases: the process settings have no lease knob, so the options are passed to `run_worker` here.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Engine, select

from photonest.container import Container
from photonest.db.tables import job_queue
from photonest.db.types import utcnow
from photonest.jobs.names import JOB_QUEUE, JobName, JobStatus
from photonest.jobs.runner import WorkerOptions
from photonest.services.base import ServiceContext
from tests.jobs.helpers import enqueue, rows, wait_for

ROOT = Path(__file__).resolve().parents[2]
PROBE = JobName.USER_SYNC_USAGE  # any job name; the probe workers handle only this one
QUEUE = JOB_QUEUE[PROBE].value
LEASE = timedelta(seconds=2)
OPTIONS = WorkerOptions(
    poll_interval=0.05,
    pg_poll_interval=0.05,
    lease=LEASE,
    heartbeat_interval=0.2,
    reap_interval=0.2,
    retry_backoff=timedelta(0),
    shutdown_timeout=2,
)
RUN_SECONDS = 0.1  # how long one probe job takes, so that both workers get a share


# --- the worker side (runs in the subprocesses) ----------------------------------------------------------------


class Run(NamedTuple):
    """One line of the run log."""

    event: str
    n: int
    pid: int
    at: datetime


def _record(log: Path, event: str, n: int) -> None:
    """Append one line to the shared run log (O_APPEND: lines of both processes never interleave)."""
    with log.open("a") as out:
        out.write(f"{event} {n} {os.getpid()} {utcnow().isoformat()}\n")


def _probe(log: Path, ctx: ServiceContext, data: dict[str, Any]) -> JobStatus:
    """Record the start, run a little (or, once, hang until killed when `hold`), record the end."""
    _record(log, "start", data["n"])
    first_hold = data.get("hold") and not log.with_suffix(".held").exists()
    if first_hold:
        log.with_suffix(".held").touch()
        time.sleep(600)
    time.sleep(RUN_SECONDS)
    _record(log, "done", data["n"])
    return JobStatus.SUCCESS


def _worker_main(log: Path) -> int:
    """The `photonest worker` command with the probe as its only job handler and short leases."""
    import photonest.worker
    from photonest.__main__ import main
    from photonest.jobs.registry import JobRegistry

    registry = JobRegistry()
    registry.register(PROBE, functools.partial(_probe, log))
    run_worker = photonest.worker.run_worker

    def run_probe_worker(container: Container, *_: Any, **__: Any) -> None:
        _record(log, "ready", -1)
        run_worker(container, options=OPTIONS)

    photonest.worker.load_handlers = lambda: registry  # type: ignore[attr-defined]
    photonest.worker.run_worker = run_probe_worker  # type: ignore[assignment]
    return main(["worker"])


# --- the test side ---------------------------------------------------------------------------------------------


class Workers:
    """Worker subprocesses sharing one database and one run log."""

    def __init__(self, engine: Engine, tmp: Path) -> None:
        self.log = tmp / "runs.log"
        self.log.touch()
        media = tmp / "worker-media"
        media.mkdir()
        self.env = os.environ | {
            "DB_URL": engine.url.render_as_string(hide_password=False),
            "IMMICH_MEDIA_LOCATION": str(media),
            "IMMICH_MACHINE_LEARNING_ENABLED": "false",
            "IMMICH_LOG_LEVEL": "warn",
            "PYTHONPATH": str(ROOT),
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> list[int]:
        """Start `count` workers and wait until each has its database ready and enters its job loop; their pids."""
        command = [sys.executable, "-m", "tests.jobs.test_worker_processes", str(self.log)]
        started = [subprocess.Popen(command, cwd=ROOT, env=self.env) for _ in range(count)]
        self.processes += started
        pids = {p.pid for p in started}
        wait_for(lambda: pids <= {run.pid for run in self.lines("ready")}, 15, "the workers to start")
        for process in started:
            assert process.poll() is None, f"worker {process.pid} exited with {process.returncode}"
        return [p.pid for p in started]

    def lines(self, event: str) -> list[Run]:
        """The run log lines of this event, in order."""
        found = [line.split() for line in self.log.read_text().splitlines()]
        runs = [Run(e, int(n), int(pid), datetime.fromisoformat(at)) for e, n, pid, at in found]
        return [run for run in runs if run.event == event]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(container: Container, tmp_path: Path) -> Iterator[Workers]:
    group = Workers(container.engine, tmp_path)
    try:
        yield group
    finally:
        group.stop()


def _completed_count(container: Container) -> int:
    with container.engine.connect() as conn:
        found = conn.execute(select(job_queue.c.completed).where(job_queue.c.name == QUEUE)).scalar()
        return int(found or 0)


def test_two_worker_processes_run_every_job_exactly_once(container: Container, workers: Workers) -> None:
    pids = workers.start(2)
    count = 40
    for n in range(count):
        enqueue(container, QUEUE, PROBE.value, {"n": n})

    wait_for(lambda: len(workers.lines("done")) >= count, 15, "every job to finish")
    wait_for(lambda: not rows(container), 5, "the finished jobs to be removed")

    started, done = workers.lines("start"), workers.lines("done")
    assert sorted(run.n for run in started) == list(range(count))
    assert sorted(run.n for run in done) == list(range(count))
    assert {run.pid for run in done} == set(pids)
    assert _completed_count(container) == count


def test_job_of_a_killed_worker_runs_again_on_the_other_after_its_lease(container: Container, workers: Workers) -> None:
    workers.start(2)
    enqueue(container, QUEUE, PROBE.value, {"n": 0, "hold": True})
    wait_for(lambda: bool(workers.lines("start")), 10, "the job to start")
    victim = workers.lines("start")[0].pid
    os.kill(victim, signal.SIGKILL)
    killed_at = utcnow()
    (held,) = rows(container)
    wait_for(lambda: bool(workers.lines("done")), 15, "the job to run again")

    first, retry = workers.lines("start")
    assert first.pid == victim and retry.pid != victim
    assert [run.pid for run in workers.lines("done")] == [retry.pid]
    # Taken until its lease, renewed up to the kill, ran out: only then did the other worker get it.
    assert held["status"] == "active" and held["locked_until"] > killed_at
    assert retry.at >= held["locked_until"]
    wait_for(lambda: not rows(container), 5, "the retried job to be removed")
    assert _completed_count(container) == 1


if __name__ == "__main__":
    sys.exit(_worker_main(Path(sys.argv[1])))
