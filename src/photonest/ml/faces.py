"""Face detection and recognition models: an ONNX model folder when present, dlib otherwise.

`buffalo_l`, the default model name of the system config, has no folder in a fresh install: dlib answers for it
and the clustering thresholds made for ArcFace are mapped onto dlib's scale (see docs/decisions/0009).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from photonest.ml.faces_dlib import CNN_MODEL_NAMES, DlibFaces, pad_embedding
from photonest.ml.faces_onnx import OnnxFaces, has_model
from photonest.ml.protocols import DetectedFace, FaceDetection, ModelChoice, ModelUnavailableError

FACE_THUMBNAIL_SIZE = 250
# dlib's cosine distances between unit descriptors are about a fifth of ArcFace's for the same decision:
# dlib's own Euclidean 0.6 on raw descriptors (norm about 1.4) is a cosine distance of about 0.1, ArcFace's 0.5.
DLIB_DISTANCE_FACTOR = 0.2


@dataclass(frozen=True)
class RecognitionThresholds:
    """The detection score and clustering distance to use with a model."""

    min_score: float
    max_distance: float


def uses_dlib(folder: Path, name: str) -> bool:
    """Whether a model name is answered by dlib (no ONNX folder of that name)."""
    return not has_model(folder, name)


def thresholds(folder: Path, name: str, min_score: float, max_distance: float) -> RecognitionThresholds:
    """Config values (made for ArcFace) on the scale of the model that will answer."""
    if uses_dlib(folder, name):
        # min_score is mapped inside the dlib adapter (a detector margin, not a probability).
        return RecognitionThresholds(min_score, max_distance * DLIB_DISTANCE_FACTOR)
    return RecognitionThresholds(min_score, max_distance)


class FaceModels:
    """Face analyzers by model name: ONNX folder, else dlib, else a remote immich-machine-learning service."""

    def __init__(self, folder: Path, remote: Any = None) -> None:
        self.folder = folder
        self.dlib = DlibFaces()
        self.onnx = OnnxFaces(folder)
        self.remote = remote

    def is_available(self, model: ModelChoice) -> bool:
        if has_model(self.folder, model.name) or DlibFaces.installed():
            return True
        return self.remote is not None and bool(model.urls) and bool(self.remote.is_reachable(model.urls))

    def detect(self, model: ModelChoice, image: Path, min_score: float) -> FaceDetection:
        if has_model(self.folder, model.name):
            return self.onnx.detect(model.name, image, min_score)
        if DlibFaces.installed():
            return self.dlib.detect(image, min_score, cnn=model.name in CNN_MODEL_NAMES)
        if self.remote is not None and model.urls:
            return remote_detect(self.remote, model, image, min_score)
        raise ModelUnavailableError(model.name)


def remote_detect(remote: Any, model: ModelChoice, image: Path, min_score: float) -> FaceDetection:
    """Faces from an immich-machine-learning service's `/predict` (the request upstream's server sends)."""
    entries = {
        "facial-recognition": {
            "detection": {"modelName": model.name, "options": {"minScore": min_score}},
            "recognition": {"modelName": model.name},
        }
    }
    answer = remote.predict(model.urls, entries, image=image.read_bytes())
    faces = []
    for item in answer.get("facial-recognition") or []:
        box = item["boundingBox"]
        embedding = item["embedding"]
        values = json.loads(embedding) if isinstance(embedding, str) else embedding
        vector = np.asarray(values, dtype=np.float32)
        faces.append(
            DetectedFace(
                x1=int(box["x1"]),
                y1=int(box["y1"]),
                x2=int(box["x2"]),
                y2=int(box["y2"]),
                score=float(item.get("score", 0.0)),
                embedding=vector if vector.shape[0] >= 512 else pad_embedding(vector),
            )
        )
    return FaceDetection(image_width=int(answer["imageWidth"]), image_height=int(answer["imageHeight"]), faces=faces)


def write_face_thumbnail(
    preview: Path, box: tuple[int, int, int, int], box_image_size: tuple[int, int], target: Path
) -> None:
    """A square JPEG crop around a face (box given in an image of `box_image_size`), 250 px, written atomically."""
    with Image.open(preview) as opened:
        picture = opened.convert("RGB")
    width, height = picture.size
    sx = width / box_image_size[0] if box_image_size[0] else 1.0
    sy = height / box_image_size[1] if box_image_size[1] else 1.0
    x1, y1, x2, y2 = box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy
    # Some margin around the face, as a square, kept inside the image.
    half = max(x2 - x1, y2 - y1) * 0.75
    half = max(1.0, min(half, width / 2, height / 2))
    cx = min(max((x1 + x2) / 2, half), width - half)
    cy = min(max((y1 + y2) / 2, half), height - half)
    crop = picture.crop((round(cx - half), round(cy - half), round(cx + half), round(cy + half)))
    crop = crop.resize((FACE_THUMBNAIL_SIZE, FACE_THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    crop.save(temporary, "JPEG", quality=80)
    temporary.replace(target)
