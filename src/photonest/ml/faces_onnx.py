"""Faces with an Immich-format ONNX folder: `facial-recognition/<name>/{detection,recognition}/model.onnx`.

Detection is an insightface RetinaFace/SCRFD export (scores, box distances and 5 keypoints per stride 8/16/32,
two anchors per cell) run on a 640x640 letterboxed image; recognition is ArcFace on a 112x112 crop aligned by the
keypoints, giving 512 values.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from photonest.ml.faces_dlib import load_rgb
from photonest.ml.protocols import DetectedFace, FaceDetection, ModelUnavailableError, Vector

DETECTION_SIZE = 640
STRIDES = (8, 16, 32)
ANCHORS_PER_CELL = 2
NMS_THRESHOLD = 0.4
# Where the five keypoints (eyes, nose, mouth corners) sit in a 112x112 ArcFace input: insightface's template.
ARCFACE_TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)

FloatArray = NDArray[np.float32]


def model_folder(root: Path, name: str) -> Path:
    """The folder of a facial-recognition model by its Immich name."""
    return root / "facial-recognition" / name


def has_model(root: Path, name: str) -> bool:
    """Whether both ONNX files of the model are present."""
    folder = model_folder(root, name)
    return (folder / "detection" / "model.onnx").is_file() and (folder / "recognition" / "model.onnx").is_file()


@dataclass
class _Sessions:
    detection: Any
    recognition: Any
    recognition_size: int


class OnnxFaces:
    """RetinaFace/SCRFD + ArcFace from a model folder, sessions opened once per model."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sessions: dict[str, _Sessions] = {}
        self._lock = threading.Lock()

    def sessions(self, name: str) -> _Sessions:
        with self._lock:
            found = self._sessions.get(name)
            if found is None:
                found = self._sessions[name] = _open(model_folder(self.root, name))
            return found

    def detect(self, name: str, image: Path | Image.Image, min_score: float) -> FaceDetection:
        """Faces of an image with ArcFace embeddings; boxes in the image's pixels."""
        pixels = load_rgb(image)
        height, width = pixels.shape[:2]
        sessions = self.sessions(name)
        boxes, points = detect_boxes(sessions.detection, pixels, min_score)
        faces = []
        for box, keypoints in zip(boxes, points, strict=True):
            crop = align_face(pixels, keypoints, sessions.recognition_size)
            embedding = embed(sessions.recognition, crop)
            x1, y1, x2, y2, score = (float(v) for v in box)
            faces.append(
                DetectedFace(
                    x1=int(max(0.0, x1)),
                    y1=int(max(0.0, y1)),
                    x2=int(min(width - 1.0, x2)),
                    y2=int(min(height - 1.0, y2)),
                    score=score,
                    embedding=embedding,
                )
            )
        return FaceDetection(image_width=width, image_height=height, faces=faces)


def _open(folder: Path) -> _Sessions:
    try:
        import onnxruntime as ort
    except ImportError as error:
        raise ModelUnavailableError("onnxruntime is not installed") from error
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    providers = ["CPUExecutionProvider"]
    detection = ort.InferenceSession(str(folder / "detection" / "model.onnx"), options, providers=providers)
    recognition = ort.InferenceSession(str(folder / "recognition" / "model.onnx"), options, providers=providers)
    shape = recognition.get_inputs()[0].shape
    size = shape[2] if len(shape) == 4 and isinstance(shape[2], int) else 112
    return _Sessions(detection=detection, recognition=recognition, recognition_size=size)


def letterbox(pixels: NDArray[np.uint8], size: int = DETECTION_SIZE) -> tuple[FloatArray, float]:
    """The image scaled to fit `size` x `size`, placed top-left on black, as a normalised NCHW blob; and the scale."""
    height, width = pixels.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = np.asarray(Image.fromarray(pixels).resize((new_w, new_h), Image.Resampling.BILINEAR))
    canvas = np.zeros((size, size, 3), dtype=np.float32)
    canvas[:new_h, :new_w] = resized
    blob = ((canvas - 127.5) / 128.0).transpose(2, 0, 1)[np.newaxis]
    return blob.astype(np.float32), scale


def detect_boxes(session: Any, pixels: NDArray[np.uint8], min_score: float) -> tuple[FloatArray, FloatArray]:
    """Boxes (x1, y1, x2, y2, score) and their 5 keypoints in the image's pixels, after non-maximum suppression."""
    blob, scale = letterbox(pixels)
    outputs = session.run(None, {session.get_inputs()[0].name: blob})
    return decode_outputs(outputs, min_score, scale)


def decode_outputs(outputs: list[Any], min_score: float, scale: float) -> tuple[FloatArray, FloatArray]:
    """Turn the 9 detector outputs (scores, distances, keypoints per stride) into boxes and keypoints."""
    count = len(STRIDES)
    has_points = len(outputs) >= 3 * count
    all_boxes, all_points = [], []
    for index, stride in enumerate(STRIDES):
        scores = np.asarray(outputs[index], dtype=np.float32).reshape(-1)
        distances = np.asarray(outputs[index + count], dtype=np.float32).reshape(-1, 4) * stride
        cells = DETECTION_SIZE // stride
        centers = _anchor_centers(cells, stride)
        keep = np.where(scores >= min_score)[0]
        if keep.size == 0:
            continue
        c = centers[keep]
        d = distances[keep]
        boxes = np.stack([c[:, 0] - d[:, 0], c[:, 1] - d[:, 1], c[:, 0] + d[:, 2], c[:, 1] + d[:, 3]], axis=1)
        all_boxes.append(np.concatenate([boxes, scores[keep, None]], axis=1))
        if has_points:
            raw = np.asarray(outputs[index + 2 * count], dtype=np.float32).reshape(-1, 10)[keep] * stride
            all_points.append(raw.reshape(-1, 5, 2) + c[:, None, :])
        else:
            all_points.append(_points_from_boxes(boxes))
    if not all_boxes:
        return np.zeros((0, 5), np.float32), np.zeros((0, 5, 2), np.float32)
    boxes = np.concatenate(all_boxes)
    points = np.concatenate(all_points)
    order = nms(boxes, NMS_THRESHOLD)
    boxes, points = boxes[order], points[order]
    boxes[:, :4] /= scale
    return boxes.astype(np.float32), (points / scale).astype(np.float32)


def _anchor_centers(cells: int, stride: int) -> FloatArray:
    ys, xs = np.mgrid[:cells, :cells]
    centers = np.stack([xs, ys], axis=-1).reshape(-1, 2).astype(np.float32) * stride
    return np.repeat(centers, ANCHORS_PER_CELL, axis=0)


def _points_from_boxes(boxes: FloatArray) -> FloatArray:
    # A detector without keypoints: place the template's points inside each box.
    unit = ARCFACE_TEMPLATE / 112.0
    widths = (boxes[:, 2] - boxes[:, 0])[:, None, None]
    heights = (boxes[:, 3] - boxes[:, 1])[:, None, None]
    origin = boxes[:, None, :2]
    points: FloatArray = (origin + unit[None] * np.concatenate([widths, heights], axis=2)).astype(np.float32)
    return points


def nms(boxes: FloatArray, threshold: float) -> list[int]:
    """Indexes of the boxes kept by greedy non-maximum suppression, best score first."""
    x1, y1, x2, y2, scores = boxes.T
    areas = np.maximum(0, x2 - x1 + 1) * np.maximum(0, y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep: list[int] = []
    while order.size > 0:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]) + 1)
        overlap = w * h / (areas[best] + areas[rest] - w * h)
        order = rest[overlap <= threshold]
    return keep


def similarity_transform(source: FloatArray, target: FloatArray) -> FloatArray:
    """The 2x3 similarity (rotation, uniform scale, shift) that maps source points onto target points best."""
    src_mean, dst_mean = source.mean(axis=0), target.mean(axis=0)
    src, dst = source - src_mean, target - dst_mean
    covariance = dst.T @ src / len(source)
    u, s, vt = np.linalg.svd(covariance)
    sign = np.ones(2, dtype=np.float64)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1
    rotation = u @ np.diag(sign) @ vt
    variance = float(src.var(axis=0).sum())
    factor = float((s * sign).sum() / variance) if variance > 0 else 1.0
    shift = dst_mean - factor * rotation @ src_mean
    return np.hstack([factor * rotation, shift[:, None]]).astype(np.float32)


def align_face(pixels: NDArray[np.uint8], keypoints: FloatArray, size: int) -> NDArray[np.uint8]:
    """The face warped so that its keypoints land on the ArcFace template, `size` x `size`."""
    template = ARCFACE_TEMPLATE * (size / 112.0)
    forward = np.vstack([similarity_transform(keypoints.astype(np.float32), template), [0, 0, 1]])
    inverse = np.linalg.inv(forward)
    coefficients = tuple(float(v) for v in inverse[:2].reshape(-1))
    warped = Image.fromarray(pixels).transform(
        (size, size), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR
    )
    return np.asarray(warped)


def embed(session: Any, face: NDArray[np.uint8]) -> Vector:
    """The recognition model's unit-length embedding of an aligned face."""
    blob = ((face.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[np.newaxis]
    output = np.asarray(session.run(None, {session.get_inputs()[0].name: blob})[0], dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(output))
    return output / norm if norm > 0 else output
