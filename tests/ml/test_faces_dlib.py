"""dlib faces on real photos: boxes after orientation, one person across variants of a face, none in landscapes."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from photonest.ml.faces import DLIB_DISTANCE_FACTOR, FaceModels, thresholds, uses_dlib
from photonest.ml.faces_dlib import DlibFaces, min_score_to_threshold, pad_embedding
from photonest.ml.protocols import ModelChoice

ASSETS = Path("/work/shared/test-assets")
FACES = ASSETS / "metadata" / "faces"
pytestmark = [
    pytest.mark.skipif(not ASSETS.is_dir(), reason="shared test assets are not available"),
    pytest.mark.skipif(not DlibFaces.installed(), reason="dlib is not installed"),
]
# Default config values (made for ArcFace) as the clustering job maps them for dlib.
MAX_DISTANCE = 0.5 * DLIB_DISTANCE_FACTOR


@pytest.fixture(scope="module")
def dlib_faces() -> DlibFaces:
    return DlibFaces()


def _upright(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        return ImageOps.exif_transpose(opened).convert("RGB")


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("name", ["portrait.jpg", "portrait-orientation-6.jpg"])
def test_one_face_on_the_woman_of_the_portrait_after_orientation(dlib_faces: DlibFaces, name: str) -> None:
    # The preview is upright, so the face is found where it is seen: the woman left of centre, upper third.
    found = dlib_faces.detect(_upright(FACES / name), min_score=0.7)
    assert (found.image_width, found.image_height) == (840, 700)
    assert len(found.faces) == 1
    face = found.faces[0]
    cx = (face.x1 + face.x2) / 2 / found.image_width
    cy = (face.y1 + face.y2) / 2 / found.image_height
    assert 0.30 < cx < 0.45 and 0.22 < cy < 0.42, (face.x1, face.y1, face.x2, face.y2)
    assert 60 < face.x2 - face.x1 < 140
    assert face.embedding.shape == (512,) and np.count_nonzero(face.embedding[128:]) == 0
    assert abs(float(np.linalg.norm(face.embedding)) - 1.0) < 1e-5


def test_without_orientation_the_face_is_elsewhere(dlib_faces: DlibFaces) -> None:
    with Image.open(FACES / "portrait-orientation-6.jpg") as opened:
        raw = opened.convert("RGB")  # no EXIF on the converted copy: the sideways pixels as stored
    found = dlib_faces.detect(raw, min_score=0.7)
    assert (found.image_width, found.image_height) == (700, 840)
    assert len(found.faces) == 0


def _variants(image: Image.Image) -> dict[str, Image.Image]:
    return {
        "original": image,
        "flipped": ImageOps.mirror(image),
        "scaled": image.resize((image.width * 2 // 3, image.height * 2 // 3)),
        "rotated": image.rotate(8, resample=Image.Resampling.BICUBIC, expand=True),
    }


def _embedding(dlib_faces: DlibFaces, image: Image.Image) -> np.ndarray:
    found = dlib_faces.detect(image, min_score=0.7)
    assert len(found.faces) == 1
    return found.faces[0].embedding


def test_variants_of_one_face_are_near_and_another_person_is_far(dlib_faces: DlibFaces) -> None:
    portrait = _upright(FACES / "portrait.jpg")
    rotated_file = _embedding(dlib_faces, _upright(FACES / "portrait-orientation-6.jpg"))
    same = [_embedding(dlib_faces, v) for v in _variants(portrait).values()] + [rotated_file]
    beer = _upright(ASSETS / "albums" / "text" / "craft-beer.jpg")
    beer.thumbnail((1440, 1440))
    other = _embedding(dlib_faces, beer)
    within = [_cosine(a, b) for i, a in enumerate(same) for b in same[i + 1 :]]
    across = [_cosine(a, other) for a in same]
    assert max(within) < MAX_DISTANCE < min(across), (max(within), min(across))


def test_the_astronaut_is_one_person_and_nobody_else(dlib_faces: DlibFaces) -> None:
    from skimage import data

    astronaut = Image.fromarray(data.astronaut())
    # A transformed copy can also yield a weak false detection: compare the most confident face of each.
    found = [dlib_faces.detect(v, min_score=0.7).faces for v in _variants(astronaut).values()]
    variants = [max(faces, key=lambda face: face.score).embedding for faces in found]
    within = [_cosine(a, b) for i, a in enumerate(variants) for b in variants[i + 1 :]]
    portrait = _embedding(dlib_faces, _upright(FACES / "portrait.jpg"))
    across = [_cosine(a, portrait) for a in variants]
    assert max(within) < MAX_DISTANCE < min(across), (max(within), min(across))


def test_no_faces_in_landscapes(dlib_faces: DlibFaces) -> None:
    for path in sorted((ASSETS / "albums" / "nature").glob("*.jpg")):
        image = _upright(path)
        image.thumbnail((1440, 1440))
        assert dlib_faces.detect(image, min_score=0.7).faces == [], path.name


def test_a_higher_min_score_drops_weak_detections(dlib_faces: DlibFaces) -> None:
    portrait = _upright(FACES / "portrait.jpg")
    assert len(dlib_faces.detect(portrait, min_score=0.4).faces) > 1
    assert len(dlib_faces.detect(portrait, min_score=0.7).faces) == 1
    assert dlib_faces.detect(portrait, min_score=1.9).faces == []


def test_score_and_distance_mapping() -> None:
    assert min_score_to_threshold(0.7) == 0.0
    assert min_score_to_threshold(0.9) > 0 > min_score_to_threshold(0.5)
    padded = pad_embedding(np.array([3.0, 4.0]))
    assert padded.shape == (512,) and padded[:2].tolist() == pytest.approx([0.6, 0.8])


def test_models_without_a_folder_use_dlib(tmp_path: Path) -> None:
    assert uses_dlib(tmp_path, "buffalo_l")
    limits = thresholds(tmp_path, "buffalo_l", 0.7, 0.5)
    assert limits.max_distance == pytest.approx(0.1) and limits.min_score == 0.7
    models = FaceModels(tmp_path)
    assert models.is_available(ModelChoice("buffalo_l"))
    found = models.detect(ModelChoice("buffalo_l"), FACES / "portrait.jpg", 0.7)
    assert len(found.faces) == 1


def test_threads_get_their_own_models(dlib_faces: DlibFaces) -> None:
    portrait = _upright(FACES / "portrait.jpg")
    results: list[np.ndarray] = []
    workers = [threading.Thread(target=lambda: results.append(_embedding(dlib_faces, portrait))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(results) == 2 and np.allclose(results[0], results[1], atol=1e-6)
    assert dlib_faces.models() is dlib_faces.models()
