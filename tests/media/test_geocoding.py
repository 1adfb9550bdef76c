"""Offline reverse geocoding: the nearest GeoNames place within 25 km, and the names metadata extraction stores."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from photonest.container import Container
from photonest.jobs.runner import run_pending_jobs
from photonest.media.geocoding import GeoNamesGeocoder, Place, shared_geocoder
from photonest.repositories import Repositories
from tests.factories import Api, Caller, make_asset

GPS_ASSETS = Path("/work/shared/test-assets/metadata/gps-position")


@pytest.fixture(scope="module")
def geocoder() -> GeoNamesGeocoder:
    return shared_geocoder()


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (48.8584, 2.2945, Place("Paris 16 Passy", "Île-de-France", "France")),
        (40.758, -73.9855, Place("Times Square", "New York", "United States of America")),
        (35.6595, 139.7005, Place("Dōgenzaka", "Tokyo", "Japan")),
        (-33.8568, 151.2153, Place("The Rocks", "New South Wales", "Australia")),
        (39.115, -108.400968, Place("Palisade", "Colorado", "United States of America")),
        (-33.858977, 151.278019, Place("Vaucluse", "New South Wales", "Australia")),
        (41.2203, -96.071625, Place("Ralston", "Nebraska", "United States of America")),
    ],
)
def test_nearest_place_names_city_state_and_country(
    geocoder: GeoNamesGeocoder, lat: float, lon: float, expected: Place
) -> None:
    assert geocoder.reverse(lat, lon) == expected


def test_open_ocean_has_no_place(geocoder: GeoNamesGeocoder) -> None:
    assert geocoder.reverse(0.0, -30.0) is None


def test_places_beyond_25_km_are_not_matched(geocoder: GeoNamesGeocoder) -> None:
    # Palisade (39.11026, -108.35092); about 0.2° of latitude is 22 km, 0.25° is 28 km, and no other place is nearer.
    assert geocoder.reverse(39.11026 + 0.2, -108.35092) is not None
    assert geocoder.reverse(-54.5, -40.0) is None


def test_country_names_follow_upstreams_english_names(geocoder: GeoNamesGeocoder) -> None:
    seoul = geocoder.reverse(37.5665, 126.978)
    assert seoul is not None and seoul.country == "South Korea"


def test_geocoder_is_loaded_once_and_shared_between_threads() -> None:
    seen: list[GeoNamesGeocoder] = []
    threads = [threading.Thread(target=lambda: seen.append(shared_geocoder())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(found) for found in seen}) == 1 and seen[0] is shared_geocoder()


# --- metadata extraction ---


@pytest.fixture
def owner(api: Api) -> Caller:
    return api.admin()


def extract(container: Container, owner: Caller, name: str) -> dict[str, Any]:
    """Run real metadata extraction on a shared test asset and return its EXIF row."""
    target = container.storage.root / "upload" / owner.id / "aa" / "bb" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GPS_ASSETS / name, target)
    asset = make_asset(container, owner, original_path=str(target), original_file_name=name)
    with container.unit_of_work() as uow:
        Repositories(uow).jobs.enqueue("metadataExtraction", "metadata-extraction", {"id": str(asset.id)})
    container.media_toolkit()
    run_pending_jobs(container)
    with container.unit_of_work() as uow:
        exif = Repositories(uow).assets.get_exif(asset.id)
    assert exif is not None
    return dict(exif)


def disable_reverse_geocoding(container: Container) -> None:
    with container.unit_of_work() as uow:
        Repositories(uow).system_metadata.set("system-config", {"reverseGeocoding": {"enabled": False}})


needs_assets = pytest.mark.skipif(not GPS_ASSETS.is_dir(), reason="shared test assets are not available")


@needs_assets
def test_extraction_fills_city_state_and_country(container: Container, owner: Caller) -> None:
    # Upstream's e2e map markers expect these names for this file.
    exif = extract(container, owner, "thompson-springs.jpg")
    assert (exif["city"], exif["state"], exif["country"]) == ("Palisade", "Colorado", "United States of America")


@needs_assets
def test_extraction_leaves_names_null_without_gps(container: Container, owner: Caller) -> None:
    exif = extract(container, owner, "empty_gps.jpg")
    assert exif["latitude"] is None
    assert (exif["city"], exif["state"], exif["country"]) == (None, None, None)


@needs_assets
def test_extraction_leaves_names_null_when_reverse_geocoding_is_disabled(container: Container, owner: Caller) -> None:
    disable_reverse_geocoding(container)
    exif = extract(container, owner, "thompson-springs.jpg")
    assert exif["latitude"] is not None
    assert (exif["city"], exif["state"], exif["country"]) == (None, None, None)


def test_features_follow_the_reverse_geocoding_setting(api: Api, container: Container) -> None:
    assert api.request("GET", "/api/server/features").json()["reverseGeocoding"] is True
    disable_reverse_geocoding(container)
    assert api.request("GET", "/api/server/features").json()["reverseGeocoding"] is False
