"""The ONNX face loader on a tiny model folder in Immich's layout, built here with the `onnx` package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photonest.ml.faces import FaceModels, thresholds, uses_dlib
from photonest.ml.faces_onnx import STRIDES, align_face, nms, similarity_transform
from photonest.ml.protocols import ModelChoice

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

# Five keypoints per anchor, in strides from the anchor centre: eyes, nose, mouth corners.
KEYPOINTS = [-0.6, -0.5, 0.6, -0.5, 0.0, 0.1, -0.4, 0.6, 0.4, 0.6]


def _constant(name: str, values: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(values.astype(np.float32), name)


def _detector(path: Path) -> None:
    """9 outputs like SCRFD: per stride, scores [N,1], distances [N,4], keypoints [N,10]; bright areas score high."""
    nodes = [helper.make_node("ReduceMean", ["input.1"], ["gray"], axes=[1], keepdims=1)]
    inits = [
        _constant("ten", np.array(10.0)),
        _constant("five", np.array(5.0)),
        _constant("zero", np.array(0.0)),
        _constant("two", np.array(2.0)),
        _constant("kps", np.array(KEYPOINTS * 2).reshape(1, 20, 1, 1)),
    ]
    outputs: dict[str, list[str]] = {"score": [], "bbox": [], "kps": []}
    for stride in STRIDES:
        s = str(stride)
        inits.append(numpy_helper.from_array(np.array([-1, 1], np.int64), f"shape1_{s}"))
        inits.append(numpy_helper.from_array(np.array([-1, 4], np.int64), f"shape4_{s}"))
        inits.append(numpy_helper.from_array(np.array([-1, 10], np.int64), f"shape10_{s}"))
        nodes += [
            helper.make_node(
                "AveragePool", ["gray"], [f"p{s}"], kernel_shape=[stride, stride], strides=[stride, stride]
            ),
            helper.make_node("Mul", [f"p{s}", "ten"], [f"m{s}"]),
            helper.make_node("Sub", [f"m{s}", "five"], [f"l{s}"]),
            helper.make_node("Sigmoid", [f"l{s}"], [f"sc{s}"]),
            helper.make_node("Concat", [f"sc{s}"] * 2, [f"sc2_{s}"], axis=1),
            helper.make_node("Transpose", [f"sc2_{s}"], [f"sct{s}"], perm=[0, 2, 3, 1]),
            helper.make_node("Reshape", [f"sct{s}", f"shape1_{s}"], [f"score_{s}"]),
            helper.make_node("Mul", [f"p{s}", "zero"], [f"z{s}"]),
            helper.make_node("Add", [f"z{s}", "two"], [f"d{s}"]),
            helper.make_node("Concat", [f"d{s}"] * 8, [f"d8_{s}"], axis=1),
            helper.make_node("Transpose", [f"d8_{s}"], [f"dt{s}"], perm=[0, 2, 3, 1]),
            helper.make_node("Reshape", [f"dt{s}", f"shape4_{s}"], [f"bbox_{s}"]),
            helper.make_node("Add", [f"z{s}", "kps"], [f"k{s}"]),
            helper.make_node("Transpose", [f"k{s}"], [f"kt{s}"], perm=[0, 2, 3, 1]),
            helper.make_node("Reshape", [f"kt{s}", f"shape10_{s}"], [f"kps_{s}"]),
        ]
        for kind in outputs:
            outputs[kind].append(f"{kind}_{s}")
    graph = helper.make_graph(
        nodes,
        "tiny-scrfd",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 640, 640])],
        [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n", width])
            for width, kind in ((1, "score"), (4, "bbox"), (10, "kps"))
            for name in outputs[kind]
        ],
        inits,
    )
    _save(graph, path)


def _recognizer(path: Path) -> None:
    """112x112 face -> 512 values: average pooling and one random projection."""
    weights = np.random.default_rng(7).standard_normal((147, 512)).astype(np.float32)
    nodes = [
        helper.make_node("AveragePool", ["input.1"], ["pooled"], kernel_shape=[16, 16], strides=[16, 16]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "w"], ["683"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-arcface",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, [1, 512])],
        [numpy_helper.from_array(weights, "w")],
    )
    _save(graph, path)


def _save(graph: onnx.GraphProto, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


@pytest.fixture(scope="module")
def model_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    folder = root / "facial-recognition" / "tiny_l"
    _detector(folder / "detection" / "model.onnx")
    _recognizer(folder / "recognition" / "model.onnx")
    return root


def _image(tmp_path: Path, bright: bool) -> Path:
    pixels = np.zeros((480, 640, 3), np.uint8)
    if bright:
        pixels[200:280, 300:380] = 255
    path = tmp_path / ("bright.jpg" if bright else "dark.jpg")
    Image.fromarray(pixels).save(path)
    return path


def test_the_model_folder_is_used_when_present(model_root: Path, tmp_path: Path) -> None:
    assert not uses_dlib(model_root, "tiny_l")
    assert uses_dlib(model_root, "buffalo_l")
    # ArcFace-scale config values apply unchanged to an ONNX model.
    assert thresholds(model_root, "tiny_l", 0.7, 0.5).max_distance == 0.5
    models = FaceModels(model_root)
    assert models.is_available(ModelChoice("tiny_l"))
    found = models.detect(ModelChoice("tiny_l"), _image(tmp_path, bright=True), 0.7)
    assert (found.image_width, found.image_height) == (640, 480)
    assert found.faces
    for face in found.faces:
        # The bright square is where the tiny detector "sees" faces; boxes are in the image's pixels.
        centre = ((face.x1 + face.x2) / 2, (face.y1 + face.y2) / 2)
        assert 280 <= centre[0] <= 400 and 180 <= centre[1] <= 300, (face.x1, face.y1, face.x2, face.y2)
        assert 0.7 <= face.score <= 1.0
        assert face.embedding.shape == (512,)
        assert float(np.linalg.norm(face.embedding)) == pytest.approx(1.0, abs=1e-5)


def test_a_dark_image_has_no_faces(model_root: Path, tmp_path: Path) -> None:
    found = FaceModels(model_root).detect(ModelChoice("tiny_l"), _image(tmp_path, bright=False), 0.7)
    assert found.faces == []


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10, 0.9], [1, 1, 11, 11, 0.8], [50, 50, 60, 60, 0.7]], np.float32)
    assert nms(boxes, 0.4) == [0, 2]


def test_alignment_maps_keypoints_onto_the_template() -> None:
    template = np.array([[38.3, 51.7], [73.5, 51.5], [56.0, 71.7], [41.5, 92.4], [70.7, 92.2]], np.float32)
    points = template * 2 + np.array([100, 40], np.float32)
    matrix = similarity_transform(points, template)
    mapped = points @ matrix[:, :2].T + matrix[:, 2]
    assert np.allclose(mapped, template, atol=1e-3)
    crop = align_face(np.full((400, 400, 3), 128, np.uint8), points, 112)
    assert crop.shape == (112, 112, 3)
