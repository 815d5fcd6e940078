"""`kulak`: a thin command line over the library. Each command loads settings, calls one
library function and prints its result; bad settings exit with code 2 and a clear list."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from pydantic import TypeAdapter
from sqlalchemy.exc import DBAPIError

from monitor import private
from monitor.config import ConfigError, Settings, human_duration
from monitor.store.connect import DatabaseUnavailable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


class LazyConsole:
    """A rich Console made when first used: `kulak run` prints nothing on its way, so it
    never loads rich (1.3 MiB held for the life of the service)."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self.console is None:
            from rich.console import Console

            self.console = Console(**self.options)
        return getattr(self.console, name)


console = LazyConsole(soft_wrap=True)
err = LazyConsole(stderr=True, soft_wrap=True)

DEFAULT_CONFIG = "settings.yaml"
NO_TLS_WARNING = "WARNING: TLS certificates NOT verified (tls_verify: false)"


def config_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("KULAK_CONFIG", DEFAULT_CONFIG),
        show_default="$KULAK_CONFIG or ./settings.yaml",
        help="Settings file.",
    )(command)


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Writing where the user said: a missing or unwritable folder is theirs to fix, said by
    its path (exit 1), not a traceback. Other failures are not theirs and stay loud."""
    try:
        yield
    except OSError as exc:
        failed = Path(exc.filename) if exc.filename else None
        if failed is None or not (
            failed == path or path in failed.parents or failed in path.parents
        ):
            raise
        raise click.FileError(str(failed), hint=exc.strerror or str(exc)) from None


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Settings problems are a person's to fix: list them, exit 2, no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            err.print("[bold red]Settings problem[/]" + ("s:" if len(exc.problems) > 1 else ":"))
            for line in str(exc).splitlines():
                err.print(f"  - {line}", markup=False, highlight=False)
            sys.exit(2)
        except DatabaseUnavailable as exc:
            err.print(
                shown(f"{exc} (kulak.database in the settings)"), markup=False, highlight=False
            )
            sys.exit(1)
        except DBAPIError as exc:  # opened, then failed: a damaged file, a dropped server
            reason = str(exc.orig or exc).strip().splitlines()[0]
            err.print(
                shown(
                    f"the database failed: {reason} (kulak.database in the settings; a "
                    "SQLite file can be checked with: sqlite3 FILE 'PRAGMA integrity_check')"
                ),
                markup=False,
                highlight=False,
            )
            sys.exit(1)

    return wrapper


def load(config_path: Path, *, sending: bool = False) -> Settings:
    """The settings; a command that sends nothing (`sending=False`) loads them without
    the channels' secrets, so an unset token never stops it. From here on their secrets
    are masked in logs and tracebacks."""
    from monitor.logs import mask, secrets_of
    from monitor.registry import load as load_settings

    if not config_path.exists():
        raise ConfigError(
            [f"no settings file at {config_path} (run `kulak init` to write a starter file)"]
        )
    settings = load_settings(config_path, channel_secrets=sending)
    mask(secrets_of(settings))
    return settings


def shown(text: str) -> str:
    """Text that came from outside (a post, a server's error) as printed: its controls
    escaped, the loaded settings' secrets masked."""
    from monitor.logs import masked
    from monitor.printable import printable

    return printable(masked(text), one_line=True)


def open_store(settings: Settings) -> Any:
    from monitor.logs import secrets_of
    from monitor.redact import Redactor
    from monitor.registry import database_url
    from monitor.store import Store

    return Store.open(database_url(settings), redact=Redactor(secrets_of(settings)))


@click.group()
@click.version_option(package_name="kulak")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for troubleshooting.")
def main(verbose: bool) -> None:
    """kulak: hear what people say about your brand and your competitors."""
    from monitor.logs import configure

    level = logging.INFO if verbose else logging.WARNING
    if logging.getLogger().handlers:  # a host (a test runner) set logging up already
        logging.getLogger().setLevel(level)
    else:
        configure("text", level, quiet=False)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a starter settings file to PATH (default ./settings.yaml)."""
    from monitor.starter import STARTER

    if path.exists() and not force:
        err.print(f"{path} exists already; use --force to overwrite it.")
        sys.exit(1)
    with writing(path):
        path.write_text(STARTER.read_text(encoding="utf-8"), encoding="utf-8")
    console.print(f"Wrote {path}. Edit your brand and competitors, then run `kulak check`.")


@main.command()
@config_option
@friendly_errors
def check(config_path: Path) -> None:
    """Validate the settings, connect to the database, and say what is enabled."""
    from monitor.accounts import unanswerable
    from monitor.registry import database_url, detector_classes, spider_classes
    from monitor.store.connect import probe

    settings = load(config_path, sending=True)
    console.print(f"[green]✓[/] {config_path} is valid.")
    try:
        console.print(
            shown(f"Store: {probe(database_url(settings))}"), markup=False, highlight=False
        )
    except DatabaseUnavailable as exc:
        err.print(shown(f"Store: {exc}"), markup=False, highlight=False)
        store_failed = True
    else:
        store_failed = False
    for target in settings.targets:
        console.print(
            f"Target [bold]{target.name}[/] ({target.kind}): {', '.join(target.keywords)}"
        )
    for source in settings.sources:
        why = spider_classes()[source.type].missing_credentials(source.options)
        state = "disabled" if not source.enabled else ("[red]not ready[/]" if why else "enabled")
        detail = f" — {why}" if why and source.enabled else ""
        every = f"every {human_duration(source.schedule.interval)}"
        console.print(f"Source {source.name} ({source.type}): {state}, {every}{detail}")
        if not getattr(source.options, "tls_verify", True):
            console.print(f"  [bold red]{NO_TLS_WARNING}[/]")
    model = settings.sentiment.model
    sentiment = f"{model.description} first" if model else "offline scorer"
    unusable = _unusable_model(settings)
    if unusable:
        err.print(shown(f"Sentiment: {sentiment}, but {unusable}"), markup=False)
    else:
        console.print(f"Sentiment: {sentiment}", markup=False, highlight=False)
    for note in unanswerable(settings.targets, settings.sources, spider_classes()):
        err.print(f"Warning: {note}", markup=False, highlight=False)
    for channel in settings.channels:
        state = "enabled" if channel.enabled else "disabled"
        kinds = channel.common.kinds or list(detector_classes())
        console.print(f"Channel {channel.name} ({channel.type}): {state}; {', '.join(kinds)}")
    if not settings.enabled_channels:
        console.print("Channels: none enabled; alerts go to the console.")
    sys.exit(1 if store_failed or unusable else 0)


def _unusable_model(settings: Settings) -> str | None:
    """Why the configured local model cannot be used (it is opened to find out); a model
    server is not asked anything here."""
    from monitor.sentiment.backend import ModelUnusable
    from monitor.sentiment.models import open_judge

    model = settings.sentiment.model
    if model is None or model.type != "local":
        return None
    try:
        open_judge(model, settings.path.parent if settings.path else None)
    except ModelUnusable as exc:
        return str(exc)
    return None


@main.command()
@config_option
def sources(config_path: Path) -> None:
    """List every source kulak can collect from, its options, and whether it is ready."""
    from monitor.registry import load as load_settings
    from monitor.registry import spider_classes
    from spiders.base import SourceOptions

    configured: dict[str, Any] = {}
    if config_path.exists():
        try:
            sources = load_settings(config_path, channel_secrets=False).sources
            configured = {s.type: s for s in sources}
        except ConfigError as exc:
            err.print(f"(settings not read: {exc.problems[0]})", markup=False)
    for name, cls in sorted(spider_classes().items()):
        source = configured.get(name)
        if source is None:
            state = "not configured"
        elif not source.enabled:
            state = "disabled"
        else:
            why = cls.missing_credentials(source.options)
            state = f"not ready: {why}" if why else "ready"
            if not getattr(source.options, "tls_verify", True):
                state += f"; {NO_TLS_WARNING}"
        print_kind(name, cls, state, cls.Options, SourceOptions)


@main.command()
@config_option
def channels(config_path: Path) -> None:
    """List every channel type alerts can go to, its options, and how it is configured."""
    from alerts import registry
    from alerts.base import ChannelOptions
    from monitor.registry import detector_options
    from monitor.registry import load as load_settings

    configured: list[Any] = []
    if config_path.exists():
        try:
            configured = load_settings(config_path, channel_secrets=False).channels
        except ConfigError as exc:
            err.print(f"(settings not read: {exc.problems[0]})", markup=False)
    console.print(
        "Every channel takes: enabled (default True), kinds (the alert kinds it gets; "
        f"default all: {', '.join(detector_options())}).",
        markup=False,
        highlight=False,
    )
    for name, cls in sorted(registry().items()):
        mine = [c for c in configured if c.type == name]
        states = [f"{c.name}: {'enabled' if c.enabled else 'disabled'}" for c in mine]
        print_kind(name, cls, "; ".join(states) or "not configured", cls.Options, ChannelOptions)


def print_kind(name: str, cls: type, state: str, options: type, base: type) -> None:
    """One source or channel type: its module's first doc line, its state in the settings,
    then each option with what it is and its default."""
    doc = (sys.modules[cls.__module__].__doc__ or "").strip().splitlines()
    summary = doc[0] if doc else ""
    console.print(f"{name} — {summary} [{state}]", markup=False, highlight=False)
    for field_name, field in options.model_fields.items():
        inherited = base.model_fields.get(field_name)
        about = field.description or (inherited.description if inherited else "") or ""
        default = "required" if field.is_required() else f"default {field.default!r}"
        if isinstance(field.default, dt.time):
            default = f"default {field.default:%H:%M}"
        if field.default_factory is not None:
            # A list default (countries, editions) is shown as settings.yaml writes it.
            value = TypeAdapter(Any).dump_python(
                field.get_default(call_default_factory=True), mode="json"
            )
            default = f"default {value}" if value else "default: none"
        if field_name == "max_response_size":  # a source's: its own cap when not set
            from spiders.base import human_size

            default = f"default {human_size(cls.size_cap)}"
        console.print(f"    {field_name}: {about} ({default})", markup=False)


@main.command()
@config_option
@click.option("--source", "source_names", multiple=True, help="Only this source (repeatable).")
@click.option("--once", is_flag=True, required=True, help="Collect once and exit.")
@friendly_errors
def collect(config_path: Path, source_names: tuple[str, ...], once: bool) -> None:
    """Collect new posts from the enabled sources once."""
    from alerts.render import plural
    from monitor import reactor
    from monitor.crawl import collect_all
    from monitor.registry import spider_classes
    from monitor.runtime import Runtime

    settings = load(config_path)
    if logging.getLogger().level > logging.INFO:
        # Each source's failure is its line below; Scrapy's own ERROR lines about the same
        # requests ("Gave up retrying ...") would only repeat it, raw. -v shows them.
        logging.getLogger("scrapy").setLevel(logging.CRITICAL)
    chosen = [settings.source(n) for n in source_names] or settings.enabled_sources
    ready = []
    for source in chosen:
        why = spider_classes()[source.type].missing_credentials(source.options)
        if why:
            err.print(f"Skipping {source.name}: {why}", markup=False)
        else:
            ready.append(source)
    store = open_store(settings)
    runtime = Runtime(settings=settings, store=store)
    runtime.judge  # noqa: B018  opened now: a model that cannot be used is a settings problem
    try:
        reports = reactor.run(collect_all(runtime, ready))
    finally:
        reactor.shutdown()
    failed = False
    for report in reports:
        line = f"{report.source}: {report.new_posts} new posts, {report.requests} requests"
        if report.not_modified:
            line += f" ({report.not_modified} not modified)"
        if report.skipped:
            line += f", {report.skipped} of {report.items} items skipped ({report.skip_example})"
        if report.set_aside:
            line += f", {report.set_aside} posts set aside"
        if report.problems:
            failed = True
            status, reason = report.problems[0]
            line += f" — {status}: {reason}"
            if len(report.problems) > 1:
                line += f" (and {plural(len(report.problems) - 1, 'other problem')})"
        console.print(shown(line), markup=False, highlight=False)
    sys.exit(1 if failed else 0)


@main.command()
@config_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--since", help="Only posts newer than this, e.g. 7d.")
@click.option("--labels", is_flag=True, help="The team's sentiment labels instead of posts.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output); made readable by you and your group.",
)
@friendly_errors
def export(
    config_path: Path, fmt: str, since: str | None, labels: bool, output: Path | None
) -> None:
    """Write stored posts with their per-target sentiment (or the team's sentiment labels)
    as JSON lines or CSV."""
    from datetime import UTC, datetime

    from monitor.config import parse_duration
    from monitor.export import write_csv, write_jsonl, write_labels

    settings = load(config_path)
    cutoff = None
    if since:
        try:
            cutoff = datetime.now(UTC) - parse_duration(since)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from None
    store = open_store(settings)

    def write(out: Any) -> int:
        if labels:
            chosen = [x for x in store.iter_labels() if cutoff is None or x.at >= cutoff]
            return write_labels(chosen, out, fmt)
        writer = write_jsonl if fmt == "jsonl" else write_csv
        return writer(store.iter_posts(since=cutoff), out)

    if output is None or str(output) == "-":
        count = write(sys.stdout)
    else:
        with writing(output), private.open_text(output) as handle:
            count = write(handle)
    err.print(f"{count} {'labels' if labels else 'posts'} exported.")


@main.command()
@click.option(
    "--lang",
    type=click.Choice(["auto", "en", "tr", "el"]),
    default="auto",
    show_default=True,
    help="Language of every line; auto detects it per line.",
)
@click.option(
    "--model",
    "model_spec",
    metavar="SPEC",
    help="Ask this model first: a local model folder, ollama:NAME@URL, openai:NAME@URL, "
    "or `settings` for the sentiment.model of --config. The offline scorer answers where "
    "the model does not.",
)
@config_option
@friendly_errors
def score(lang: str, model_spec: str | None, config_path: Path) -> None:
    """Score texts from stdin, one per line: a JSON object per line with lang, compound,
    label and intents (and, with --model, by: model or offline)."""
    import json

    from monitor.printable import printable
    from monitor.sentiment import analyse_lines

    judge = _judge(model_spec, config_path) if model_spec else None
    for result in analyse_lines(_utf8_lines(sys.stdin.buffer), lang, judge):
        click.echo(json.dumps(result, ensure_ascii=False))
    if judge is not None:
        tally = judge.take_tally()
        line = f"{judge.description}: {tally.by_model} texts scored by the model"
        if tally.fallback:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(tally.fallback.items()))
            line += f", {sum(tally.fallback.values())} by the offline scorer ({reasons})"
        if tally.last_problem:
            line += f"; last problem: {tally.last_problem}"
        err.print(printable(line, one_line=True), markup=False, highlight=False)


def _judge(spec: str, config_path: Path) -> Any:
    """The model `kulak score --model SPEC` names, opened."""
    from monitor.config import parse_model_spec
    from monitor.sentiment.backend import ModelUnusable
    from monitor.sentiment.models import open_judge

    folder = None
    if spec == "settings":
        settings = load(config_path)
        if settings.sentiment.model is None:
            raise ConfigError(["no sentiment.model to use with --model settings"], config_path)
        model, folder = settings.sentiment.model, config_path.resolve().parent
    else:
        try:
            model = parse_model_spec(spec)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--model") from None
    try:
        return open_judge(model, folder)
    except ModelUnusable as exc:
        raise ConfigError([f"{'sentiment.model' if folder else '--model'}: {exc}"]) from None


def _utf8_lines(stream: Any) -> Any:
    """Lines of text; a line that is not UTF-8 is named on stderr and read with its
    undecodable bytes replaced, so every input line still gets its answer."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            err.print(f"line {number}: not UTF-8 ({exc.reason} at byte {exc.start}); replaced")
            yield raw.decode("utf-8", errors="replace")


@main.command()
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to keep the demo's database and files (default: a new temporary folder).",
)
def demo(folder: Path | None) -> None:
    """Run kulak end to end, offline, on invented posts served by local replays."""
    from alerts.render import local_time, plural
    from monitor import reactor
    from monitor.demo import run_demo
    from monitor.summary import summarise

    started = time.monotonic()
    try:
        with writing(folder) if folder else contextlib.nullcontext():
            run = run_demo(folder)
    finally:
        reactor.shutdown()
    for report in run.reports:
        status = "ok" if report.ok else f"{report.problems[0][0]}: {report.problems[0][1]}"
        console.print(
            f"Collected {report.source}: {report.new_posts} new posts in "
            f"{report.requests} requests ({status})",
            highlight=False,
        )
    tz = run.settings.general.timezone
    console.print(
        f"The demo's clock: {local_time(run.now, tz)} ({tz}); the invented "
        "posts are dated before it.",
        highlight=False,
    )
    print_summary(summarise(run.store.iter_posts()))
    console.print(f"\n{plural(len(run.alerts), 'alert')}, delivered from the outbox:")
    run.deliver_alerts()
    console.print(f"\nDatabase: {run.folder / 'kulak-demo.sqlite3'}")
    for label, path in run.files.items():
        console.print(f"{label}: {path}")
    console.print(f"Demo finished in {time.monotonic() - started:.1f} s.")


@main.command()
@config_option
@click.option("--once", is_flag=True, required=True, help="Deliver what is due and exit.")
@click.option("--retry-failed", is_flag=True, help="Queue failed deliveries again first.")
@friendly_errors
def deliver(config_path: Path, once: bool, retry_failed: bool) -> None:
    """Send queued alerts to every channel (retries with backoff; once per channel)."""
    from monitor import deliver as delivery
    from monitor.registry import channels

    settings = load(config_path, sending=True)
    store = open_store(settings)
    if retry_failed:
        console.print(f"{delivery.retry_failed(store)} failed deliveries queued again.")
    trouble = False
    for report in delivery.deliver_once(store, channels(settings)):
        waiting = f", {report.for_digest} for the daily digest" if report.for_digest else ""
        line = (
            f"{report.channel}: {report.sent} sent{waiting}, {report.retrying} to retry, "
            f"{report.failed} failed"
        )
        if report.error:
            trouble = True
            line += f" — {report.error}"
        console.print(shown(line), markup=False, highlight=False)
    sys.exit(1 if trouble else 0)


@main.command()
@config_option
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the digest as an HTML file instead of sending it.",
)
@click.option("--send", is_flag=True, help="Send the digest to the channels that take digests.")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Local day (default: yesterday).")
@click.option("--again", is_flag=True, help="With --send: send a digest already sent.")
@friendly_errors
def digest(config_path: Path, preview: Path | None, send: bool, day: Any, again: bool) -> None:
    """Build the daily digest: preview it as HTML, or send it by email. A sent digest is
    recorded, so `kulak run` does not send that day's digest again, nor does `--send`
    without `--again`."""
    from alerts.render import local_time, preview_html
    from monitor.deliver import send_digest
    from monitor.digest import build_digest, previous_day
    from monitor.registry import channels

    if not preview and not send:
        raise click.UsageError("say --preview FILE.html or --send")
    settings = load(config_path, sending=send)
    tz = settings.general.timezone
    yesterday = previous_day(tz)
    the_day = day.date() if day else yesterday
    today = yesterday + dt.timedelta(days=1)
    if the_day > today:  # a digest sent for it would be recorded, and that day's never sent
        raise click.BadParameter(
            f"{the_day} has not begun yet ({today} in {tz})", param_hint="--day"
        )
    if the_day.year < 1970:
        raise click.BadParameter(f"{the_day} is before any post (1970)", param_hint="--day")
    store = open_store(settings)
    built = build_digest(store, settings, the_day, tz)
    if preview:
        with writing(preview):
            private.write_text(preview, preview_html(built, settings.general.language))
        console.print(f"Digest for {the_day} written to {preview}")
    if send:
        takers = {name: c for name, c in channels(settings).items() if c.sends_digests}
        if not takers:
            err.print("No channel takes digests: configure an email channel with digest: true.")
            sys.exit(1)
        results = {}
        for name, channel in takers.items():
            record = store.digest_record(name, the_day)
            if record is not None and record.status == "sent" and not again:
                when = local_time(record.sent_at, tz, "moment") if record.sent_at else ""
                console.print(
                    f"{name}: the digest for {the_day} was sent already {when}".rstrip()
                    + "; add --again to send it again",
                    markup=False,
                    highlight=False,
                )
                continue
            results[name] = send_digest(store, name, channel, built)
        for name, result in results.items():
            console.print(f"{name}: {result.status} {result.reason}", markup=False)
        sys.exit(0 if all(r.ok for r in results.values()) else 1)


@main.command()
@config_option
@click.option("--once", is_flag=True, required=True, help="Run one detection cycle and exit.")
@friendly_errors
def detect(config_path: Path, once: bool) -> None:
    """Run every enabled detector once and queue the new alerts for the channels."""
    from monitor.detect import DetectorsFailed, detect_once

    settings = load(config_path)
    try:
        new = detect_once(open_store(settings), settings)
    except DetectorsFailed as failed:
        for name, exc in failed.failures.items():
            err.print(shown(f"detector {name} failed: {exc}"), markup=False)
        err.print(f"The other detectors ran; {len(failed.queued)} new alerts queued.")
        sys.exit(1)
    for alert in new:
        line = f"{alert.kind}: {alert.title} ({alert.key})"
        console.print(shown(line), markup=False, highlight=False)
    console.print(f"{len(new)} new alert{'' if len(new) == 1 else 's'} queued.")


@main.command()
@config_option
@click.option("--since", default="30d", show_default=True, help="How far back, e.g. 30d.")
@click.option("--list", "show", is_flag=True, help="Also list each alert with its time.")
@friendly_errors
def backtest(config_path: Path, since: str, show: bool) -> None:
    """How many alerts each detector would have raised over stored history with the
    current settings. Nothing is queued or sent."""
    from datetime import UTC, datetime

    from monitor.config import parse_duration
    from monitor.detect import backtest as run_backtest
    from monitor.registry import detector_classes

    try:
        span = parse_duration(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    settings = load(config_path)
    now = datetime.now(UTC)
    found = run_backtest(open_store(settings), settings, since=now - span, now=now)
    console.print(f"Alerts each detector would have raised in the last {since}:")
    for name, alerts in found.items():
        count = f"{len(alerts)} alert" + ("" if len(alerts) == 1 else "s")
        note = detector_classes()[name].backtest_note
        console.print(f"{name}: {count}" + (f" ({note})" if note else ""), markup=False)
        for alert in alerts if show else ():
            console.print(
                f"  {alert.created_at:%Y-%m-%d %H:%M} {alert.title}", markup=False, highlight=False
            )


@main.command()
@config_option
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per line, for a log collector.",
)
@friendly_errors
def run(config_path: Path, log_format: str) -> None:
    """Run as a service: collect on schedule, detect, deliver, send digests; until stopped
    by SIGTERM or Ctrl-C."""
    from monitor.logs import configure, secrets_of
    from monitor.registry import channels
    from monitor.service import Service, serve
    from monitor.store import AlreadyRunning

    settings = load(config_path, sending=True)
    verbose = logging.getLogger().level <= logging.INFO
    level = logging.DEBUG if verbose else logging.INFO
    configure(log_format, level, secrets_of(settings))
    store = open_store(settings)
    try:
        with store.run_lock() as lock_held:
            service = Service(
                settings,
                store,
                channels(settings),
                lock_held=lock_held,
                child_log=(log_format, level),
            )
            serve(service)
    except AlreadyRunning as exc:
        err.print(f"{exc}; stop it first.", markup=False)
        sys.exit(1)
    finally:
        store.close()
    if service.lost_lock:
        err.print(
            "Stopped: another `kulak run` took over this database while the connection to "
            "it was lost; one service per database.",
            markup=False,
        )
        sys.exit(1)


@main.command()
@config_option
@click.option(
    "--hash-password",
    is_flag=True,
    help="Ask for a password and print its hash, for inbox.users in the settings.",
)
@friendly_errors
def inbox(config_path: Path, hash_password: bool) -> None:
    """Serve the web inbox alone (`kulak run` serves it too), until SIGTERM or Ctrl-C."""
    import asyncio
    import signal

    from monitor.inbox.app import Inbox
    from monitor.inbox.auth import hash_password as hashed
    from monitor.inbox.server import InboxServer

    if hash_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < 8:
            err.print("A password needs at least 8 characters.")
            sys.exit(2)
        console.print(hashed(password), markup=False, highlight=False)
        return
    settings = load(config_path)
    store = open_store(settings)
    options = settings.inbox
    server = InboxServer(Inbox(store, settings), options.host, options.port)

    async def serve() -> None:
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await server.start()
        console.print(f"kulak inbox: open {server.url} (Ctrl-C stops it)", markup=False)
        await stop.wait()
        await server.stop()

    try:
        asyncio.run(serve())
    except OSError as exc:
        err.print(f"the inbox cannot listen on {options.host} port {options.port}: {exc}")
        sys.exit(1)
    finally:
        store.close()


@main.command()
@config_option
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when no `kulak run` serves the database, a source keeps failing or a "
    "digest is failing (for monitoring).",
)
@friendly_errors
def status(config_path: Path, check: bool) -> None:
    """Per source: last success, last failure and why, posts of the last day; per channel:
    queued and failed deliveries, and the last digest."""
    from rich.table import Table
    from rich.text import Text

    from monitor.status import gather

    settings = load(config_path)
    report = gather(open_store(settings), settings)
    console.print(f"kulak run: {'serving' if report.serving else 'not running'}")
    console.print(shown(f"Sentiment: {report.sentiment}"), markup=False, highlight=False)
    console.print(f"Team: {report.team}", markup=False, highlight=False)
    console.print(f"Corrections: {report.corrections}", markup=False, highlight=False)
    sources = Table(title="Sources")
    for column in ("source", "status", "last success", "last failure", "posts (24 h)"):
        sources.add_column(column)
    for row in report.sources:
        failure = row.last_failure or "never"
        if row.last_error:
            failure += f": {row.last_error}"
        state = row.status if row.enabled else f"{row.status} (disabled)"
        cells = (row.name, state, row.last_success or "never", failure, str(row.posts_last_day))
        # Reasons are text from outside: not markup, no terminal controls, no secrets.
        sources.add_row(*(Text(shown(cell)) for cell in cells))
    console.print(sources)
    for row in report.sources:
        if row.skip_example:
            example = f"{row.name}: {row.skipped} items skipped in its last run, e.g. "
            console.print(shown(example + row.skip_example), markup=False, highlight=False)
    channels_table = Table(title="Channels")
    for column in ("channel", "queued", "failed", "sent", "last digest"):
        channels_table.add_column(column)
    for row in report.channels:
        cells = (row.name, str(row.queued), str(row.failed), str(row.sent), row.digest or "")
        channels_table.add_row(*(Text(shown(cell)) for cell in cells))
    console.print(channels_table)
    if check:
        for problem in report.problems:
            err.print(shown(f"problem: {problem}"), markup=False, highlight=False)
        sys.exit(1 if report.problems else 0)


def spike_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One option per spike parameter, so the CLI never lags behind the detector."""
    from dataclasses import fields

    from monitor.analysis.spikes import PARAM_BOUNDS, SpikeParams

    for field in reversed(fields(SpikeParams)):
        bound = PARAM_BOUNDS[field.name]
        command = click.option(
            f"--{field.name.replace('_', '-')}",
            field.name,
            type=click.FloatRange(min=bound.least, min_open=bound.open),
            default=field.default,
            show_default=True,
        )(command)
    return command


@main.command("detect-series")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source-added",
    "sources_added",
    multiple=True,
    metavar="TIME[=NAME]",
    help="A source added at TIME, as kulak tells the live detector (repeatable).",
)
@spike_options
def detect_series(csv_file: Path, sources_added: tuple[str, ...], **params: Any) -> None:
    """Run the spike detector, as it runs live, over a timestamp,value CSV.

    Prints one line per alert: the timestamp of the row at which it alerted, followed by
    "new level" when a rise has lasted long enough to be the new usual, not a spike, or by
    "source added: NAME" for each `--source-added`."""
    from monitor.analysis.spikes import SpikeParams, run_detect_series

    try:
        spikes = run_detect_series(csv_file, SpikeParams(**params), sources_added)
    except ValueError as exc:
        err.print(str(exc), markup=False)
        sys.exit(2)
    for spike in spikes:
        line = spike.ts.isoformat(sep=" ")
        if spike.kind == "source":
            line += f" source added: {spike.source}"
        elif spike.kind == "step":
            line += " new level"
        click.echo(line)


def summary_table(summary: Any, width: int) -> Table:
    """One line per target in a terminal `width` wide: the list of sources (most frequent
    first) is cut short, saying how many more, rather than wrapped."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rows = []
    for target in summary.targets:
        share = target.negative_share
        negative = "n/a" if share is None else f"{share:.0%}"
        if share is not None and target.scored < target.mentions:
            negative += f" of {target.scored}"
        languages = " ".join(f"{s} {n}" for s, n in target.by_lang.most_common())
        rows.append([target.name, target.kind, str(target.mentions), negative, languages])
    headers = ("target", "kind", "mentions", "negative", "languages")
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    # Two spaces after each column; what is left of the line is for the sources.
    room = max(width - sum(widths) - 2 * len(headers) - 1, 10)
    table = Table(
        title=f"{summary.posts} posts about your targets",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        show_edge=False,
    )
    for header, widest in zip(headers, widths, strict=True):
        right = header in ("mentions", "negative")
        table.add_column(
            header, no_wrap=True, min_width=widest, justify="right" if right else "left"
        )
    table.add_column("sources", no_wrap=True, overflow="ellipsis")
    for row, target in zip(rows, summary.targets, strict=True):
        counts = [f"{s} {n}" for s, n in target.by_source.most_common()]
        table.add_row(*(Text(cell) for cell in [*row, fitted(counts, room)]))
    return table


def fitted(items: list[str], room: int) -> str:
    """As many of `items` as fit in `room` characters, then how many were left out."""
    for shown in range(len(items), 0, -1):
        more = len(items) - shown
        text = ", ".join(items[:shown]) + (f" +{more} more" if more else "")
        if len(text) <= room:
            return text
    return f"{len(items)} sources"


def print_summary(summary: Any) -> None:
    from monitor.printable import printable

    table = summary_table(summary, console.width)
    console.print(table)
    if summary.most_negative:
        console.print("\n[bold]Most negative posts[/]")
    for compound, target, post in summary.most_negative:
        # Feeds name their authors but have no handles.
        who = f"@{post['author_handle']}" if post["author_handle"] else post["author_name"]
        line = f"{who or 'unknown author'}: {post['text'][:160]}"
        console.print(
            f"{compound:+.2f} [{target}] {post['source']} {printable(line, one_line=True)}"
            f"\n      {printable(post['url'], one_line=True)}",
            markup=False,
            highlight=False,
        )


if __name__ == "__main__":
    main()
