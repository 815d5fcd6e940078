"""The sentiment step scores each mention of a post on the words about its own target."""

from datetime import UTC, datetime

from monitor.matching import Matcher
from monitor.pipelines.language import LanguagePipeline
from monitor.pipelines.sentiment import SentimentPipeline
from monitor.records import Mention, Record
from spiders.items import Post
from tests.helpers import make_settings


def test_two_targets_in_one_post_get_their_own_sentiment_and_intents():
    settings = make_settings()
    text = "Demlik'ten vazgeçtim, kahvesi berbat. Kahve Durağı harika, teşekkürler"
    post = Post("hackernews", "1", "https://example.org/1", text, datetime.now(UTC))
    record = Record(post)
    for match in Matcher(settings.targets).match(text):
        record.mentions.append(Mention(match.target, match.target_kind, match.spans, match.matched))
    record = LanguagePipeline(runtime=None).process(record)
    record = SentimentPipeline(runtime=None).process(record)

    by_target = {m.target: m for m in record.mentions}
    assert record.lang == "tr"
    assert by_target["Demlik"].label == "neg"
    assert by_target["Demlik"].intents == ("complaint", "switching")
    assert by_target["Kahve Durağı"].label == "pos"
    assert by_target["Kahve Durağı"].intents == ("praise",)
