"""Upload benchmark: POST /api/assets throughput and server memory against bare stream-to-disk baselines.

Starts the real server as subprocesses (`photonest serve`, SQLite, job workers excluded so nothing competes with
the uploads), one per `--api-processes` configuration (default: one API process, the default, and two), signs up
the admin, makes an API key, then uploads the same real-size JPEGs (4000x3000, ~2-6 MB, generated once into a cache
folder) with 1, 2, 4 and 8 concurrent clients (httpx, streamed multipart bodies).

Baselines measured in the same run, with the same files, chunk size and concurrency:

- disk: read the file, write it to a temporary folder with SHA-1 and fsync, rename (what the server must do anyway);
- http: the same multipart bodies sent to a bare uvicorn ASGI app (own subprocess) that streams the body to disk
  with SHA-1 and fsync, without parsing, database or framework.

Within a level the receivers (disk, bare HTTP, each server) take turns in blocks of `--block` files (the first of
each turn rotating), each with its own clients and connections kept for the whole level, and the times of each are
summed: drifts of the machine (page-cache state, other work) fall on all of them alike instead of on whichever phase
ran at the time.

Everything is written under a scratch folder made in `--scratch-dir` (default: the repository, whose file system
holds `./data` when the server runs from here) and removed at the end.

For each level it also prints the CPU time (user + system) the receiving processes spent per upload, each server
(its API processes summed) and the bare HTTP receiver: on a machine shared with other work the ratio of those is
steadier than the throughput ratio.

Then memory: one 2 GB body streamed from a generator (never held by the client) to the first server configuration
while its RSS (all its processes) is sampled; it prints idle, peak and delta. Every upload gets its own JPEG
comment segment, so no upload is a duplicate.

    .venv/bin/python bench/upload_bench.py
    .venv/bin/python bench/upload_bench.py --count 50 --concurrency 1 4 --big-mb 512 --api-processes 2
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_jpegs import comment_segment, ensure_jpegs

CHUNK = 1024 * 1024  # client read/send size, and the baseline's write size (the server feeds its parser 1 MiB)
BOUNDARY = "photonestbenchboundary7MA4YWxkTrZu0gW"
STAMP = "2024-06-01T12:00:00.000Z"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    sys.exit(f"server did not answer {url} within {timeout}s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---------------------------------------------------------------------------------------------------------------
# Multipart bodies, streamed


def file_chunks(path: Path, tag: str) -> tuple[int, Callable[[], Iterator[bytes]]]:
    """The file with its own COM segment after SOI, read in CHUNK pieces; (length, chunk source)."""
    segment = comment_segment(tag)
    size = path.stat().st_size + len(segment)

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as source:
            yield source.read(2) + segment
            while data := source.read(CHUNK):
                yield data

    return size, chunks


def multipart(fields: dict[str, str], filename: str, size: int, chunks: Iterator[bytes]) -> tuple[int, Iterator[bytes]]:
    head = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="assetData"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head.encode()
        yield from chunks
        yield tail

    return len(head.encode()) + size + len(tail), body()


def post_upload(client: httpx.Client, url: str, filename: str, size: int, chunks: Iterator[bytes]) -> None:
    fields = {"deviceAssetId": uuid.uuid4().hex, "deviceId": "bench", "fileCreatedAt": STAMP, "fileModifiedAt": STAMP}
    length, body = multipart(fields, filename, size, chunks)
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}", "content-length": str(length)}
    response = client.post(url, content=body, headers=headers)
    if response.status_code != 201:
        raise RuntimeError(f"upload of {filename}: {response.status_code} {response.text[:300]}")


class Receiver:
    """One side of the comparison: uploads a block of files with `concurrency` clients, summing time, bytes, CPU."""

    def __init__(self, name: str, concurrency: int, pid: int | None = None) -> None:
        self.name = name
        self.pool = ThreadPoolExecutor(concurrency)
        self.process = psutil.Process(pid) if pid else None
        self.seconds = 0.0
        self.bytes = 0
        self.user = 0.0
        self.system = 0.0

    def one(self, path: Path, tag: str) -> int:
        raise NotImplementedError

    def run(self, files: list[Path], tag: str) -> None:
        before = self.cpu_times()
        start = time.perf_counter()
        self.bytes += sum(self.pool.map(lambda path: self.one(path, tag), files))
        self.seconds += time.perf_counter() - start
        after = self.cpu_times()
        self.user += after[0] - before[0]
        self.system += after[1] - before[1]

    def cpu_times(self) -> tuple[float, float]:
        """User and system CPU seconds of the receiving process and its children (several API processes)."""
        if self.process is None:
            return 0.0, 0.0
        user = system = 0.0
        for process in [self.process, *self.process.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                user, system = user + times.user, system + times.system
        return user, system

    def close(self) -> None:
        self.pool.shutdown()

    @property
    def mb_per_s(self) -> float:
        return self.bytes / self.seconds / 1e6


class HttpReceiver(Receiver):
    """Multipart uploads over HTTP, one keep-alive client per thread."""

    def __init__(self, name: str, concurrency: int, pid: int, url: str, key: str) -> None:
        super().__init__(name, concurrency, pid)
        self.url, self.key = url, key
        self.local = threading.local()

    def one(self, path: Path, tag: str) -> int:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(headers={"x-api-key": self.key}, timeout=600)
        size, chunks = file_chunks(path, f"{tag} {path.name}")
        post_upload(self.local.client, self.url, path.name, size, chunks())
        return size


class DiskReceiver(Receiver):
    """Read each file in CHUNK pieces, write it with SHA-1 to a temporary name, fsync, rename."""

    def __init__(self, name: str, concurrency: int, folder: Path) -> None:
        super().__init__(name, concurrency)
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def one(self, path: Path, tag: str) -> int:
        size, chunks = file_chunks(path, f"{tag} {path.name}")
        temporary = self.folder / f".{uuid.uuid4().hex}.tmp"
        digest = hashlib.sha1()
        with temporary.open("xb") as target:
            for data in chunks():
                target.write(data)
                digest.update(data)
            target.flush()
            os.fsync(target.fileno())
        temporary.replace(self.folder / f"{digest.hexdigest()}.jpg")
        return size


def run_level(files: list[Path], block: int, receivers: list[Receiver], tag: str) -> None:
    """Every receiver uploads every file, taking turns block by block; the first of each turn rotates."""
    for turn, start in enumerate(range(0, len(files), block)):
        for receiver in receivers[turn % len(receivers) :] + receivers[: turn % len(receivers)]:
            settle()
            receiver.run(files[start : start + block], f"{tag} {receiver.name}")


def settle() -> None:
    """Flush what earlier turns wrote or deleted, so no turn pays for another's writeback or discards."""
    os.sync()
    time.sleep(0.2)


# ---------------------------------------------------------------------------------------------------------------
# The bare HTTP receiver (runs in its own process: `upload_bench.py --bare-receiver PORT FOLDER`)


def run_bare_receiver(port: int, folder: Path) -> None:
    import anyio
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "POST":
            temporary = folder / f".{uuid.uuid4().hex}.tmp"
            digest = hashlib.sha1()
            target = temporary.open("xb")

            def write(data: bytes) -> None:
                target.write(data)
                digest.update(data)

            pending: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                chunk = message.get("body", b"")
                more = message.get("more_body", False)
                pending.append(chunk)
                size += len(chunk)
                if size >= CHUNK or not more:
                    data, pending, size = b"".join(pending), [], 0
                    await anyio.to_thread.run_sync(write, data)

            def finish() -> None:
                target.flush()
                os.fsync(target.fileno())
                target.close()
                temporary.replace(folder / f"{digest.hexdigest()}.bin")

            await anyio.to_thread.run_sync(finish)
            status, body = 201, b'{"status":"created"}'
        else:
            status, body = 200, b"{}"
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        )
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ---------------------------------------------------------------------------------------------------------------
# Memory


class RssSampler:
    """Peak RSS of a process and its children, sampled every `interval` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += child.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def big_body(megabytes: int) -> tuple[int, Iterator[bytes]]:
    """`megabytes` MiB from one reused 1 MiB random block (an MP4-looking start), never held whole."""
    block = bytearray(os.urandom(CHUNK))
    block[4:12] = b"ftypisom"

    def chunks() -> Iterator[bytes]:
        for n in range(megabytes):
            block[12:20] = n.to_bytes(8, "big")  # a different body each block; the client holds one block only
            yield bytes(block)

    return megabytes * CHUNK, chunks()


# ---------------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200, help="JPEGs uploaded per concurrency level")
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--big-mb", type=int, default=2048, help="size of the single big upload in MiB (0: skip)")
    parser.add_argument("--block", type=int, default=25, help="files per turn when the receivers take turns")
    parser.add_argument("--scratch-dir", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="where the scratch folder (media, database, received files) is made")  # fmt: skip
    parser.add_argument("--api-processes", type=int, nargs="+", default=[1, 2],
                        help="server configurations measured: PHOTONEST_API_PROCESSES of each")  # fmt: skip
    parser.add_argument("--bare-receiver", nargs=2, metavar=("PORT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_receiver:
        run_bare_receiver(int(args.bare_receiver[0]), Path(args.bare_receiver[1]))
        return

    files = ensure_jpegs(args.count, args.width, args.height)
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} JPEGs of {args.width}x{args.height}, {megabytes:.0f} MB ({megabytes / len(files):.1f} MB avg)")
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}")

    with tempfile.TemporaryDirectory(prefix=".upload-bench-", dir=args.scratch_dir) as temp:
        root = Path(temp)
        received = root / "received"
        received.mkdir()
        log = root / "server.log"
        bare_port = free_port()
        servers: dict[int, tuple[subprocess.Popen[bytes], str]] = {}
        with log.open("wb") as log_file:
            for processes in args.api_processes:
                servers[processes] = start_server(root / f"server-{processes}", processes, log_file)
            bare = subprocess.Popen(
                [sys.executable, __file__, "--bare-receiver", str(bare_port), str(received)],
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            bare_origin = f"http://127.0.0.1:{bare_port}"
            wait_until_up(f"{bare_origin}/", bare, log)
            keys = {}
            for processes, (server, origin) in servers.items():
                wait_until_up(f"{origin}/api/server/ping", server, log)
                keys[processes] = set_up_admin(origin)
            measured = args.api_processes[0]  # the configuration whose memory is measured
            rss_started = RssSampler(servers[measured][0].pid).rss()
            rows = []
            for level in args.concurrency:
                disk = DiskReceiver("disk", level, root / "disk")
                http = HttpReceiver("http", level, bare.pid, f"{bare_origin}/upload", "")
                served = [
                    HttpReceiver(server_name(processes), level, server.pid, f"{origin}/api/assets", keys[processes])
                    for processes, (server, origin) in servers.items()
                ]
                run_level(files, args.block, [disk, http, *served], f"level {level}")
                for receiver in (disk, http, *served):
                    receiver.close()
                shutil.rmtree(disk.folder)
                for stale in received.iterdir():
                    stale.unlink()
                rows.append((level, disk, http, served))
            print_table(rows, len(files), args.block)
            if args.big_mb:
                server, origin = servers[measured]
                measure_memory(origin, keys[measured], server.pid, args.big_mb, rss_started)
        finally:
            for server, _ in servers.values():
                stop(server)
            stop(bare)


def start_server(media: Path, processes: int, log_file: Any) -> tuple[subprocess.Popen[bytes], str]:
    """`photonest serve` on a free port with its own media folder and SQLite database, job workers excluded."""
    media.mkdir()
    port = free_port()
    env = os.environ | {
        "IMMICH_MEDIA_LOCATION": str(media),
        "IMMICH_PORT": str(port),
        "IMMICH_HOST": "127.0.0.1",
        "IMMICH_WORKERS_EXCLUDE": "microservices",
        "IMMICH_MACHINE_LEARNING_ENABLED": "false",
        "IMMICH_LOG_LEVEL": "warn",
        "DB_URL": f"sqlite:///{media / 'photonest.db'}",
        "PHOTONEST_API_PROCESSES": str(processes),
    }
    command = Path(sys.executable).with_name("photonest")
    server = subprocess.Popen([str(command), "serve"], env=env, stdout=log_file, stderr=subprocess.STDOUT)
    return server, f"http://127.0.0.1:{port}"


def server_name(processes: int) -> str:
    return "server" if processes == 1 else f"server x{processes}"


def print_table(rows: Sequence[tuple[int, Receiver, Receiver, Sequence[Receiver]]], count: int, block: int) -> None:
    print()
    print(f"upload throughput (same files, same chunk size, turns of {block} files; ratio = server / baseline)")
    print(f"{'clients':>7} {'http MB/s':>10} {'disk MB/s':>10}   CPU ms/upload http (user+sys)")
    for level, disk, http, _ in rows:
        print(f"{level:>7} {http.mb_per_s:>10.1f} {disk.mb_per_s:>10.1f}   "
              f"{1000 * (http.user + http.system) / count:.1f} ({1000 * http.user / count:.1f}+"
              f"{1000 * http.system / count:.1f})")  # fmt: skip
    for index, name in enumerate(served.name for served in rows[0][3]):
        print()
        print(f"{name}: {'clients':>7} {'MB/s':>7} {'assets/s':>9} {'vs http':>8} {'vs disk':>8}"
              "   CPU ms/upload (user+sys)")  # fmt: skip
        for level, disk, http, served in rows:
            one = served[index]
            print(f"{'':>{len(name) + 1}} {level:>7} {one.mb_per_s:>7.1f} {count / one.seconds:>9.1f} "
                  f"{one.mb_per_s / http.mb_per_s:>8.0%} {one.mb_per_s / disk.mb_per_s:>8.0%}   "
                  f"{1000 * (one.user + one.system) / count:.1f} ({1000 * one.user / count:.1f}+"
                  f"{1000 * one.system / count:.1f})")  # fmt: skip


def set_up_admin(origin: str) -> str:
    with httpx.Client(base_url=origin, timeout=60) as client:
        body = {"email": "admin@immich.cloud", "password": "password", "name": "Bench Admin"}
        client.post("/api/auth/admin-sign-up", json=body).raise_for_status()
        login = client.post("/api/auth/login", json={"email": body["email"], "password": body["password"]})
        login.raise_for_status()
        token = {"authorization": f"Bearer {login.json()['accessToken']}"}
        created = client.post("/api/api-keys", json={"name": "bench", "permissions": ["all"]}, headers=token)
        created.raise_for_status()
        return str(created.json()["secret"])


def measure_memory(origin: str, key: str, pid: int, megabytes: int, rss_started: int) -> None:
    sampler = RssSampler(pid)
    time.sleep(1)
    idle = sampler.rss()
    with sampler, httpx.Client(headers={"x-api-key": key}, timeout=3600) as client:
        size, chunks = big_body(megabytes)
        start = time.perf_counter()
        post_upload(client, f"{origin}/api/assets", "big.mp4", size, chunks)
        seconds = time.perf_counter() - start
    mib = 1024 * 1024
    print()
    print(f"memory: one {megabytes} MiB upload streamed from a generator ({size / seconds / 1e6:.0f} MB/s)")
    print(f"  server RSS at start    {rss_started / mib:8.1f} MiB")
    print(f"  server RSS idle before {idle / mib:8.1f} MiB")
    print(f"  server RSS peak during {sampler.peak / mib:8.1f} MiB")
    print(f"  delta (peak - idle)    {(sampler.peak - idle) / mib:8.1f} MiB   (target <= 100 MB)")


if __name__ == "__main__":
    main()
