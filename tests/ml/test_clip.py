"""The local CLIP loader on a tiny random model in Immich's folder layout: preprocessing, tokenising, outputs."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photonest.ml.clip import ClipModels
from photonest.ml.protocols import ModelChoice, ModelUnavailableError
from tests.ml.tiny_clip import CONTEXT, IMAGE_SIZE, MEAN, STD, TinyClip, build_tiny_clip, token_ids

MODEL = ModelChoice("ViT-B-32__openai")


@pytest.fixture
def tiny(tmp_path: Path) -> TinyClip:
    return build_tiny_clip(tmp_path / "models")


@pytest.fixture
def models(tiny: TinyClip) -> ClipModels:
    return ClipModels(tiny.folder.parent.parent)


def noise(path: Path, size: tuple[int, int], seed: int = 1) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def preprocessed(path: Path) -> np.ndarray:
    """Shortest side to the model size (bicubic), centre crop, scale to 0..1, normalise, channels first."""
    with Image.open(path) as image:
        width, height = image.size
        ratio = IMAGE_SIZE / min(width, height)
        resized = image.convert("RGB").resize(
            (round(width * ratio), round(height * ratio)), resample=Image.Resampling.BICUBIC
        )
    left = (resized.width - IMAGE_SIZE) // 2
    top = (resized.height - IMAGE_SIZE) // 2
    cropped = resized.crop((left, top, left + IMAGE_SIZE, top + IMAGE_SIZE))
    pixels = np.asarray(cropped, dtype=np.float32) / 255.0
    return ((pixels - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)).transpose(2, 0, 1)


def test_image_embedding_follows_the_preprocessing_and_the_model(
    tmp_path: Path, tiny: TinyClip, models: ClipModels
) -> None:
    for size in ((64, 40), (30, 90), (16, 16)):
        image = noise(tmp_path / f"{size}.png", size)
        vector = models.encode_image(MODEL, image)
        assert vector.dtype == np.float32 and vector.shape == (8,)
        np.testing.assert_allclose(vector, tiny.expected_image(preprocessed(image)), rtol=1e-4, atol=1e-5)
        assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_centre_crop_ignores_the_cut_off_sides(tmp_path: Path, models: ClipModels) -> None:
    rng = np.random.default_rng(3)
    middle = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    one = np.concatenate([np.zeros((16, 8, 3), np.uint8), middle, np.zeros((16, 8, 3), np.uint8)], axis=1)
    two = np.concatenate([np.full((16, 8, 3), 255, np.uint8), middle, np.full((16, 8, 3), 90, np.uint8)], axis=1)
    Image.fromarray(one).save(tmp_path / "one.png")
    Image.fromarray(two).save(tmp_path / "two.png")
    Image.fromarray(np.rot90(middle).copy()).save(tmp_path / "other.png")
    a, b = models.encode_image(MODEL, tmp_path / "one.png"), models.encode_image(MODEL, tmp_path / "two.png")
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(a, models.encode_image(MODEL, tmp_path / "other.png"), atol=1e-3)


def test_squash_resize_mode_stretches_instead_of_cropping(tmp_path: Path, tiny: TinyClip) -> None:
    config = tiny.folder / "visual" / "preprocess_cfg.json"
    config.write_text(config.read_text().replace('"shortest"', '"squash"'))
    image = noise(tmp_path / "wide.png", (48, 16))
    with Image.open(image) as opened:
        squashed = opened.resize((IMAGE_SIZE, IMAGE_SIZE), resample=Image.Resampling.BICUBIC)
    pixels = (np.asarray(squashed, np.float32) / 255.0 - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    vector = ClipModels(tiny.folder.parent.parent).encode_image(MODEL, image)
    np.testing.assert_allclose(vector, tiny.expected_image(pixels.transpose(2, 0, 1)), rtol=1e-4, atol=1e-5)
    cropped = tiny.expected_image(preprocessed(image))
    assert not np.allclose(vector, cropped, atol=1e-3)


def test_text_is_padded_with_the_pad_token_to_the_context_length(tiny: TinyClip, models: ClipModels) -> None:
    for text in ("a photo of a red cat", "dog", "  blue\n\tcar  "):
        expected = tiny.expected_text(token_ids(" ".join(text.split())))
        np.testing.assert_allclose(models.encode_text(MODEL, text), expected, rtol=1e-4, atol=1e-5)


def test_long_text_is_truncated_to_the_context_length(models: ClipModels) -> None:
    words = ["a", "photo", "of", "a", "red", "cat", "on", "the", "beach", "in", "the", "snow", "under", "a", "tree"]
    assert len(words) > CONTEXT
    longer = models.encode_text(MODEL, " ".join([*words, "dog", "car"]))
    np.testing.assert_allclose(longer, models.encode_text(MODEL, " ".join(words)), atol=1e-6)
    assert not np.allclose(longer, models.encode_text(MODEL, " ".join(words[:4])), atol=1e-3)


def test_unknown_words_become_the_unknown_token(tiny: TinyClip, models: ClipModels) -> None:
    np.testing.assert_allclose(models.encode_text(MODEL, "zebra"), tiny.expected_text(token_ids("zebra")), atol=1e-5)
    assert not np.allclose(models.encode_text(MODEL, "zebra"), models.encode_text(MODEL, "cat"), atol=1e-3)


def test_canonicalize_lowercases_and_drops_punctuation(tmp_path: Path) -> None:
    plain = build_tiny_clip(tmp_path / "plain")
    canonical = build_tiny_clip(tmp_path / "canonical", canonicalize=True)
    with_option = ClipModels(canonical.folder.parent.parent).encode_text(MODEL, "A Red, CAT!")
    without = ClipModels(plain.folder.parent.parent).encode_text(MODEL, "A Red, CAT!")
    np.testing.assert_allclose(with_option, canonical.expected_text(token_ids("a red cat")), atol=1e-5)
    assert not np.allclose(without, plain.expected_text(token_ids("a red cat")), atol=1e-3)


def test_multilingual_model_gets_ids_and_attention_mask(tmp_path: Path) -> None:
    tiny = build_tiny_clip(tmp_path / "models", "XLM-Roberta-Large-Vit-B-32", multilingual=True)
    choice = ModelChoice("XLM-Roberta-Large-Vit-B-32")
    vector = ClipModels(tmp_path / "models").encode_text(choice, "red cat")
    np.testing.assert_allclose(vector, tiny.expected_text(token_ids("red cat"), real_tokens=2), rtol=1e-4, atol=1e-5)


def test_missing_or_incomplete_model_is_unavailable(tmp_path: Path, tiny: TinyClip, models: ClipModels) -> None:
    assert models.is_available(MODEL)
    for name in ("ViT-B-16__openai", "../clip/ViT-B-32__openai", "", "..", "a/b"):
        assert not models.is_available(ModelChoice(name))
        with pytest.raises(ModelUnavailableError):
            models.encode_text(ModelChoice(name), "cat")
    (tiny.folder / "textual" / "model.onnx").unlink()
    assert not models.is_available(MODEL)
    with pytest.raises(ModelUnavailableError):
        models.encode_image(MODEL, tmp_path / "whatever.png")


def test_immich_app_prefix_names_the_same_folder(models: ClipModels) -> None:
    assert models.is_available(ModelChoice("immich-app/ViT-B-32__openai"))


def test_model_is_loaded_once_and_shared_by_threads(models: ClipModels) -> None:
    results: list[np.ndarray] = []

    def work() -> None:
        results.append(models.encode_text(MODEL, "green tree"))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6
    assert all(np.array_equal(results[0], r) for r in results)
    assert models.get(MODEL) is models.get(MODEL)


def test_unreadable_image_raises(tmp_path: Path, models: ClipModels) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    with pytest.raises(OSError):
        models.encode_image(MODEL, broken)
