"""The model a user configured (`sentiment.model`, or `kulak score --model`), opened."""

from __future__ import annotations

from pathlib import Path

from monitor.config import SentimentModel
from monitor.sentiment.backend import Backend, Judge


def open_judge(model: SentimentModel, folder: Path | None = None) -> Judge:
    """The model behind its fallback; a relative path is taken from `folder` (the settings
    file's). Raises ModelUnusable when a local model cannot be used as it is."""
    backend: Backend
    if model.type == "local":
        from monitor.sentiment.onnx_backend import OnnxBackend

        path = model.path or Path()
        if folder is not None and not path.is_absolute():
            path = folder / path
        backend = OnnxBackend.open(path, model.labels)
    else:
        from monitor.sentiment.chat_backend import ChatBackend

        key = model.api_key.get_secret_value() if model.api_key else None
        backend = ChatBackend(
            model.type, model.url or "", model.name or "", model.timeout.total_seconds(), key
        )
    return Judge(
        backend,
        model.description,
        model.languages,
        batch=model.batch,
        cache=model.cache,
        retry_after=model.retry_after.total_seconds(),
    )
