"""GET /timeline/buckets and /timeline/bucket: month counts, the columnar bucket, every filter and the access rules."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import insert

from photonest.container import Container
from photonest.db.tables import stack, tag, tag_asset, tag_closure
from photonest.repositories import Repositories
from tests.factories import Api, Caller

JUNE = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BUCKET_KEYS = {
    "city", "country", "duration", "id", "visibility", "isFavorite", "isImage", "isTrashed", "livePhotoVideoId",
    "localDateTime", "ownerId", "projectionType", "ratio", "status", "thumbhash",
}  # fmt: skip


def add_asset(
    container: Container,
    owner: Caller | str,
    *,
    when: datetime = JUNE,
    exif: dict[str, Any] | None = None,
    **values: Any,
) -> UUID:
    """Insert an asset row (and its EXIF row when given) straight through the repositories."""
    asset_id = values.pop("id", uuid.uuid4())
    name = values.pop("original_file_name", f"{asset_id}.jpg")
    row = {
        "id": asset_id,
        "owner_id": UUID(owner.id if isinstance(owner, Caller) else owner),
        "device_asset_id": f"device-{asset_id}",
        "device_id": "test",
        "type": "IMAGE",
        "original_path": f"/photos/{asset_id}.jpg",
        "original_file_name": name,
        "file_created_at": when,
        "file_modified_at": when,
        "local_date_time": when,
        "checksum": hashlib.sha1(str(asset_id).encode()).digest(),
        **values,
    }
    with container.unit_of_work() as uow:
        repos = Repositories(uow)
        repos.assets.create(row)
        if exif is not None:
            repos.assets.upsert_exif(asset_id, exif)
    return UUID(str(asset_id))


def add_stack(container: Container, owner: Caller, primary: UUID, *others: UUID) -> UUID:
    """A stack row with its members linked, as the stack routes would leave it."""
    stack_id = uuid.uuid4()
    with container.unit_of_work() as uow:
        uow.connection.execute(insert(stack).values(id=stack_id, owner_id=UUID(owner.id), primary_asset_id=primary))
        Repositories(uow).assets.update_many([primary, *others], {"stack_id": stack_id})
    return stack_id


def add_tag(container: Container, owner: Caller, value: str, parent: UUID | None = None) -> UUID:
    """A tag with its closure rows (itself, and under each ancestor of `parent`)."""
    tag_id = uuid.uuid4()
    with container.unit_of_work() as uow:
        conn = uow.connection
        conn.execute(insert(tag).values(id=tag_id, user_id=UUID(owner.id), value=value, parent_id=parent))
        conn.execute(insert(tag_closure).values(ancestor_id=tag_id, descendant_id=tag_id))
        if parent is not None:
            ancestors = conn.execute(tag_closure.select().where(tag_closure.c.descendant_id == parent)).all()
            for row in ancestors:
                conn.execute(insert(tag_closure).values(ancestor_id=row.ancestor_id, descendant_id=tag_id))
    return tag_id


def tag_assets(container: Container, tag_id: UUID, *asset_ids: UUID) -> None:
    with container.unit_of_work() as uow:
        for asset_id in asset_ids:
            uow.connection.execute(insert(tag_asset).values(tag_id=tag_id, asset_id=asset_id))


def buckets(api: Api, caller: Caller | dict[str, str], **query: Any) -> Any:
    response = api.request("GET", "/api/timeline/buckets", caller, params=query)
    assert response.status_code == 200, response.text
    return response.json()


def bucket(api: Api, caller: Caller | dict[str, str], time_bucket: str = "2024-06-01", **query: Any) -> Any:
    response = api.request("GET", "/api/timeline/bucket", caller, params={"timeBucket": time_bucket, **query})
    assert response.status_code == 200, response.text
    return response.json()


def ids(api: Api, caller: Caller, **query: Any) -> set[str]:
    return set(bucket(api, caller, **query)["id"])


@pytest.fixture
def admin(api: Api) -> Caller:
    return api.admin()


@pytest.fixture
def user(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


@pytest.fixture
def other(api: Api, admin: Caller) -> Caller:
    return api.user(admin)


def make_partner(api: Api, sharer: Caller, receiver: Caller, *, in_timeline: bool) -> None:
    assert api.request("POST", f"/api/partners/{receiver.id}", sharer).status_code == 201
    body = {"inTimeline": in_timeline}
    assert api.request("PUT", f"/api/partners/{sharer.id}", receiver, json=body).status_code == 200


def elevate(api: Api, caller: Caller) -> None:
    assert api.request("POST", "/api/auth/pin-code", caller, json={"pinCode": "123456"}).status_code == 201
    assert api.request("POST", "/api/auth/session/unlock", caller, json={"pinCode": "123456"}).status_code == 200


# --- authentication and validation ---


@pytest.mark.parametrize("path", ["/api/timeline/buckets", "/api/timeline/bucket?timeBucket=2024-06-01"])
def test_timeline_requires_authentication(api: Api, path: str) -> None:
    response = api.request("GET", path)
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication required"


@pytest.mark.parametrize("path", ["/api/timeline/buckets", "/api/timeline/bucket?timeBucket=2024-06-01"])
def test_api_key_needs_asset_read(api: Api, user: Caller, path: str) -> None:
    # Upstream's controller gates both routes with asset.read; timeline.read is the per-user access rule.
    denied = api.request("GET", path, api.api_key(user, ["timeline.read"]))
    assert denied.status_code == 403
    assert denied.json()["message"] == "Missing required permission: asset.read"
    assert api.request("GET", path, api.api_key(user, ["asset.read"])).status_code == 200


def test_time_bucket_is_required(api: Api, user: Caller) -> None:
    response = api.request("GET", "/api/timeline/bucket", user)
    assert response.status_code == 400
    assert response.json()["message"] == ["timeBucket should not be empty"]


def test_time_bucket_must_be_a_date(api: Api, user: Caller) -> None:
    response = api.request("GET", "/api/timeline/bucket", user, params={"timeBucket": "june"})
    assert response.status_code == 400
    assert response.json()["message"] == ["timeBucket must be a valid ISO 8601 date string"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("userId", "nope", "userId must be a UUID"),
        ("albumId", "nope", "albumId must be a UUID"),
        ("personId", "nope", "personId must be a UUID"),
        ("tagId", "nope", "tagId must be a UUID"),
        ("isFavorite", "maybe", "isFavorite must be a boolean value"),
        ("order", "up", "order must be one of the following values: asc, desc"),
        ("visibility", "x", "visibility must be one of the following values: archive, timeline, hidden, locked"),
    ],
)
def test_malformed_query_values_are_rejected(api: Api, user: Caller, name: str, value: str, message: str) -> None:
    for path in ("/api/timeline/buckets", "/api/timeline/bucket"):
        response = api.request("GET", path, user, params={"timeBucket": "2024-06-01", name: value})
        assert response.status_code == 400
        assert response.json()["message"] == [message]


# --- shapes ---


def test_buckets_count_assets_per_month_newest_first(api: Api, container: Container, user: Caller) -> None:
    for when in ["1970-01-01", "1970-02-10", "1970-02-11", "1970-02-11T23:59:59.999999"]:
        add_asset(container, user, when=datetime.fromisoformat(when).replace(tzinfo=UTC))
    assert buckets(api, user) == [{"timeBucket": "1970-02-01", "count": 3}, {"timeBucket": "1970-01-01", "count": 1}]
    assert buckets(api, user, order="asc") == [
        {"timeBucket": "1970-01-01", "count": 1},
        {"timeBucket": "1970-02-01", "count": 3},
    ]


def test_bucket_returns_parallel_arrays(api: Api, container: Container, user: Caller) -> None:
    video = add_asset(container, user, type="VIDEO", visibility="hidden", duration="0:00:03.000000")
    exif = {"exif_image_width": 4000, "exif_image_height": 3000, "city": "Paris", "country": "France"}
    photo = add_asset(
        container,
        user,
        when=datetime(2024, 6, 3, 10, 30, 15, 250000, tzinfo=UTC),
        exif={**exif, "projection_type": "EQUIRECTANGULAR"},
        thumbhash=b"\x01\x02\x03",
        is_favorite=True,
        live_photo_video_id=video,
    )
    body = bucket(api, user)
    assert body == {
        "city": ["Paris"],
        "country": ["France"],
        "duration": [None],
        "id": [str(photo)],
        "visibility": ["timeline"],
        "isFavorite": [True],
        "isImage": [True],
        "isTrashed": [False],
        "livePhotoVideoId": [str(video)],
        "localDateTime": ["2024-06-03T10:30:15.25+00:00"],
        "ownerId": [user.id],
        "projectionType": ["EQUIRECTANGULAR"],
        "ratio": [1.333],
        "status": ["active"],
        "thumbhash": ["AQID"],
    }


def test_bucket_of_videos_and_missing_exif(api: Api, container: Container, user: Caller) -> None:
    video = add_asset(container, user, type="VIDEO", duration="0:01:00.000000")
    body = bucket(api, user)
    assert body["id"] == [str(video)]
    assert (body["isImage"], body["duration"], body["ratio"], body["city"]) == (
        [False],
        ["0:01:00.000000"],
        [1],
        [None],
    )
    assert body["localDateTime"] == ["2024-06-01T12:00:00+00:00"]


def test_ratio_swaps_for_turned_images_and_defaults_to_one(api: Api, container: Container, user: Caller) -> None:
    turned = add_asset(container, user, exif={"exif_image_width": 300, "exif_image_height": 200, "orientation": "6"})
    zero = add_asset(container, user, when=JUNE.replace(day=2), exif={"exif_image_width": 0, "exif_image_height": 5})
    body = bucket(api, user, order="asc")
    assert body["id"] == [str(turned), str(zero)]
    assert body["ratio"] == [0.667, 1]


def test_empty_bucket_has_every_array(api: Api, user: Caller) -> None:
    body = bucket(api, user, "1970-02-01")
    assert set(body) == BUCKET_KEYS
    assert all(value == [] for value in body.values())


@pytest.mark.parametrize(
    "time_bucket", ["+012345-01-01", "012345-01-01T00:00:00.000Z", "2024-06-15", "2024-06-01T02:00"]
)
def test_bucket_names_must_be_the_first_instant_of_a_month(
    api: Api, container: Container, user: Caller, time_bucket: str
) -> None:
    add_asset(container, user)
    assert bucket(api, user, time_bucket)["id"] == []


@pytest.mark.parametrize("time_bucket", ["2024-06-01", "2024-06-01T00:00:00.000Z", "+2024-06-01T00:00:00+00:00"])
def test_bucket_accepts_dates_and_timestamps(api: Api, container: Container, user: Caller, time_bucket: str) -> None:
    asset_id = add_asset(container, user, when=datetime(2024, 6, 30, 23, 59, 59, tzinfo=UTC))
    add_asset(container, user, when=datetime(2024, 7, 1, tzinfo=UTC))
    add_asset(container, user, when=datetime(2024, 5, 31, 23, 59, 59, tzinfo=UTC))
    assert bucket(api, user, time_bucket)["id"] == [str(asset_id)]


def test_bucket_orders_by_local_date(api: Api, container: Container, user: Caller) -> None:
    early = add_asset(container, user, when=JUNE.replace(day=2))
    late = add_asset(container, user, when=JUNE.replace(day=20))
    assert bucket(api, user)["id"] == [str(late), str(early)]
    assert bucket(api, user, order="desc")["id"] == [str(late), str(early)]
    assert bucket(api, user, order="asc")["id"] == [str(early), str(late)]


def test_page_parameters_are_accepted_and_validated(api: Api, container: Container, user: Caller) -> None:
    add_asset(container, user)
    assert len(bucket(api, user, page=1, pageSize=1)["id"]) == 1
    response = api.request("GET", "/api/timeline/bucket", user, params={"timeBucket": "2024-06-01", "page": 0})
    assert response.status_code == 400
    assert response.json()["message"] == ["page must not be less than 1"]


# --- filters ---


def test_other_users_assets_are_not_shown(api: Api, container: Container, user: Caller, other: Caller) -> None:
    mine = add_asset(container, user)
    add_asset(container, other)
    assert ids(api, user) == {str(mine)}
    assert buckets(api, user) == [{"timeBucket": "2024-06-01", "count": 1}]


def test_is_favorite_filter(api: Api, container: Container, user: Caller) -> None:
    favorite = add_asset(container, user, is_favorite=True)
    plain = add_asset(container, user)
    assert ids(api, user, isFavorite="true") == {str(favorite)}
    assert ids(api, user, isFavorite="false") == {str(plain)}
    assert ids(api, user) == {str(favorite), str(plain)}
    assert buckets(api, user, isFavorite="true") == [{"timeBucket": "2024-06-01", "count": 1}]


def test_is_trashed_filter(api: Api, container: Container, user: Caller) -> None:
    active = add_asset(container, user)
    trashed = add_asset(container, user, deleted_at=JUNE, status="trashed")
    add_asset(container, user, deleted_at=JUNE, status="deleted")
    assert ids(api, user) == {str(active)}
    assert ids(api, user, isTrashed="false") == {str(active)}
    body = bucket(api, user, isTrashed="true")
    assert (body["id"], body["isTrashed"], body["status"]) == ([str(trashed)], [True], ["trashed"])
    assert buckets(api, user, isTrashed="true") == [{"timeBucket": "2024-06-01", "count": 1}]


def test_visibility_filter(api: Api, container: Container, user: Caller) -> None:
    shown = {v: add_asset(container, user, visibility=v) for v in ("timeline", "archive", "hidden", "locked")}
    assert ids(api, user) == {str(shown["timeline"]), str(shown["archive"])}
    assert buckets(api, user) == [{"timeBucket": "2024-06-01", "count": 2}]
    assert ids(api, user, visibility="archive") == {str(shown["archive"])}
    assert ids(api, user, visibility="timeline") == {str(shown["timeline"])}
    assert ids(api, user, visibility="hidden") == {str(shown["hidden"])}


def test_locked_assets_need_an_elevated_session(api: Api, container: Container, user: Caller) -> None:
    locked = add_asset(container, user, visibility="locked")
    response = api.request("GET", "/api/timeline/buckets", user, params={"visibility": "locked"})
    assert response.status_code == 401
    assert response.json()["message"] == "Elevated permission is required"
    elevate(api, user)
    assert ids(api, user, visibility="locked") == {str(locked)}
    assert buckets(api, user, visibility="locked") == [{"timeBucket": "2024-06-01", "count": 1}]


def test_user_id_of_a_partner(api: Api, container: Container, user: Caller, other: Caller) -> None:
    partner = other
    theirs = add_asset(container, partner)
    archived = add_asset(container, partner, visibility="archive")
    add_asset(container, user)
    make_partner(api, partner, user, in_timeline=False)
    assert ids(api, user, userId=partner.id) == {str(theirs), str(archived)}
    # Only the owner may ask for the archive or the locked folder explicitly.
    response = api.request("GET", "/api/timeline/buckets", user, params={"userId": partner.id, "visibility": "archive"})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no archive.read access"
    elevate(api, user)
    response = api.request("GET", "/api/timeline/buckets", user, params={"userId": partner.id, "visibility": "locked"})
    assert response.status_code == 400
    assert response.json()["message"] == "You may not access another user's locked timeline"


def test_user_id_of_a_stranger_is_denied(api: Api, container: Container, user: Caller, other: Caller) -> None:
    stranger = other
    add_asset(container, stranger)
    for path in ("/api/timeline/buckets", "/api/timeline/bucket"):
        response = api.request("GET", path, user, params={"userId": stranger.id, "timeBucket": "2024-06-01"})
        assert response.status_code == 400
        assert response.json()["message"] == "Not found or no timeline.read access"


def test_with_partners_adds_partners_shown_in_the_timeline(
    api: Api, container: Container, admin: Caller, user: Caller
) -> None:
    shown, hidden = api.user(admin), api.user(admin)
    make_partner(api, shown, user, in_timeline=True)
    make_partner(api, hidden, user, in_timeline=False)
    mine = add_asset(container, user)
    theirs = add_asset(container, shown)
    add_asset(container, shown, visibility="archive")
    add_asset(container, hidden)
    assert ids(api, user, withPartners="true", visibility="timeline") == {str(mine), str(theirs)}
    assert ids(api, user, withPartners="false") == {str(mine)}
    assert buckets(api, user, withPartners="true", visibility="timeline") == [{"timeBucket": "2024-06-01", "count": 2}]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"visibility": "archive"},
        {"visibility": "timeline", "isFavorite": "true"},
        {"visibility": "timeline", "isFavorite": "false"},
        {"visibility": "timeline", "isTrashed": "true"},
    ],
)
def test_with_partners_refuses_archive_favorites_and_trash(api: Api, user: Caller, query: dict[str, str]) -> None:
    for path in ("/api/timeline/buckets", "/api/timeline/bucket"):
        params = {"withPartners": "true", "timeBucket": "2024-06-01", **query}
        response = api.request("GET", path, user, params=params)
        assert response.status_code == 400
        assert response.json()["message"] == (
            "withPartners is only supported for non-archived, non-trashed, non-favorited assets"
        )


def test_with_partners_refuses_the_locked_folder(api: Api, user: Caller) -> None:
    elevate(api, user)
    response = api.request(
        "GET", "/api/timeline/buckets", user, params={"withPartners": "true", "visibility": "locked"}
    )
    assert response.status_code == 400


def test_with_stacked_shows_only_primaries_with_their_count(api: Api, container: Container, user: Caller) -> None:
    primary = add_asset(container, user, when=JUNE.replace(day=3))
    child = add_asset(container, user, when=JUNE.replace(day=2))
    archived_child = add_asset(container, user, visibility="archive", when=JUNE.replace(day=2))
    loose = add_asset(container, user, when=JUNE.replace(day=1))
    stack_id = add_stack(container, user, primary, child, archived_child)
    body = bucket(api, user, withStacked="true")
    assert body["id"] == [str(primary), str(loose)]
    # Upstream counts the stack's timeline members and sends the count as a string.
    assert body["stack"] == [[str(stack_id), "2"], None]
    assert buckets(api, user, withStacked="true") == [{"timeBucket": "2024-06-01", "count": 2}]
    plain = bucket(api, user)
    assert "stack" not in plain
    assert set(plain["id"]) == {str(primary), str(child), str(archived_child), str(loose)}
    assert buckets(api, user, withStacked="false") == [{"timeBucket": "2024-06-01", "count": 4}]


def test_tag_filter_includes_descendant_tags(api: Api, container: Container, user: Caller) -> None:
    parent = add_tag(container, user, "travel")
    child = add_tag(container, user, "travel/paris", parent)
    other = add_tag(container, user, "work")
    in_parent, in_child, in_other = (add_asset(container, user) for _ in range(3))
    add_asset(container, user)
    tag_assets(container, parent, in_parent)
    tag_assets(container, child, in_child)
    tag_assets(container, other, in_other)
    assert ids(api, user, tagId=str(parent)) == {str(in_parent), str(in_child)}
    assert ids(api, user, tagId=str(child)) == {str(in_child)}
    assert buckets(api, user, tagId=str(other)) == [{"timeBucket": "2024-06-01", "count": 1}]


def test_tag_of_another_user_is_denied(api: Api, container: Container, user: Caller, other: Caller) -> None:
    foreign = add_tag(container, other, "theirs")
    response = api.request("GET", "/api/timeline/buckets", user, params={"tagId": str(foreign)})
    assert response.status_code == 400
    assert response.json()["message"] == "Not found or no tag.read access"


@pytest.mark.parametrize(("name", "permission"), [("albumId", "album.read"), ("personId", "person.read")])
def test_album_and_person_filters_find_nothing_readable_yet(api: Api, user: Caller, name: str, permission: str) -> None:
    for path in ("/api/timeline/buckets", "/api/timeline/bucket"):
        params = {name: str(uuid.uuid4()), "timeBucket": "2024-06-01"}
        response = api.request("GET", path, user, params=params)
        assert response.status_code == 400
        assert response.json()["message"] == f"Not found or no {permission} access"


def test_shared_link_key_is_accepted_as_a_parameter(api: Api, container: Container, user: Caller) -> None:
    add_asset(container, user)
    response = api.request("GET", "/api/timeline/buckets", user, params={"key": ""})
    assert response.status_code == 200
