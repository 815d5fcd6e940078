"""Invented comments under the brand's video about its new Kadıköy branch."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from monitor.replay import ReplayServer, Reply

VIDEO = "kD9xQ2mB7aE"
CHANNEL = "UCk4hV3dUr4g1TmQ0bX9cAfE"

# (author, hours ago, likes, text, replies as (author, hours ago, text))
THREADS: list[tuple[str, float, int, str, list[tuple[str, float, str]]]] = [
    (
        "gamze.t",
        5,
        14,
        "Pencere kenarında hiç priz yok, laptopla çalışmak imkansız 😕",
        [
            (
                "kahveduragi",
                4,
                "@gamze.t Geri bildiriminiz için teşekkürler, bu hafta priz ekliyoruz!",
            )
        ],
    ),
    ("dimitris", 6, 3, "Ωραίο μέρος, αλλά το Φρέσκο Καφέ έχει καλύτερο freddo 😄", []),
    ("lena", 8, 7, "Went there last week, the baristas were lovely ☕", []),
]


def comment(comment_id: str, author: str, when: datetime, likes: int, text: str) -> dict:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "kind": "youtube#comment",
        "id": comment_id,
        "snippet": {
            "channelId": CHANNEL,
            "videoId": VIDEO,
            "textDisplay": text,
            "textOriginal": text,
            "authorDisplayName": f"@{author}",
            "authorChannelUrl": f"http://www.youtube.com/@{author}",
            "authorChannelId": {"value": CHANNEL if author == "kahveduragi" else f"UC{author}"},
            "likeCount": likes,
            "publishedAt": stamp,
            "updatedAt": stamp,
        },
    }


def install(replay: ReplayServer, now: datetime) -> dict[str, Any]:
    items = []
    for index, (author, hours_ago, likes, text, replies) in enumerate(THREADS):
        thread_id = f"UgzDemo{index}AaABAg"
        top = comment(thread_id, author, now - timedelta(hours=hours_ago), likes, text)
        answers = [
            comment(f"{thread_id}.reply{n}", who, now - timedelta(hours=ago), 0, said)
            for n, (who, ago, said) in enumerate(replies)
        ]
        for answer in answers:
            answer["snippet"]["parentId"] = thread_id
        thread: dict[str, Any] = {
            "kind": "youtube#commentThread",
            "id": thread_id,
            "snippet": {
                "channelId": CHANNEL,
                "videoId": VIDEO,
                "topLevelComment": top,
                "totalReplyCount": len(answers),
                "isPublic": True,
            },
        }
        if answers:
            thread["replies"] = {"comments": answers}
        items.append(thread)
    page = {
        "kind": "youtube#commentThreadListResponse",
        "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        "items": items,
    }
    replay.add("/youtube/v3/commentThreads", Reply(200, page))
    return {"type": "youtube", "api_key": "demo-key", "videos": [VIDEO], "about": "Kahve Durağı"}
