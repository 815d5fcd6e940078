"""A sequence-classification model from a local folder, run on the CPU with ONNX Runtime.

The folder is laid out the way Hugging Face tools save a model: `config.json` (its
`id2label` names the classes), `tokenizer.json` (a fast tokenizer), and the ONNX graph
(`model.onnx`, or `onnx/model.onnx`). A folder with PyTorch weights only is refused with the
command that exports it, rather than pulling in torch. Needs `pip install 'kulak[models]'`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from monitor.sentiment.backend import ModelFailed, ModelUnusable, Verdict

#: how model cards name their classes, folded to lower case
KNOWN_LABELS = {
    "negative": "neg",
    "neg": "neg",
    "neutral": "neu",
    "neu": "neu",
    "positive": "pos",
    "pos": "pos",
}
GRAPH_NAMES = ("model.onnx", "onnx/model.onnx", "model_quantized.onnx", "onnx/model_quantized.onnx")
TORCH_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
MAX_TOKENS = 512


class OnnxBackend:
    def __init__(self, session: Any, tokenizer: Any, classes: list[str]) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.classes = classes  # pos, neg or neu per output, in the model's order
        self.inputs = {i.name for i in session.get_inputs()}

    @classmethod
    def open(cls, folder: Path, labels: Mapping[str, str] | None = None) -> OnnxBackend:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError:
            raise ModelUnusable(
                "a local model needs the models extra: pip install 'kulak[models]'"
            ) from None
        if not folder.is_dir():
            raise ModelUnusable(f"{folder} is not a folder")
        config = _config(folder)
        classes = _classes(config, labels or {}, folder)
        graph = _graph(folder)
        if not (folder / "tokenizer.json").is_file():
            raise ModelUnusable(
                f"no tokenizer.json in {folder}: save the model's fast tokenizer there"
            )
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(_max_tokens(config))
        pad = config.get("pad_token_id")
        tokenizer.enable_padding(pad_id=pad if isinstance(pad, int) else 0)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # warnings about the graph are not the user's to fix
        try:
            session = onnxruntime.InferenceSession(
                str(graph), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ONNX Runtime raises its own types for a broken graph
            raise ModelUnusable(f"{graph} is not a model ONNX Runtime can run: {exc}") from None
        backend = cls(session, tokenizer, classes)
        outputs = session.get_outputs()[0].shape
        if isinstance(outputs[-1], int) and outputs[-1] != len(classes):
            raise ModelUnusable(
                f"{graph} gives {outputs[-1]} scores per text but config.json's id2label "
                f"names {len(classes)} classes"
            )
        return backend

    def judge(self, items: Sequence[tuple[str, str]]) -> list[Verdict | None]:
        import numpy as np

        encodings = self.tokenizer.encode_batch([text for text, _ in items])
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        try:
            logits = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        except Exception as exc:  # ONNX Runtime's own error types
            raise ModelFailed("down", f"the model failed: {exc}") from None
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        return [self._verdict(row) for row in probabilities.tolist()]

    def _verdict(self, probabilities: list[float]) -> Verdict:
        share = {"pos": 0.0, "neg": 0.0, "neu": 0.0}
        for cls, p in zip(self.classes, probabilities, strict=True):
            share[cls] += p
        label = max(share, key=share.__getitem__)
        return Verdict(label, round(share["pos"] - share["neg"], 4))


def _config(folder: Path) -> dict[str, Any]:
    path = folder / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelUnusable(f"no config.json in {folder}: kulak reads id2label from it") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelUnusable(f"cannot read {path}: {exc}") from None
    if not isinstance(config, dict):
        raise ModelUnusable(f"{path} is not a JSON object")
    return config


def _classes(config: dict[str, Any], labels: Mapping[str, str], folder: Path) -> list[str]:
    """pos, neg or neu for each of the model's outputs, from config.json's id2label."""
    id2label = config.get("id2label")
    if not isinstance(id2label, dict) or not id2label:
        raise ModelUnusable(f"{folder}/config.json has no id2label naming the model's classes")
    try:
        ordered = sorted((int(index), str(name)) for index, name in id2label.items())
    except ValueError:
        raise ModelUnusable(f"{folder}/config.json: id2label's keys must be 0, 1, 2...") from None
    if [index for index, _ in ordered] != list(range(len(ordered))):
        raise ModelUnusable(f"{folder}/config.json: id2label's keys must be 0, 1, 2...")
    classes, unknown = [], []
    for _, name in ordered:
        cls = labels.get(name) or KNOWN_LABELS.get(name.strip().lower())
        if cls is None:
            unknown.append(name)
        classes.append(cls)
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise ModelUnusable(
            f"kulak cannot tell what the model's classes {names} mean: name each one in "
            f"sentiment.model.labels as pos, neg or neu (e.g. {unknown[0]}: neg)"
        )
    if "pos" not in classes or "neg" not in classes:
        raise ModelUnusable("the model's classes must include a positive and a negative one")
    return classes


def _graph(folder: Path) -> Path:
    for name in GRAPH_NAMES:
        if (folder / name).is_file():
            return folder / name
    if any((folder / name).is_file() for name in TORCH_WEIGHTS):
        raise ModelUnusable(
            f"{folder} holds PyTorch weights; kulak runs ONNX. Export it once with "
            f"`optimum-cli export onnx --task text-classification --model {folder} OUT` "
            "and point sentiment.model.path at OUT"
        )
    raise ModelUnusable(f"no model.onnx in {folder} (nor in {folder}/onnx)")


def _max_tokens(config: dict[str, Any]) -> int:
    """RoBERTa-style models (XLM-R among them) keep two positions for padding."""
    positions = config.get("max_position_embeddings")
    if not isinstance(positions, int) or positions <= 2:
        return MAX_TOKENS
    if "roberta" in str(config.get("model_type", "")):
        positions -= 2
    return min(MAX_TOKENS, positions)
