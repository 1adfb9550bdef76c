"""Faces with dlib: HOG (or CNN) detection, 5-point alignment and the 128-d ResNet descriptor.

The weights ship inside the `face-recognition-models` package; the 68-point landmark model is never loaded (its
training data has a non-commercial licence).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from photonest.ml.protocols import DetectedFace, FaceDetection, ModelUnavailableError, Vector

# Embeddings go into `face_search.embedding`, a 512-d column (ArcFace's size); zero padding keeps cosine distances.
EMBEDDING_SIZE = 512
# HOG finds faces from about 80 px (about 36 px at the 640 px RetinaFace works at, for a 1440 px preview); smaller
# images are upsampled once so that their smaller faces are found too.
UPSAMPLE_BELOW = 720
ORIENTATION_TAG = 0x0112
CNN_MODEL_NAMES = frozenset({"dlib-cnn", "dlib_cnn"})


def min_score_to_threshold(min_score: float) -> float:
    """Map a detection score made for RetinaFace (0..1, default 0.7) onto dlib's detector margin (default 0)."""
    return (min_score - 0.7) * 2.0


def pad_embedding(descriptor: NDArray[Any]) -> Vector:
    """Unit length, then zero-padded to the column's size."""
    vector = np.asarray(descriptor, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    if norm > 0:
        vector = vector / norm
    padded = np.zeros(EMBEDDING_SIZE, dtype=np.float32)
    padded[: vector.shape[0]] = vector
    return padded


def load_rgb(image: Path | Image.Image) -> NDArray[np.uint8]:
    """An image as an RGB array; a file is turned upright by its EXIF orientation (previews already are)."""
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"))
    with Image.open(image) as opened:
        if opened.getexif().get(ORIENTATION_TAG, 1) in (None, 1):
            return np.asarray(opened.convert("RGB"))
        return np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))


@dataclass
class _Models:
    detector: Any
    cnn: bool
    shape_predictor: Any
    recognizer: Any


class DlibFaces:
    """dlib face detection and recognition, models loaded on first use in each thread."""

    def __init__(self) -> None:
        # dlib's networks keep their activations inside the model object, so threads must not share one.
        self._local = threading.local()

    @staticmethod
    def installed() -> bool:
        """Whether dlib and the model weights can be imported."""
        try:
            import dlib  # noqa: F401
            import face_recognition_models  # noqa: F401
        except ImportError:
            return False
        return True

    def models(self, cnn: bool = False) -> _Models:
        loaded: dict[bool, _Models] | None = getattr(self._local, "models", None)
        if loaded is None:
            loaded = self._local.models = {}
        found = loaded.get(cnn)
        if found is None:
            found = loaded[cnn] = _load(cnn)
        return found

    def detect(self, image: Path | Image.Image, min_score: float, cnn: bool = False) -> FaceDetection:
        """The faces of an image, boxes in the image's pixels, embeddings 512-d (128 used)."""
        import dlib

        pixels = load_rgb(image)
        height, width = pixels.shape[:2]
        models = self.models(cnn)
        boxes = self.boxes(models, pixels, min_score)
        faces = []
        for left, top, right, bottom, score in boxes:
            rect = dlib.rectangle(left, top, right, bottom)
            shape = models.shape_predictor(pixels, rect)
            descriptor = models.recognizer.compute_face_descriptor(pixels, shape, 0)
            faces.append(
                DetectedFace(
                    x1=max(0, left),
                    y1=max(0, top),
                    x2=min(width - 1, right),
                    y2=min(height - 1, bottom),
                    score=score,
                    embedding=pad_embedding(np.asarray(descriptor)),
                )
            )
        return FaceDetection(image_width=width, image_height=height, faces=faces)

    @staticmethod
    def boxes(models: _Models, pixels: NDArray[np.uint8], min_score: float) -> list[tuple[int, int, int, int, float]]:
        """Detected boxes (left, top, right, bottom, score) above the mapped threshold."""
        threshold = min_score_to_threshold(min_score)
        upsample = 1 if max(pixels.shape[:2]) < UPSAMPLE_BELOW else 0
        if models.cnn:
            found = models.detector(pixels, upsample)
            return [
                (d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom(), float(d.confidence))
                for d in found
                if d.confidence >= threshold
            ]
        rects, scores, _ = models.detector.run(pixels, upsample, threshold)
        return [(r.left(), r.top(), r.right(), r.bottom(), float(s)) for r, s in zip(rects, scores, strict=True)]


def _load(cnn: bool) -> _Models:
    try:
        import dlib
        import face_recognition_models as weights
    except ImportError as error:
        raise ModelUnavailableError("dlib is not installed") from error
    if cnn:
        detector = dlib.cnn_face_detection_model_v1(weights.cnn_face_detector_model_location())
    else:
        detector = dlib.get_frontal_face_detector()
    return _Models(
        detector=detector,
        cnn=cnn,
        shape_predictor=dlib.shape_predictor(weights.pose_predictor_five_point_model_location()),
        recognizer=dlib.face_recognition_model_v1(weights.face_recognition_model_location()),
    )
