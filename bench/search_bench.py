"""Search benchmark: smart search and metadata search on a seeded library, and reverse geocoding throughput.

Seeds one user's library (100k assets by default, the timeline benchmark's mix of visibilities, trash and EXIF)
with a 512-d embedding per asset, drawn around 500 cluster centres as real CLIP vectors are (uniformly random
vectors are the worst case for HNSW). Then, per request-shaped call (own transaction each), it times:

- `POST /search/smart` through `SmartInfoService.search_smart` (query text embedded by a stand-in encoder that returns
  a prepared vector, so the model's cost is left out), without and with a filter (`isFavorite`, ~5 % of assets);
- `POST /search/metadata` through `SearchService.search_assets` (newest first, and filtered by city);
- the baseline: numpy brute force over the same vectors in RAM (`X @ q`, `argpartition`, sort), with the same
  visibility/trash/favourite mask, and the recall@size of the database's answer against that exact answer;
- reverse geocoding: `GeoNamesGeocoder.reverse` lookups per second on random points over land and sea, against the
  bare `cKDTree.query` on the same points.

SQLite always; PostgreSQL too with `--pg-url` (a scratch database is created and dropped there). Medians and p95 in
milliseconds; compare ratios, not absolute times.

    .venv/bin/python bench/search_bench.py --assets 20000
    .venv/bin/python bench/search_bench.py --pg-url 'postgresql+psycopg://postgres@/postgres?host=/tmp/pgt'
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timeline_bench import analyze, fresh_database, p95, seed, timed

from photonest.config.env import Settings
from photonest.container import Container, build_container
from photonest.db.tables import asset, smart_search
from photonest.media.geocoding import EARTH_RADIUS_M, MAX_DISTANCE_M, GeoNamesGeocoder, _unit_vectors
from photonest.ml.faces import FaceModels
from photonest.ml.protocols import MachineLearning, ModelChoice, Vector
from photonest.records import Auth
from photonest.repositories import Repositories
from photonest.repositories.search import SearchFilters, asset_conditions
from photonest.schemas import generated as g
from photonest.schemas import search as s
from photonest.services.search import SearchService
from photonest.services.smart_info import SmartInfoService

DIM = 512
SIZE = 100
BATCH = 5000


class PreparedClip:
    """Answers every text with the next prepared query vector."""

    def __init__(self, queries: NDArray[np.float32]) -> None:
        self.queries = queries
        self.next = 0

    def is_available(self, model: ModelChoice) -> bool:
        return True

    def encode_image(self, model: ModelChoice, image: Path) -> Vector:
        raise NotImplementedError

    def encode_text(self, model: ModelChoice, text: str, language: str | None = None) -> Vector:
        vector: Vector = np.asarray(self.queries[self.next % len(self.queries)], dtype=np.float32)
        self.next += 1
        return vector


def clustered_vectors(count: int, rng: np.random.Generator, centres: NDArray[np.float32]) -> NDArray[np.float32]:
    """Unit vectors scattered around randomly chosen centres."""
    picked = centres[rng.integers(0, len(centres), count)]
    vectors = picked + rng.standard_normal((count, DIM)).astype(np.float32) * (0.6 / np.sqrt(DIM))
    unit: NDArray[np.float32] = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def seed_embeddings(container: Container, rng: np.random.Generator, centres: NDArray[np.float32]) -> Any:
    """One embedding per asset in batches (on PostgreSQL the HNSW index is built afterwards); data, build seconds."""
    engine = container.engine
    with engine.connect() as conn:
        rows = conn.execute(select(asset.c.id, asset.c.visibility, asset.c.deleted_at, asset.c.is_favorite)).all()
    ids = [row.id for row in rows]
    vectors = clustered_vectors(len(ids), rng, centres)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.exec_driver_sql("DROP INDEX IF EXISTS clip_index")
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            chunk = [{"asset_id": i, "embedding": v} for i, v in zip(ids[start:end], vectors[start:end], strict=True)]
            conn.execute(insert(smart_search), chunk)
    built = 0.0
    if postgres:
        began = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
            conn.exec_driver_sql("CREATE INDEX clip_index ON smart_search USING hnsw (embedding vector_cosine_ops)")
        built = time.perf_counter() - began
    visible = np.array([r.visibility == "timeline" and r.deleted_at is None for r in rows])
    favourite = np.array([bool(r.is_favorite) for r in rows])
    return (np.array([str(i) for i in ids]), vectors, visible, favourite), built


def brute_force(vectors: NDArray[np.float32], mask: NDArray[np.bool_], query: NDArray[np.float32]) -> NDArray[Any]:
    """Indexes of the SIZE nearest masked vectors by cosine distance, nearest first."""
    scores = vectors @ query
    scores = np.where(mask, scores, -np.inf)
    top = np.argpartition(-scores, SIZE)[:SIZE]
    return top[np.argsort(-scores[top])]


def measure_smart(container: Container, auth: Auth, seeded: Any, queries: NDArray[np.float32], runs: int) -> None:
    ids, vectors, visible, favourite = seeded
    clip = PreparedClip(queries)
    container.ml = MachineLearning(clip=clip, faces=FaceModels(container.settings.models))

    for label, extra, mask in (("smart", {}, visible), ("smart isFavorite", {"isFavorite": True}, visible & favourite)):
        dto = g.SmartSearchDto.model_validate({"query": "q", "size": SIZE, **extra})
        answers: list[list[str]] = []

        def service(dto: g.SmartSearchDto = dto, answers: list[list[str]] = answers) -> None:
            with container.unit_of_work() as uow:
                result = SmartInfoService(container.context(uow)).search_smart(auth, dto)
            answers.append([item.id for item in result.assets.items])

        clip.next = 0
        service_ms = timed(service, runs)
        clip.next = 0
        recalls = []
        for n, answer in enumerate(answers[1:]):
            exact = set(ids[brute_force(vectors, mask, queries[(n + 1) % len(queries)])])
            recalls.append(len(exact & set(answer)) / max(1, min(SIZE, len(exact))))
        counter = iter(range(10**9))

        def bare(mask: NDArray[np.bool_] = mask, counter: Any = counter) -> None:
            brute_force(vectors, mask, queries[next(counter) % len(queries)])

        bare_ms = timed(bare, runs)
        line(f"POST /search/{label}", service_ms, bare_ms, f"recall@{SIZE} {statistics.mean(recalls):.3f}")
        filters = SearchFilters(owner_ids=[auth.user_id], values={"is_favorite": True} if extra else {})

        def query_only(filters: SearchFilters = filters, counter: Any = iter(range(10**9))) -> None:
            with container.unit_of_work() as uow:
                vector = queries[next(counter) % len(queries)]
                Repositories(uow).smart_search.search(vector, asset_conditions(filters), SIZE + 1, 0)

        line("  of which the SQL query", timed(query_only, runs), bare_ms, "")


def measure_metadata(container: Container, auth: Auth, runs: int) -> None:
    for label, body in (("newest first", {"size": SIZE}), ("city=Paris", {"size": SIZE, "city": "Paris"})):
        dto = s.MetadataSearchDto.model_validate(body)

        def service(dto: s.MetadataSearchDto = dto) -> None:
            with container.unit_of_work() as uow:
                SearchService(container.context(uow)).search_assets(auth, dto)

        line(f"POST /search/metadata {label}", timed(service, runs), None, "")


def line(name: str, service: list[float], bare: list[float] | None, note: str) -> None:
    text = f"  {name:<36}{statistics.median(service):>9.2f} /{p95(service):>8.2f}"
    if bare is not None:
        text += f"{statistics.median(bare):>12.2f} /{p95(bare):>8.2f}{p95(service) / p95(bare):>9.1f}x"
    else:
        text += " " * 31
    print(f"{text}  {note}")


def run_database(engine: Engine, args: argparse.Namespace, queries: NDArray[np.float32], centres: Any) -> None:
    with tempfile.TemporaryDirectory() as media:
        settings = Settings(media_location=Path(media), machine_learning_enabled=True)
        container = build_container(settings, engine)
        began = time.perf_counter()
        auth = seed(container, args.assets, 240, args.seed)
        seeded, built = seed_embeddings(container, np.random.default_rng(args.seed), centres)
        analyze(engine)
        index = f" (HNSW index build {built:.1f} s)" if built else ""
        print(f"\n{engine.dialect.name}: seeded {args.assets} assets with embeddings in "
              f"{time.perf_counter() - began:.1f} s{index}; {args.runs} runs per figure")  # fmt: skip
        print(f"  {'call':<36}{'service median/p95 ms':>26}{'numpy median/p95 ms':>25}{'p95 ratio':>10}")
        measure_smart(container, auth, seeded, queries, args.runs)
        measure_metadata(container, auth, args.runs)


def measure_geocoding(points: int, seed_value: int) -> None:
    began = time.perf_counter()
    geocoder = GeoNamesGeocoder()
    load = time.perf_counter() - began
    rng = np.random.default_rng(seed_value)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, points)))
    lon = rng.uniform(-180, 180, points)
    began = time.perf_counter()
    found = sum(geocoder.reverse(float(a), float(o)) is not None for a, o in zip(lat, lon, strict=True))
    service = points / (time.perf_counter() - began)
    tree, bound = geocoder._tree, 2 * np.sin(MAX_DISTANCE_M / EARTH_RADIUS_M / 2)
    began = time.perf_counter()
    for a, o in zip(lat, lon, strict=True):
        tree.query(_unit_vectors(np.array([a]), np.array([o]))[0], k=1, distance_upper_bound=bound)
    bare = points / (time.perf_counter() - began)
    began = time.perf_counter()
    tree.query(_unit_vectors(lat, lon), k=1, distance_upper_bound=bound)
    batch = points / (time.perf_counter() - began)
    print(f"\nreverse geocoding: {geocoder.size} places loaded in {load:.1f} s; {points} random points, "
          f"{found} within 25 km of a place")  # fmt: skip
    print(f"  GeoNamesGeocoder.reverse {service:,.0f} lookups/s; bare cKDTree.query per point {bare:,.0f}/s "
          f"(service at {service / bare:.0%} of it), one batched query {batch:,.0f}/s")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--pg-url", default="", help="PostgreSQL server URL (a scratch database is created there)")
    parser.add_argument("--geocode-points", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed + 1)
    centres = rng.standard_normal((500, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    queries = clustered_vectors(args.runs + 1, rng, centres)
    for url in ["", args.pg_url] if args.pg_url else [""]:
        with fresh_database(url) as engine:
            run_database(engine, args, queries, centres)
    measure_geocoding(args.geocode_points, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
