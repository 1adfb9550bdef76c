"""`photonest serve` with several API processes (`PHOTONEST_API_PROCESSES`), run as real processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from photonest.config.env import SettingsError, load_settings
from tests.conftest import PG_URL
from tests.media.media_files import TEST_ASSETS

PHOTO = TEST_ASSETS / "metadata" / "gps-position" / "thompson-springs.jpg"


def test_api_processes_setting() -> None:
    assert load_settings({}).api_processes == 1
    assert load_settings({"PHOTONEST_API_PROCESSES": "3"}).api_processes == 3
    for bad in ("0", "two", "65"):
        with pytest.raises(SettingsError, match="PHOTONEST_API_PROCESSES"):
            load_settings({"PHOTONEST_API_PROCESSES": bad})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> dict[int, str]:
    """The direct children of a process and their command lines, read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if entry.name.isdigit() and int(fields[1]) == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    env = {
        **os.environ,
        "IMMICH_MEDIA_LOCATION": str(tmp_path / "data"),
        "IMMICH_HOST": "127.0.0.1",
        "IMMICH_PORT": str(port),
        "IMMICH_MACHINE_LEARNING_ENABLED": "false",
        "IMMICH_LOG_LEVEL": "warn",
        "PHOTONEST_API_PROCESSES": "2",
    }
    env.pop("DB_URL", None)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "photonest", "serve"], env=env, stdout=log, stderr=log)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{origin}/api/server/ping").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.2)
        yield server, origin
    finally:
        if server.poll() is None:
            left = _children(server.pid)
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        log.close()


@pytest.mark.skipif(bool(PG_URL), reason="runs on the default SQLite database of a fresh data folder")
def test_two_api_processes_and_a_job_process(served: tuple[subprocess.Popen[bytes], str]) -> None:
    server, origin = served
    children = _children(server.pid)
    assert sum("multiprocessing.spawn" in line for line in children.values()) == 2, children
    assert sum(line.endswith("-m photonest worker ") for line in children.values()) == 1, children

    with httpx.Client(base_url=f"{origin}/api", timeout=30) as client:
        admin = {"email": "admin@immich.cloud", "password": "password", "name": "Admin"}
        assert client.post("/auth/admin-sign-up", json=admin).status_code == 201
        token = client.post("/auth/login", json={"email": admin["email"], "password": admin["password"]})
        client.headers["authorization"] = f"Bearer {token.json()['accessToken']}"
        # Several connections, so both API processes are likely to take some: each must see the others' writes.
        created = []
        for n in range(4):
            with httpx.Client(base_url=f"{origin}/api", headers=client.headers, timeout=30) as connection:
                stamp = "2024-06-01T12:00:00.000Z"
                fields = {
                    "deviceAssetId": f"photo-{n}",
                    "deviceId": "test",
                    "fileCreatedAt": stamp,
                    "fileModifiedAt": stamp,
                }
                content = PHOTO.read_bytes() + bytes([n])  # a different checksum each time
                answer = connection.post("/assets", data=fields, files={"assetData": (PHOTO.name, content)})
                assert answer.status_code == 201, answer.text
                created.append(answer.json()["id"])
        listed = client.post("/search/metadata", json={}).json()["assets"]["items"]
        assert sorted(asset["id"] for asset in listed) == sorted(created)
        # The metadata job runs in the job process and its result is read back through the API processes.
        deadline = time.monotonic() + 60
        for asset_id in created:
            while (client.get(f"/assets/{asset_id}").json()["exifInfo"] or {}).get("latitude") is None:
                assert time.monotonic() < deadline, "metadata extraction did not run"
                time.sleep(0.3)

    # A job process that dies is started again.
    (worker,) = [pid for pid, line in children.items() if line.endswith("-m photonest worker ")]
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not [pid for pid, line in _children(server.pid).items() if line.endswith("worker ") and pid != worker]:
        assert time.monotonic() < deadline, "the job process was not started again"
        time.sleep(0.2)
    children = _children(server.pid)

    server.send_signal(signal.SIGTERM)
    assert server.wait(60) == 0
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < deadline, f"left running: {[children[p] for p in children if _alive(p)]}"
        time.sleep(0.1)


def test_a_bad_config_file_stops_the_start_before_any_process_serves(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"ffmpeg": {"crf": 99}}')
    env = {
        **os.environ,
        "IMMICH_MEDIA_LOCATION": str(tmp_path / "data"),
        "IMMICH_CONFIG_FILE": str(config),
        "IMMICH_PORT": str(_free_port()),
        "PHOTONEST_API_PROCESSES": "2",
    }
    env.pop("DB_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "photonest", "serve"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 2 and "crf" in result.stderr
