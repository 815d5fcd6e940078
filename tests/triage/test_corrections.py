"""The team's "sentiment is wrong" labels teach this installation's scorer, once a check on
labels held back from learning shows the correction helps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from monitor.cli import main
from monitor.pipelines.sentiment import SentimentPipeline
from monitor.records import Mention, Record
from monitor.runtime import Runtime
from monitor.sentiment import compound
from monitor.sentiment.adjust import MIN_LABELS, Example, learn
from monitor.store.triage import Label
from spiders.items import Post
from tests.helpers import make_settings, write_settings

START = datetime(2026, 11, 1, tzinfo=UTC)
# Queues are this café's customers' complaint; the scorer reads them as neutral.
QUEUES = [
    "Demlik Kadıköy'de kasada kuyruk vardı",
    "Demlik'te yine kuyruk, yarım saat",
    "Demlik Moda kuyruk bitmiyor",
    "kuyruk yüzünden Demlik'ten çıktım",
]
RIGHT = [
    ("Demlik'in çayı çok güzel", "pos"),
    ("Demlik bugün açık mı", "neu"),
    ("Demlik menüsü değişti", "neu"),
    ("Demlik personeli çok kaba, berbat", "neg"),
]


def team_labels() -> list[Label]:
    rows = []
    for n in range(6):
        for text in QUEUES:
            rows.append((f"{text} ({n})", "neg"))
        rows.extend((f"{text} ({n})", label) for text, label in RIGHT[n % 2 :: 2])
    return [
        Label(
            "x",
            str(i),
            "Demlik",
            label,
            text,
            "tr",
            compound(text, "tr"),
            "Ayşe",
            START + timedelta(hours=i),
        )
        for i, (text, label) in enumerate(rows)
    ]


def scored(runtime: Runtime, text: str) -> Mention:
    post = Post("x", "later", "https://x.com/a/status/1", text, START + timedelta(days=9))
    mention = Mention("Demlik", "competitor", [(0, 6)], ["Demlik"])
    record = Record(post, [mention], lang="tr")
    return SentimentPipeline(runtime).process(record).mentions[0]


def test_labels_change_the_score_of_a_later_similar_post(sqlite_store):
    runtime = Runtime(settings=make_settings(), store=sqlite_store)
    later = "Demlik'te bugün de kuyruk vardı"
    assert scored(runtime, later).label == "neu"  # what the scorer alone says

    for label in team_labels():
        sqlite_store.put_label(label)
    runtime = Runtime(settings=make_settings(), store=sqlite_store)

    assert runtime.adjustment.trusted
    assert runtime.adjustment.adjusted_agrees > runtime.adjustment.scorer_agrees
    assert scored(runtime, later).label == "neg"
    assert scored(runtime, "Demlik'in çayı çok güzel").label == "pos"  # unrelated: unchanged


def test_a_correction_that_does_not_help_on_held_back_labels_is_not_used():
    # The newest labels say the opposite of the older ones: learning them would mislead.
    older = [Example(f"kuyruk {n}", 0.0, "neg") for n in range(20)]
    newer = [Example(f"kuyruk {n}", 0.3, "pos") for n in range(6)]

    adjustment = learn(older + newer)

    assert not adjustment.trusted
    assert adjustment.apply("kuyruk var", 0.3) == 0.3
    assert "not in use (it does not help)" in adjustment.describe()


def test_too_few_labels_teach_nothing_yet():
    adjustment = learn([Example("kuyruk", 0.0, "neg")] * (MIN_LABELS - 1))
    assert not adjustment.trusted
    assert (
        adjustment.describe()
        == f"{MIN_LABELS - 1} team labels; a correction is learned from {MIN_LABELS}"
    )


def test_labels_are_exported_and_their_figures_are_in_status(tmp_path):
    from monitor.store import Store

    path = write_settings(tmp_path, "")
    store = Store.open(f"sqlite:///{tmp_path / 'kulak.sqlite3'}")
    for label in team_labels():
        store.put_label(label)
    runner = CliRunner()

    exported = runner.invoke(main, ["export", "--labels", "--format", "csv", "--config", str(path)])
    status = runner.invoke(main, ["status", "--config", str(path)])

    assert exported.exit_code == 0, exported.output
    lines = exported.stdout.splitlines()
    assert lines[0] == "source,external_id,target,label,compound,lang,who,at,text"
    assert len(lines) == 1 + len(team_labels())
    assert "Corrections: learned from" in status.output and "; in use" in status.output
