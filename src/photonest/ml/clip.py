"""CLIP models in Immich's ONNX folder layout: `clip/<name>/{config.json, visual/…, textual/…}`."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from photonest.ml.preprocess import ImagePreprocessor, clean_text
from photonest.ml.protocols import ModelChoice, ModelUnavailableError, Vector

CLIP_FILES = ("config.json", "visual/model.onnx", "textual/model.onnx")


def model_folder(root: Path, name: str) -> Path | None:
    """`<root>/clip/<name>`, or None for a name that is not a plain folder name."""
    name = name.removeprefix("immich-app/")
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return None
    return root / "clip" / name


def has_clip_files(folder: Path) -> bool:
    """Whether the folder holds the files a CLIP model needs."""
    return all((folder / name).is_file() for name in CLIP_FILES)


def unit(vector: NDArray[Any]) -> Vector:
    """The vector scaled to length 1 (Immich's exports already normalise; this keeps other exports comparable)."""
    flat = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(flat))
    return flat / norm if norm > 0 else flat


def _session(path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Leave cores for the web server and the other job queues.
    options.intra_op_num_threads = max(1, min(4, (os.cpu_count() or 2) // 2))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


class ClipModel:
    """One CLIP model folder; each half loads on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.config: dict[str, Any] = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self._lock = threading.Lock()
        self._visual: tuple[Any, ImagePreprocessor] | None = None
        self._textual: tuple[Any, Any, bool, bool] | None = None

    @property
    def dimensions(self) -> int | None:
        value = self.config.get("embed_dim")
        return int(value) if value is not None else None

    def encode_image(self, image: Path) -> Vector:
        session, preprocess = self._load_visual()
        with Image.open(image) as opened:
            opened.load()
            tensor = preprocess(opened)
        output = session.run(None, {session.get_inputs()[0].name: tensor})[0]
        return unit(output[0])

    def encode_text(self, text: str) -> Vector:
        session, tokenizer, canonicalize, multilingual = self._load_textual()
        encoding = tokenizer.encode(clean_text(text, canonicalize))
        inputs: dict[str, NDArray[Any]]
        if multilingual:
            # M-CLIP (XLM-Roberta) exports take ids plus an attention mask.
            inputs = {
                "input_ids": np.asarray([encoding.ids], dtype=np.int32),
                "attention_mask": np.asarray([encoding.attention_mask], dtype=np.int32),
            }
        else:
            inputs = {"text": np.asarray([encoding.ids], dtype=np.int32)}
        inputs = {key: value.astype(_input_dtype(session, key)) for key, value in inputs.items()}
        return unit(session.run(None, inputs)[0][0])

    def _load_visual(self) -> tuple[Any, ImagePreprocessor]:
        with self._lock:
            if self._visual is None:
                config = json.loads((self.folder / "visual" / "preprocess_cfg.json").read_text(encoding="utf-8"))
                self._visual = (_session(self.folder / "visual" / "model.onnx"), ImagePreprocessor(config))
            return self._visual

    def _load_textual(self) -> tuple[Any, Any, bool, bool]:
        from tokenizers import Tokenizer

        with self._lock:
            if self._textual is None:
                textual = self.folder / "textual"
                text_cfg: dict[str, Any] = self.config.get("text_cfg", {})
                context_length = int(text_cfg.get("context_length", 77))
                tokenizer_cfg = json.loads((textual / "tokenizer_config.json").read_text(encoding="utf-8"))
                pad_token = _token_text(tokenizer_cfg.get("pad_token"))
                tokenizer = Tokenizer.from_file(str(textual / "tokenizer.json"))
                pad_id = tokenizer.token_to_id(pad_token) if pad_token is not None else None
                if pad_token is not None and pad_id is not None:
                    tokenizer.enable_padding(length=context_length, pad_token=pad_token, pad_id=pad_id)
                else:
                    tokenizer.enable_padding(length=context_length)
                tokenizer.enable_truncation(max_length=context_length)
                kwargs = text_cfg.get("tokenizer_kwargs") or {}
                canonicalize = isinstance(kwargs, dict) and kwargs.get("clean") == "canonicalize"
                session = _session(textual / "model.onnx")
                multilingual = "input_ids" in {i.name for i in session.get_inputs()}
                self._textual = (session, tokenizer, canonicalize, multilingual)
            return self._textual


def _token_text(value: Any) -> str | None:
    # tokenizer_config.json spells special tokens as a string or as {"content": …}.
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def _input_dtype(session: Any, name: str) -> type[np.integer[Any]]:
    for model_input in session.get_inputs():
        if model_input.name == name and model_input.type == "tensor(int64)":
            return np.int64
    return np.int32


class ClipModels:
    """CLIP encoders by model name, loaded from the model folder on first use and kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._models: dict[str, ClipModel] = {}
        self._lock = threading.Lock()

    def is_available(self, model: ModelChoice) -> bool:
        folder = model_folder(self.folder, model.name)
        return folder is not None and has_clip_files(folder)

    def encode_image(self, model: ModelChoice, image: Path) -> Vector:
        return self.get(model).encode_image(image)

    def encode_text(self, model: ModelChoice, text: str, language: str | None = None) -> Vector:
        return self.get(model).encode_text(text)

    def get(self, model: ModelChoice) -> ClipModel:
        """The loaded model; ModelUnavailableError when its folder is missing or incomplete."""
        folder = model_folder(self.folder, model.name)
        if folder is None or not has_clip_files(folder):
            raise ModelUnavailableError(model.name)
        with self._lock:
            found = self._models.get(model.name)
            if found is None:
                found = self._models[model.name] = ClipModel(folder)
            return found
