"""A stand-in model server on a replay: Ollama's /api/chat and OpenAI's /v1/chat/completions.

It reads the posts kulak sends (the JSON in the last user message), answers from a few
words the way a model would, in each API's real envelope, and can be told to answer
errors, nonsense or nothing in time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from monitor.replay import ReplayServer, Reply, Seen

OLLAMA = "/api/chat"
OPENAI = "/v1/chat/completions"
PATHS = {"ollama": OLLAMA, "openai": OPENAI}

Results = Callable[[list[dict[str, Any]]], Any]


def posts_of(request: Seen) -> list[dict[str, Any]]:
    body = json.loads(request.body)
    user = [m for m in body["messages"] if m["role"] == "user"][-1]
    return json.loads(user["content"])["posts"]


def opinion(text: str) -> dict[str, Any]:
    """What the stand-in 'model' thinks of one post."""
    lowered = text.lower()
    if any(word in lowered for word in ("berbat", "terrible", "χάλια")):
        return {"label": "negative", "score": -0.9, "intents": ["complaint"]}
    if text.rstrip().endswith(("?", ";", "\u037e")):  # a Greek question ends in ";"
        return {"label": "neutral", "score": 0.0, "intents": ["question"]}
    if any(word in lowered for word in ("harika", "great", "υπέροχο")):
        return {"label": "positive", "score": 0.8, "intents": ["praise"]}
    return {"label": "neutral", "score": 0.0, "intents": []}


def results(posts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"results": [{"id": post["id"], **opinion(post["text"])} for post in posts]}


def envelope(dialect: str, content: str) -> dict[str, Any]:
    """The chat answer as each API wraps it (stream off)."""
    if dialect == "ollama":
        return {
            "model": "stand-in",
            "created_at": "2026-12-06T01:00:00Z",
            "message": {"role": "assistant", "content": content},
            "done": True,
            "done_reason": "stop",
        }
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1796000000,
        "model": "stand-in",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def answering(dialect: str, make: Results = results) -> Callable[[Seen], Reply]:
    """A handler answering in `dialect` with what `make` makes of the posts."""

    def answer(request: Seen) -> Reply:
        made = make(posts_of(request))
        content = made if isinstance(made, str) else json.dumps(made, ensure_ascii=False)
        return Reply(200, envelope(dialect, content))

    return answer


def serve_model(replay: ReplayServer, dialect: str, *replies: Any) -> str:
    """Route the dialect's path on the replay (default: sensible answers); its base URL."""
    replay.add(PATHS[dialect], *(replies or (answering(dialect),)), method="POST")
    return replay.url


def held_until(release: threading.Event) -> Callable[[Seen], Reply]:
    """A server that answers only once `release` is set: slower than any time-out."""

    def answer(request: Seen) -> Reply:
        release.wait()
        return Reply(200, envelope("ollama", json.dumps(results(posts_of(request)))))

    return answer
