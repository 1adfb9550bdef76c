"""A tiny random CLIP model in Immich's folder layout, with its weights kept for computing expected outputs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace

DIM = 8
IMAGE_SIZE = 16
POOL = 4
CONTEXT = 12
PAD = "<|endoftext|>"
WORDS = [PAD, "<unk>", "a", "photo", "of", "red", "green", "blue", "cat", "dog", "car", "beach", "snow", "tree"]
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.2613026, 0.2757771]


@dataclass(frozen=True)
class TinyClip:
    """Where the model was written and the weights of its two halves."""

    folder: Path
    visual_weights: NDArray[np.float32]
    token_embeddings: NDArray[np.float32]
    text_projection: NDArray[np.float32]

    def expected_image(self, pixels: NDArray[np.float32]) -> NDArray[np.float32]:
        """The visual model's unit output for an already preprocessed `[3, S, S]` tensor, in numpy."""
        pooled = pixels.reshape(3, IMAGE_SIZE // POOL, POOL, IMAGE_SIZE // POOL, POOL).mean(axis=(2, 4))
        vector = pooled.reshape(-1) @ self.visual_weights
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    def expected_text(self, ids: list[int], real_tokens: int | None = None) -> NDArray[np.float32]:
        """The textual model's unit output for padded token ids (M-CLIP: averaged over the real tokens only)."""
        used = ids if real_tokens is None else ids[:real_tokens]
        vector = self.token_embeddings[used].mean(axis=0) @ self.text_projection
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def build_tiny_clip(
    models: Path,
    name: str = "ViT-B-32__openai",
    seed: int = 7,
    *,
    multilingual: bool = False,
    canonicalize: bool = False,
) -> TinyClip:
    """Write `<models>/clip/<name>/…` with random weights; a few KB on disk."""
    rng = np.random.default_rng(seed)
    folder = models / "clip" / name
    (folder / "visual").mkdir(parents=True, exist_ok=True)
    (folder / "textual").mkdir(parents=True, exist_ok=True)
    features = 3 * (IMAGE_SIZE // POOL) ** 2
    visual_weights = rng.standard_normal((features, DIM)).astype(np.float32)
    token_embeddings = rng.standard_normal((len(WORDS), DIM)).astype(np.float32)
    text_projection = rng.standard_normal((DIM, DIM)).astype(np.float32)
    _save(_visual_graph(visual_weights), folder / "visual" / "model.onnx")
    textual = _mclip_graph if multilingual else _textual_graph
    _save(textual(token_embeddings, text_projection), folder / "textual" / "model.onnx")
    config = {
        "embed_dim": DIM,
        "vision_cfg": {"image_size": IMAGE_SIZE, "layers": 1, "width": 8, "patch_size": POOL},
        "text_cfg": {"context_length": CONTEXT, "vocab_size": len(WORDS), "width": 8, "heads": 1, "layers": 1},
    }
    if canonicalize:
        config["text_cfg"]["tokenizer_kwargs"] = {"clean": "canonicalize"}
    (folder / "config.json").write_text(json.dumps(config))
    preprocess = {"size": [IMAGE_SIZE, IMAGE_SIZE], "mode": "RGB", "mean": MEAN, "std": STD}
    preprocess |= {"interpolation": "bicubic", "resize_mode": "shortest", "fill_color": 0}
    (folder / "visual" / "preprocess_cfg.json").write_text(json.dumps(preprocess))
    tokenizer = Tokenizer(WordLevel({word: i for i, word in enumerate(WORDS)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = Whitespace()  # type: ignore[assignment]
    tokenizer.save(str(folder / "textual" / "tokenizer.json"))
    tokenizer_config = {"pad_token": PAD, "unk_token": "<unk>", "model_max_length": CONTEXT}
    (folder / "textual" / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    (folder / "textual" / "special_tokens_map.json").write_text(json.dumps({"pad_token": PAD, "unk_token": "<unk>"}))
    return TinyClip(folder, visual_weights, token_embeddings, text_projection)


def token_ids(text: str) -> list[int]:
    """The ids the real tokenizer should give: known words, `<unk>` for the rest, padded with PAD."""
    ids = [WORDS.index(word) if word in WORDS else 1 for word in text.split()][:CONTEXT]
    return ids + [0] * (CONTEXT - len(ids))


def _visual_graph(weights: NDArray[np.float32]) -> onnx.ModelProto:
    nodes = [
        helper.make_node("AveragePool", ["image"], ["pooled"], kernel_shape=[POOL, POOL], strides=[POOL, POOL]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "weights"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes,
        "visual",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, IMAGE_SIZE, IMAGE_SIZE])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", DIM])],
        [numpy_helper.from_array(weights, "weights")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _textual_graph(embeddings: NDArray[np.float32], projection: NDArray[np.float32]) -> onnx.ModelProto:
    nodes = [
        helper.make_node("Gather", ["token_embeddings", "text"], ["tokens"]),
        helper.make_node("ReduceMean", ["tokens"], ["mean"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["mean", "projection"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes,
        "textual",
        [helper.make_tensor_value_info("text", TensorProto.INT32, ["batch", CONTEXT])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", DIM])],
        [numpy_helper.from_array(embeddings, "token_embeddings"), numpy_helper.from_array(projection, "projection")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _mclip_graph(embeddings: NDArray[np.float32], projection: NDArray[np.float32]) -> onnx.ModelProto:
    """M-CLIP style: `input_ids` + `attention_mask` (int64), mean over the real tokens only."""
    nodes = [
        helper.make_node("Gather", ["token_embeddings", "input_ids"], ["tokens"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_float"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_float", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["tokens", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask3", "axis1"], ["count"], keepdims=0),
        helper.make_node("Div", ["summed", "count"], ["mean"]),
        helper.make_node("MatMul", ["mean", "projection"], ["embedding"]),
    ]
    axis1, axis2 = np.array([1], dtype=np.int64), np.array([2], dtype=np.int64)
    graph = helper.make_graph(
        nodes,
        "textual",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", CONTEXT]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", CONTEXT]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", DIM])],
        [
            numpy_helper.from_array(embeddings, "token_embeddings"),
            numpy_helper.from_array(projection, "projection"),
            numpy_helper.from_array(axis1, "axis1"),
            numpy_helper.from_array(axis2, "axis2"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _save(model: onnx.ModelProto, path: Path) -> None:
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
