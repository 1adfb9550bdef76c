"""/libraries: admin CRUD with upstream's validation, import-path checks, statistics, scan and deletion."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from photonest.container import Container
from photonest.db.tables import asset, job
from photonest.jobs.names import QueueName
from photonest.jobs.registry import load_handlers
from photonest.jobs.runner import Worker, WorkerOptions
from photonest.storage.library_scan import DEFAULT_EXCLUSION_PATTERNS
from tests.factories import Api, Caller

ASSETS = Path("/work/shared/test-assets")
JPG = ASSETS / "metadata/dates/time-created.jpg"
PNG = ASSETS / "formats/png/density_plot.png"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NIL = "00000000-0000-4000-8000-000000000000"
pytestmark = pytest.mark.skipif(not ASSETS.is_dir(), reason="shared test assets are not available")


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A folder with two photos and a text file."""
    root = tmp_path / "photos"
    place(JPG, root / "a" / "one.jpg")
    place(PNG, root / "b" / "two.png")
    (root / "readme.txt").write_text("not media")
    return root


def place(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def create(api: Api, caller: Caller, **body: Any) -> Any:
    response = api.request("POST", "/api/libraries", caller, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def run_library_jobs(container: Container) -> int:
    """Run the library queue's jobs (and the ones they queue there) in this thread; the others stay queued."""
    options = WorkerOptions(queues=frozenset({QueueName.LIBRARY}), retry_backoff=timedelta(0))
    return Worker(container, load_handlers(), options).run_pending()


def scan(api: Api, caller: Caller, library_id: str, container: Container) -> None:
    response = api.request("POST", f"/api/libraries/{library_id}/scan", caller)
    assert response.status_code == 204, response.text
    run_library_jobs(container)


def library_assets(container: Container, library_id: str) -> dict[str, Any]:
    """The library's asset rows by original path."""
    with container.engine.connect() as conn:
        rows = conn.execute(select(asset).where(asset.c.library_id == UUID(library_id)))
        return {row.original_path: row for row in rows}


def queued(container: Container, name: str) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return [row.data for row in conn.execute(select(job).where(job.c.name == name, job.c.status == "waiting"))]


def test_create_with_defaults(api: Api, admin: Caller) -> None:
    body = create(api, admin, ownerId=admin.id)
    assert body == {
        "id": body["id"],
        "ownerId": admin.id,
        "name": "New External Library",
        "importPaths": [],
        "exclusionPatterns": DEFAULT_EXCLUSION_PATTERNS,
        "assetCount": 0,
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
        "refreshedAt": None,
    }
    assert ISO.match(body["createdAt"]) and ISO.match(body["updatedAt"])


def test_create_with_options_for_another_owner(api: Api, admin: Caller, user: Caller) -> None:
    body = create(api, admin, ownerId=user.id, name="Mine", importPaths=["/p/a", "/p/b"], exclusionPatterns=[])
    assert (body["ownerId"], body["name"], body["importPaths"], body["exclusionPatterns"]) == (
        user.id,
        "Mine",
        ["/p/a", "/p/b"],
        [],
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"importPaths": ["/path", "/path"]}, ["All importPaths's elements must be unique"]),
        ({"exclusionPatterns": ["**/Raw/**", "**/Raw/**"]}, ["All exclusionPatterns's elements must be unique"]),
        ({"importPaths": [""]}, ["each value in importPaths should not be empty"]),
        ({"exclusionPatterns": [""]}, ["each value in exclusionPatterns should not be empty"]),
        ({"name": ""}, ["name should not be empty"]),
        ({"importPaths": [f"/p/{i}" for i in range(129)]}, ["importPaths must contain no more than 128 elements"]),
        ({"importPaths": "/p"}, ["importPaths must be an array"]),
    ],
)
def test_create_rejects_bad_bodies(api: Api, admin: Caller, body: dict[str, Any], message: list[str]) -> None:
    response = api.request("POST", "/api/libraries", admin, json={"ownerId": admin.id, **body})
    assert response.status_code == 400
    assert response.json()["message"] == message


def test_create_needs_an_existing_owner(api: Api, admin: Caller) -> None:
    response = api.request("POST", "/api/libraries", admin, json={"ownerId": NIL})
    assert response.status_code == 400 and response.json()["message"] == "User not found"
    response = api.request("POST", "/api/libraries", admin, json={"ownerId": "nope"})
    assert response.status_code == 400 and response.json()["message"] == ["ownerId must be a UUID"]


def test_list_and_get(api: Api, admin: Caller) -> None:
    first = create(api, admin, ownerId=admin.id, name="First")
    second = create(api, admin, ownerId=admin.id, name="Second")
    listed = api.request("GET", "/api/libraries", admin).json()
    assert [item["id"] for item in listed] == [first["id"], second["id"]]
    assert api.request("GET", f"/api/libraries/{second['id']}", admin).json() == second
    missing = api.request("GET", f"/api/libraries/{NIL}", admin)
    assert missing.status_code == 400 and missing.json()["message"] == "Library not found"


def test_update_changes_only_given_fields_and_checks_import_paths(api: Api, admin: Caller, photos: Path) -> None:
    library = create(api, admin, ownerId=admin.id, name="Before", exclusionPatterns=["**/Raw/**"])
    url = f"/api/libraries/{library['id']}"
    renamed = api.request("PUT", url, admin, json={"name": "After"}).json()
    assert (renamed["name"], renamed["exclusionPatterns"]) == ("After", ["**/Raw/**"])
    moved = api.request("PUT", url, admin, json={"importPaths": [str(photos)]})
    assert moved.status_code == 200 and moved.json()["importPaths"] == [str(photos)]
    bad = api.request("PUT", url, admin, json={"importPaths": [str(photos / "missing")]})
    assert bad.status_code == 400
    assert bad.json()["message"] == "Invalid import path: Path does not exist (ENOENT)"
    assert api.request("GET", url, admin).json()["importPaths"] == [str(photos)]
    empty = api.request("PUT", url, admin, json={"name": ""})
    assert empty.status_code == 400 and empty.json()["message"] == ["name should not be empty"]
    unknown = api.request("PUT", f"/api/libraries/{NIL}", admin, json={"name": "x"})
    assert unknown.status_code == 400 and unknown.json()["message"] == "Library not found"


def test_validate_answers_per_import_path(api: Api, admin: Caller, photos: Path, container: Container) -> None:
    library = create(api, admin, ownerId=admin.id)
    media = container.storage.root
    (media / "upload").mkdir(exist_ok=True)
    paths = [str(photos), str(photos / "missing"), str(photos / "readme.txt"), "relative", str(media / "upload")]
    response = api.request("POST", f"/api/libraries/{library['id']}/validate", admin, json={"importPaths": paths})
    assert response.status_code == 200
    answers = response.json()["importPaths"]
    assert answers[0] == {"importPath": str(photos), "isValid": True}
    assert answers[1] == {"importPath": paths[1], "isValid": False, "message": "Path does not exist (ENOENT)"}
    assert answers[2] == {"importPath": paths[2], "isValid": False, "message": "Not a directory"}
    assert answers[3]["isValid"] is False and answers[3]["message"].startswith("Import path must be absolute")
    assert answers[4] == {
        "importPath": paths[4],
        "isValid": False,
        "message": "Cannot use media upload folder for external libraries",
    }
    nothing = api.request("POST", f"/api/libraries/{library['id']}/validate", admin, json={})
    assert nothing.json() == {"importPaths": []}
    duplicate = api.request(
        "POST", f"/api/libraries/{library['id']}/validate", admin, json={"importPaths": ["/a", "/a"]}
    )
    assert duplicate.status_code == 400


def test_scan_queues_the_crawl_and_the_check(api: Api, admin: Caller, container: Container) -> None:
    library = create(api, admin, ownerId=admin.id)
    response = api.request("POST", f"/api/libraries/{library['id']}/scan", admin)
    assert response.status_code == 204 and response.content == b""
    assert queued(container, "library-queue-sync-files") == [{"id": library["id"]}]
    assert queued(container, "library-queue-sync-assets") == [{"id": library["id"]}]
    missing = api.request("POST", f"/api/libraries/{NIL}/scan", admin)
    assert missing.status_code == 400 and missing.json()["message"] == "Library not found"


def test_scan_imports_assets_the_owner_sees(
    api: Api, admin: Caller, user: Caller, photos: Path, container: Container
) -> None:
    library = create(api, admin, ownerId=user.id, importPaths=[str(photos)])
    scan(api, admin, library["id"], container)
    rows = library_assets(container, library["id"])
    assert set(rows) == {str(photos / "a" / "one.jpg"), str(photos / "b" / "two.png")}
    one = rows[str(photos / "a" / "one.jpg")]
    seen = api.request("GET", f"/api/assets/{one.id}", user).json()
    assert (seen["isOffline"], seen["libraryId"], seen["ownerId"], seen["originalFileName"]) == (
        False,
        library["id"],
        user.id,
        "one.jpg",
    )
    assert seen["deviceId"] == "Library Import" and seen["type"] == "IMAGE"
    denied = api.request("GET", f"/api/assets/{one.id}", admin)
    assert denied.status_code == 400
    refreshed = api.request("GET", f"/api/libraries/{library['id']}", admin).json()
    assert refreshed["assetCount"] == 2 and ISO.match(refreshed["refreshedAt"])
    stats = api.request("GET", f"/api/libraries/{library['id']}/statistics", admin).json()
    assert stats == {"photos": 2, "videos": 0, "total": 2, "usage": JPG.stat().st_size + PNG.stat().st_size}


def test_statistics_of_an_empty_and_an_unknown_library(api: Api, admin: Caller) -> None:
    library = create(api, admin, ownerId=admin.id)
    stats = api.request("GET", f"/api/libraries/{library['id']}/statistics", admin)
    assert stats.status_code == 200 and stats.json() == {"photos": 0, "videos": 0, "total": 0, "usage": 0}
    missing = api.request("GET", f"/api/libraries/{NIL}/statistics", admin)
    assert missing.status_code == 400 and missing.json()["message"] == f"Library {NIL} not found"


def test_delete_removes_assets_and_derived_files_but_never_originals(
    api: Api, admin: Caller, photos: Path, container: Container
) -> None:
    library = create(api, admin, ownerId=admin.id, importPaths=[str(photos)])
    scan(api, admin, library["id"], container)
    rows = library_assets(container, library["id"])
    # A derived file in the media folder, as thumbnail generation would leave.
    thumb = container.storage.root / "thumbs" / admin.id / "t.webp"
    thumb.parent.mkdir(parents=True)
    thumb.write_bytes(b"thumb")
    first = next(iter(rows.values()))
    with container.engine.begin() as conn:
        from photonest.db.tables import asset_file

        conn.execute(asset_file.insert().values(asset_id=first.id, type="thumbnail", path=str(thumb)))
    response = api.request("DELETE", f"/api/libraries/{library['id']}", admin)
    assert response.status_code == 204
    assert library["id"] not in [item["id"] for item in api.request("GET", "/api/libraries", admin).json()]
    gone = api.request("GET", f"/api/libraries/{library['id']}", admin)
    assert gone.status_code == 400
    run_library_jobs(container)
    Worker(container, load_handlers(), WorkerOptions(retry_backoff=timedelta(0))).run_pending()
    assert library_assets(container, library["id"]) == {}
    assert not thumb.exists()
    assert (photos / "a" / "one.jpg").read_bytes() == JPG.read_bytes()
    assert (photos / "b" / "two.png").read_bytes() == PNG.read_bytes()
    missing = api.request("DELETE", f"/api/libraries/{library['id']}", admin)
    assert missing.status_code == 400 and missing.json()["message"] == "Library not found"


ROUTES = [
    ("GET", "/api/libraries"),
    ("POST", "/api/libraries"),
    ("GET", f"/api/libraries/{NIL}"),
    ("PUT", f"/api/libraries/{NIL}"),
    ("DELETE", f"/api/libraries/{NIL}"),
    ("POST", f"/api/libraries/{NIL}/scan"),
    ("GET", f"/api/libraries/{NIL}/statistics"),
    ("POST", f"/api/libraries/{NIL}/validate"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_only_admins_use_libraries(api: Api, user: Caller, method: str, url: str) -> None:
    assert api.request(method, url, json={}).status_code == 401
    response = api.request(method, url, user, json={"ownerId": user.id})
    assert response.status_code == 403 and response.json()["message"] == "Forbidden"


def test_an_admin_key_needs_the_library_permission(api: Api, admin: Caller) -> None:
    reader = api.api_key(admin, ["library.read"])
    assert api.request("GET", "/api/libraries", reader).status_code == 200
    response = api.request("POST", "/api/libraries", reader, json={"ownerId": admin.id})
    assert response.status_code == 403
    assert response.json()["message"] == "Missing required permission: library.create"
