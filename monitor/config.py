"""settings.yaml -> typed, validated settings, once, with errors that name the key and line.

Sources, channels and detectors declare their own options (a pydantic model on each
spider, channel class and detector); this module is handed those models by name, so it
imports no later stage.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.folding import fold
from monitor.i18n import LanguageCode
from monitor.query import parse_query
from monitor.redact import redact
from monitor.urls import WebUrl
from monitor.utf8 import NotUtf8, read_utf8

ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: the longest duration taken: more than any schedule or look-back needs, and far enough
#: from the calendar's end that adding it to a date cannot overflow
MAX_DURATION = timedelta(weeks=520)
DATABASES = ("sqlite", "postgresql")
#: nodes a settings file may hold once its aliases are expanded: a real file has hundreds,
#: a 1 KB "billion laughs" file billions (each level of aliases multiplies the one below)
MAX_YAML_NODES = 100_000


class ConfigError(Exception):
    """A settings problem a person can fix: what, where (key path and line), and how."""

    def __init__(self, problems: list[str], path: Path | str | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__("\n".join(f"{where}{problem}" for problem in problems))


def parse_duration(value: Any) -> timedelta:
    """'90s', '15m', '1h30m', '2d' or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{value} is negative: a duration must be positive (e.g. 15m)")
        if math.isnan(value):  # YAML's .nan
            raise ValueError("expected a duration like 30s, 15m, 1h or 1d, got .nan")
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text.startswith("-"):
            raise ValueError(f"{value!r} is negative: a duration must be positive (e.g. 15m)")
        parts = DURATION_PART.findall(text)
        if not text or "".join(n + u for n, u in parts) != text:
            raise ValueError(
                f"bad duration {value!r}: use a number with s, m, h, d or w (e.g. 15m)"
            )
        seconds = sum(float(n) * UNITS[u] for n, u in parts)
    else:
        raise ValueError(f"expected a duration like 30s, 15m, 1h or 1d, got {value!r}")
    if not seconds <= MAX_DURATION.total_seconds():  # infinity too
        raise ValueError(f"{value!r} is too long: a duration is at most 520w (ten years)")
    return timedelta(seconds=seconds)


def human_duration(value: timedelta) -> str:
    """timedelta(seconds=5400) -> '1h30m', the way settings.yaml writes it."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or f"{value.total_seconds() * 1000:.0f}ms"


def positive(value: timedelta) -> timedelta:
    """A period something happens every (or within): zero would mean "constantly"."""
    if value <= timedelta(0):
        raise ValueError("must be positive (e.g. 15m), not zero")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(positive)]
NonEmptyStr = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(Strict):
    name: NonEmptyStr
    kind: Literal["brand", "competitor"]
    keywords: list[NonEmptyStr] = Field(min_length=1)
    handles: list[NonEmptyStr] | dict[str, list[NonEmptyStr]] = Field(
        default_factory=list,
        description="the target's own accounts: a list (compared on every source), or per "
        "source type, e.g. {x: ['@kahvecim'], bluesky: [kahvecim.bsky.social]}",
    )
    hashtags: list[NonEmptyStr] = Field(default_factory=list)
    exclude: list[NonEmptyStr] = Field(default_factory=list)
    query: str | None = Field(None, description='e.g. "Kahve Durağı" AND (priz OR wifi)')

    @field_validator("query")
    @classmethod
    def readable_query(cls, value: str | None) -> str | None:
        if value is not None:
            parse_query(value, fold)
        return value

    @property
    def handles_everywhere(self) -> list[str]:
        """Handles written as a plain list: compared on every source, without its rules."""
        return self.handles if isinstance(self.handles, list) else []

    def handles_on(self, source_type: str) -> list[str]:
        """The handles written for one source type (not the plain list)."""
        return [] if isinstance(self.handles, list) else self.handles.get(source_type, [])

    @property
    def all_handles(self) -> list[str]:
        """Every handle as written, on whatever platform: how people name the target too."""
        if isinstance(self.handles, list):
            return list(self.handles)
        return [h for handles in self.handles.values() for h in handles]


class General(Strict):
    database: str = "sqlite:///kulak.sqlite3"
    timezone: str = "UTC"
    language: LanguageCode = "en"  # of digests, alerts and mails; a channel may set its own
    contact_url: WebUrl = "https://github.com/kulak-dev/kulak"
    retention: PositiveDuration = timedelta(days=180)

    @field_validator("database")
    @classmethod
    def supported_database(cls, value: str) -> str:
        """Only the stores kulak is tested on; any other URL would fail later, deep in a
        command, with a traceback."""
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(
                f"not a database URL: {value!r} (use sqlite:///kulak.sqlite3 or "
                "postgresql+psycopg://user:${DB_PASSWORD}@host/db)"
            ) from None
        if backend not in DATABASES:
            raise ValueError(
                f"kulak stores posts in SQLite or PostgreSQL, not {backend!r} "
                "(use sqlite:///kulak.sqlite3 or postgresql+psycopg://user@host/db)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (use a name like Europe/Istanbul)"
            ) from None
        return value


class SourceSchedule(Strict):
    """The keys of a source entry that belong to scheduling, not to the spider."""

    type: str
    enabled: bool = True
    interval: PositiveDuration = timedelta(minutes=15)
    jitter: Duration = timedelta(seconds=30)
    timeout: PositiveDuration = timedelta(minutes=5)
    retries: int = Field(3, ge=0, le=10)
    backoff: Duration = timedelta(seconds=1)


@dataclass(frozen=True)
class Source:
    name: str
    schedule: SourceSchedule
    options: BaseModel

    @property
    def type(self) -> str:
        return self.schedule.type

    @property
    def enabled(self) -> bool:
        return self.schedule.enabled


class ChannelCommon(Strict):
    type: str
    enabled: bool = True
    kinds: list[str] | None = Field(
        None, min_length=1, description="alert kinds (detector names) it takes; default: all"
    )


@dataclass(frozen=True)
class ChannelEntry:
    name: str
    common: ChannelCommon
    options: BaseModel

    @property
    def type(self) -> str:
        return self.common.type

    @property
    def enabled(self) -> bool:
        return self.common.enabled

    def takes(self, kind: str) -> bool:
        return self.common.kinds is None or kind in self.common.kinds


def language_code(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}", value):
        raise ValueError(f"{value!r} is not a language code: write tr, el, en, de...")
    return value


LangCode = Annotated[str, AfterValidator(language_code)]
MODEL_KEYS = {
    "local": {"path", "labels"},
    "ollama": {"url", "name", "timeout", "retry_after"},
    "openai": {"url", "name", "api_key", "timeout", "retry_after"},
}


class SentimentModel(Strict):
    """A model of the user's that kulak asks before its offline scorer: a local folder
    (ONNX) or a model server on their network (Ollama, or any OpenAI-compatible API)."""

    type: Literal["local", "ollama", "openai"] = Field(
        description="local (a model folder), ollama or openai (a model server)"
    )
    path: Path | None = Field(None, description="local: the model's folder")
    labels: dict[str, Literal["pos", "neg", "neu"]] = Field(
        default_factory=dict, description="local: the model's labels as pos, neg or neu"
    )
    url: str | None = Field(None, description="ollama, openai: the server, http(s)://host:port")
    name: NonEmptyStr | None = Field(None, description="ollama, openai: the model's name")
    api_key: SecretStr | None = Field(None, description="openai: from ${ENV}")
    languages: list[LangCode] = Field(
        default_factory=lambda: ["en", "tr", "el"],
        min_length=1,
        description="the languages whose posts the model scores",
    )
    batch: int = Field(16, ge=1, le=512, description="texts per call")
    timeout: Duration = Field(timedelta(seconds=30), description="wait this long for an answer")
    retry_after: Duration = Field(
        timedelta(minutes=1), description="after a failure, use the offline scorer this long"
    )
    cache: int = Field(20000, ge=0, description="answers kept in memory, by text")

    @field_validator("url")
    @classmethod
    def http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not a URL: write it as http://host:port")
        return value.rstrip("/")

    @model_validator(mode="after")
    def keys_of_its_type(self) -> SentimentModel:
        needed = {"local": ("path",), "ollama": ("url", "name"), "openai": ("url", "name")}
        for key in needed[self.type]:
            if getattr(self, key) is None:
                raise ValueError(f"a model of type {self.type} needs {key}")
        for key in sorted(self.model_fields_set - MODEL_KEYS[self.type]):
            if key in set().union(*MODEL_KEYS.values()):
                types = " and ".join(t for t, keys in MODEL_KEYS.items() if key in keys)
                raise ValueError(f"{key} is for models of type {types}, not {self.type}")
        return self

    @property
    def description(self) -> str:
        """How status lines name it: no secrets, enough to tell two models apart."""
        if self.type == "local":
            return f"local model {self.path}"
        return f"{self.type} model {self.name} at {self.url}"


class SentimentSettings(Strict):
    model: SentimentModel | None = None


LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: the shape `kulak inbox --hash-password` writes (monitor/inbox/auth.py)
PASSWORD_HASH = re.compile(r"pbkdf2_sha256\$[1-9][0-9]{3,}\$[A-Za-z0-9_-]{8,}\$[A-Za-z0-9_-]{20,}")
HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")


class InboxSettings(Strict):
    """The web inbox `kulak run` (or `kulak inbox`) serves: leads to take and answer."""

    enabled: bool = Field(True, description="serve the inbox with kulak run")
    host: str = Field("127.0.0.1", description="address to listen on (this machine only)")
    port: int = Field(8765, ge=0, le=65535, description="port to listen on (0: any free one)")
    users: dict[NonEmptyStr, SecretStr] = Field(
        default_factory=dict,
        description="name -> password hash (from `kulak inbox --hash-password`): who may "
        "sign in; needed to listen beyond this machine",
    )
    trusted_header: str | None = Field(
        None,
        description="a header a reverse proxy in front sets to the signed-in user "
        "(e.g. X-Forwarded-User): kulak then trusts it instead of its own sign-in",
    )
    secret: SecretStr | None = Field(
        None,
        description="key that signs session cookies and forms, from ${ENV}; without it a new "
        "one per start (everyone signs in again)",
    )
    secure_cookies: bool = Field(
        False, description="cookies only over HTTPS: set it behind a TLS reverse proxy"
    )

    @field_validator("users")
    @classmethod
    def _hashed(cls, users: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, stored in users.items():
            if not PASSWORD_HASH.fullmatch(stored.get_secret_value()):
                raise ValueError(
                    f"the password of {name!r} is not a hash from `kulak inbox --hash-password` "
                    "(never write a password itself here)"
                )
        return users

    @field_validator("trusted_header")
    @classmethod
    def _header(cls, header: str | None) -> str | None:
        if header is not None and not HEADER_NAME.fullmatch(header):
            raise ValueError(f"{header!r} is not a header name (letters, digits and -)")
        return header

    @model_validator(mode="after")
    def _guarded(self) -> InboxSettings:
        if self.host not in LOOPBACK and not self.users and not self.trusted_header:
            raise ValueError(
                f"the inbox listens on {self.host}, beyond this machine: name its users "
                "(users) or the header your reverse proxy sets (trusted_header)"
            )
        return self


def parse_model_spec(spec: str) -> SentimentModel:
    """`kulak score --model`: a folder, or ollama:NAME@URL, or openai:NAME@URL."""
    kind, _, rest = spec.partition(":")
    if kind not in ("ollama", "openai"):
        return SentimentModel(type="local", path=Path(spec))
    name, at, url = rest.partition("@")
    if not (name and at and url):
        raise ValueError(f"write {kind}:NAME@URL, e.g. {kind}:qwen2.5:7b@http://gpu-box:11434")
    try:
        return SentimentModel(type=kind, name=name, url=url)
    except ValidationError as exc:
        messages = (e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise ValueError("; ".join(messages)) from None


@dataclass(frozen=True)
class Settings:
    general: General
    targets: list[Target]
    sources: list[Source]
    channels: list[ChannelEntry] = field(default_factory=list)
    detectors: dict[str, BaseModel] = field(default_factory=dict)
    """Every known detector's options by name, defaults filled in."""
    path: Path | None = None
    secrets: frozenset[str] = frozenset()
    """Every value that came from the environment (`${VAR}`): masked wherever kulak
    writes text (logs, the store's error columns, status, alerts)."""
    sentiment: SentimentSettings = field(default_factory=SentimentSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError([f"no source named {name!r} in sources (configured: {known})"], self.path)

    @property
    def enabled_sources(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]

    @property
    def enabled_channels(self) -> list[ChannelEntry]:
        return [c for c in self.channels if c.enabled]


class _Top(Strict):
    kulak: General = Field(default_factory=General)
    targets: list[Target] = Field(min_length=1)
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    detectors: dict[str, Any] = Field(default_factory=dict)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    inbox: InboxSettings = Field(default_factory=InboxSettings)

    @field_validator("targets")
    @classmethod
    def unique_names(cls, targets: list[Target]) -> list[Target]:
        seen: set[str] = set()
        for target in targets:
            if target.name.casefold() in seen:
                raise ValueError(f"two targets are named {target.name!r}")
            seen.add(target.name.casefold())
        return targets


# -- reading YAML with line numbers -------------------------------------------------------


def _load_with_lines(text: str, origin: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML's data and, for each key path, the 1-based line it was written on.

    Composed once, then checked before anything expands its aliases: a key written twice
    (YAML keeps the last silently) and a file that would expand beyond MAX_YAML_NODES are
    refused."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines = _Lines(origin).read(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(
            [f"not valid YAML{line}: {getattr(exc, 'problem', exc)}"], origin
        ) from None
    except RecursionError:
        raise ConfigError(["not valid settings: nested too deep"], origin) from None
    finally:
        loader.dispose()
    return data, lines


class _Lines:
    """Walks composed YAML: the line of each key path, and what must be refused."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.lines: dict[tuple[Any, ...], int] = {}
        self.sizes: dict[int, int] = {}

    def read(self, node: yaml.Node | None) -> dict[tuple[Any, ...], int]:
        if node is None:
            return self.lines
        size = self.size(node, set())
        if size > MAX_YAML_NODES:
            raise ConfigError(
                [
                    f"its aliases (*name) expand to {size:,} values, more than the "
                    f"{MAX_YAML_NODES:,} a settings file may hold: write the values out"
                ],
                self.origin,
            )
        duplicates: list[str] = []
        self.walk(node, (), duplicates)
        if duplicates:
            raise ConfigError(duplicates, self.origin)
        return self.lines

    def size(self, node: yaml.Node, open_nodes: set[int]) -> int:
        """Values the node holds with its aliases expanded, each shared node counted
        once per use but computed once, so a bomb is measured without expanding it."""
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if key in open_nodes:
            raise ConfigError(["an alias (*name) refers to a value holding it"], self.origin)
        open_nodes.add(key)
        total = 1 + sum(self.size(child, open_nodes) for child in _children(node))
        open_nodes.discard(key)
        self.sizes[key] = total
        return total

    def walk(self, node: yaml.Node, path: tuple[Any, ...], duplicates: list[str]) -> None:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key, line = key_node.value, key_node.start_mark.line + 1
                if isinstance(key_node, yaml.ScalarNode) and key != "<<":
                    if key in first:
                        duplicates.append(
                            f"{key_path((*path, key))} (lines {first[key]} and {line}): "
                            "written twice; YAML would keep only the second, so keep one"
                        )
                    first.setdefault(key, line)
                self.lines[(*path, key)] = line
                self.walk(value_node, (*path, key), duplicates)
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                self.lines[(*path, index)] = child.start_mark.line + 1
                self.walk(child, (*path, index), duplicates)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Environment:
    """`${VAR}` replaced by the variable's value; what was missing or empty is noted
    (empty is not set: `sqlite:///${DB_PATH}` must never become an in-memory store), and
    every value taken is remembered as a secret."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.missing: list[tuple[tuple[Any, ...], str]] = []  # where, and what is wrong
        self.secrets: set[str] = set()

    def substitute(self, data: Any, path: tuple[Any, ...] = ()) -> Any:
        if isinstance(data, dict):
            return {k: self.substitute(v, (*path, k)) for k, v in data.items()}
        if isinstance(data, list):
            return [self.substitute(v, (*path, i)) for i, v in enumerate(data)]
        if isinstance(data, str) and "${" in data:
            return ENV_PATTERN.sub(lambda match: self.value(match.group(1), path), data)
        return data

    def value(self, name: str, path: tuple[Any, ...]) -> str:
        value = self.env.get(name)
        if value is None:
            self.missing.append((path, f"environment variable {name} is not set"))
        elif not value.strip():
            self.missing.append((path, f"environment variable {name} is empty (empty is not set)"))
        else:
            self.secrets.add(value)
        return value or ""


def key_path(loc: tuple[Any, ...]) -> str:
    """('targets', 1, 'keywords') -> 'targets[1].keywords'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


class _Problems:
    """Problems with where they are; a value from the environment is never repeated in
    one (a validator quoting a feed URL would print the token in it)."""

    def __init__(self, lines: dict[tuple[Any, ...], int], environment: _Environment) -> None:
        self.lines = lines
        self.secrets = environment.secrets
        # A value whose variable is unset or empty is reported as that, not as invalid.
        self.unset = {loc for loc, _ in environment.missing}
        self.items: list[str] = []

    def add(self, loc: tuple[Any, ...], message: str) -> None:
        line = None
        probe = tuple(loc)
        while line is None and probe:
            line = self.lines.get(probe)
            probe = probe[:-1]
        where = f" (line {line})" if line else ""
        self.items.append(redact(f"{key_path(loc)}{where}: {message}", self.secrets))

    def add_validation(self, prefix: tuple[Any, ...], error: ValidationError) -> int:
        """Adds the error's problems; returns how many (those at unset values are not)."""
        before = len(self.items)
        for detail in error.errors():
            loc = tuple(p for p in detail["loc"] if not str(p).startswith("function-"))
            if (*prefix, *loc) in self.unset:
                continue
            message = detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "extra_forbidden":
                message = "unknown key (check its spelling, or see the README for valid keys)"
            elif detail["type"] == "too_short" and detail.get("input") == []:
                message = "must not be empty"
            self.add((*prefix, *loc), message)
        return len(self.items) - before


def load_settings(
    path: str | Path,
    *,
    source_options: Mapping[str, type[BaseModel]],
    channel_options: Mapping[str, type[BaseModel]],
    detector_options: Mapping[str, type[BaseModel]] | None = None,
    env: Mapping[str, str] | None = None,
    channel_secrets: bool = True,
) -> Settings:
    """Read and validate settings; raise ConfigError listing every problem found.

    `channel_secrets=False` is for commands that send nothing (sources, status, export, a
    digest preview): a channel's unset ${VAR} is then no problem of theirs."""
    path = Path(path)
    try:
        text = read_utf8(path)
    except OSError as exc:
        raise ConfigError([f"cannot read settings: {exc.strerror}"], path) from None
    except NotUtf8 as exc:
        raise ConfigError([f"{exc}: save it as UTF-8"], path) from None
    return parse_settings(
        text,
        source_options=source_options,
        channel_options=channel_options,
        detector_options=detector_options,
        env=env,
        path=path,
        channel_secrets=channel_secrets,
    )


def parse_settings(
    text: str,
    *,
    source_options: Mapping[str, type[BaseModel]],
    channel_options: Mapping[str, type[BaseModel]],
    detector_options: Mapping[str, type[BaseModel]] | None = None,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
    channel_secrets: bool = True,
) -> Settings:
    raw, lines = _load_with_lines(text, str(path) if path else "settings")
    if not isinstance(raw, dict):
        raise ConfigError(["the settings must be a mapping with targets, sources, ..."], path)
    environment = _Environment(os.environ if env is None else env)
    data = environment.substitute(raw)
    problems = _Problems(lines, environment)
    top = _validated((), problems, lambda: _Top.model_validate(data))
    if top is None:
        # Still check the sources and channels, so one run reports every problem.
        top = _Top.model_construct(
            sources=_mapping(data.get("sources")),
            channels=_mapping(data.get("channels")),
            detectors=_mapping(data.get("detectors")),
        )
    sources = [
        Source(name, *parsed)
        for name, entry in top.sources.items()
        if (parsed := _entry("sources", name, entry, SourceSchedule, source_options, problems))
    ]
    channels = [
        ChannelEntry(name, *parsed)
        for name, entry in top.channels.items()
        if (
            parsed := _entry(
                "channels", name, entry, ChannelCommon, channel_options, problems, channel_secrets
            )
        )
    ]
    detectors = _detectors(top.detectors, detector_options or {}, problems)
    _check_accounts(getattr(top, "targets", []), source_options, problems)
    if detector_options is not None:
        _check_kinds(channels, detector_options, problems)
    disabled = {("sources", s.name) for s in sources if not s.enabled} | {
        ("channels", c.name) for c in channels if not (c.enabled and channel_secrets)
    }
    for loc, problem in environment.missing:
        if loc[:2] not in disabled:
            problems.add(loc, problem)
    if problems.items:
        raise ConfigError(problems.items, path)
    return Settings(
        general=top.kulak,
        targets=top.targets,
        sources=sources,
        channels=channels,
        detectors=detectors,
        path=path,
        secrets=frozenset(environment.secrets),
        sentiment=top.sentiment,
        inbox=top.inbox,
    )


def _detectors(
    entries: Mapping[str, Any],
    registry: Mapping[str, type[BaseModel]],
    problems: _Problems,
) -> dict[str, BaseModel]:
    """Each known detector's options: as configured, or its defaults when not mentioned."""
    for name in entries:
        if name not in registry:
            known = ", ".join(sorted(registry)) or "none"
            problems.add(("detectors", name), f"unknown detector {name!r} (known: {known})")
    found = {}
    for name, model in registry.items():
        entry = entries.get(name) or {}
        if not isinstance(entry, dict):
            problems.add(("detectors", name), "must be a mapping of options")
            continue
        options = _validated(("detectors", name), problems, partial(model.model_validate, entry))
        if options is not None:
            found[name] = options
    return found


def _check_accounts(
    targets: list[Target], sources: Mapping[str, type[BaseModel]], problems: _Problems
) -> None:
    """Per-platform handles by that platform's rules (each source's `Options.account`)."""
    for index, target in enumerate(targets):
        if isinstance(target.handles, list):
            continue
        for kind, handles in target.handles.items():
            loc = ("targets", index, "handles", kind)
            if kind not in sources:
                problems.add(
                    loc, f"unknown source type {kind!r} (known: {', '.join(sorted(sources))})"
                )
                continue
            for position, handle in enumerate(handles):
                try:
                    sources[kind].account(handle)  # type: ignore[attr-defined]
                except ValueError as exc:
                    problems.add((*loc, position), str(exc))


def _check_kinds(
    channels: list[ChannelEntry], detectors: Mapping[str, Any], problems: _Problems
) -> None:
    for channel in channels:
        for kind in channel.common.kinds or ():
            if kind not in detectors:
                known = ", ".join(detectors)
                problems.add(
                    ("channels", channel.name, "kinds"),
                    f"unknown alert kind {kind!r} (known: {known})",
                )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _entry(
    section: str,
    name: str,
    entry: Any,
    common_model: type[BaseModel],
    registry: Mapping[str, type[BaseModel]],
    problems: _Problems,
    secrets_needed: bool = True,
) -> tuple[Any, BaseModel] | None:
    """A source or channel entry: its common keys, and the rest as its own options. One
    that is off, or whose secrets are not needed, may leave its variables unset."""
    loc = (section, name)
    if entry is not None and not isinstance(entry, dict):
        problems.add(loc, "must be a mapping of options")
        return None
    entry = {"type": name, **(entry or {})}
    kind = entry["type"]
    if kind not in registry:
        known = ", ".join(sorted(registry))
        problems.add((*loc, "type"), f"unknown {section[:-1]} type {kind!r} (known: {known})")
        return None
    common = {k: v for k, v in entry.items() if k in common_model.model_fields}
    options = {k: v for k, v in entry.items() if k not in common_model.model_fields}
    schedule = _validated(loc, problems, partial(common_model.model_validate, common))
    try:
        own = registry[kind].model_validate(options)
    except ValidationError as exc:
        used = schedule is not None and schedule.enabled and secrets_needed
        if problems.add_validation(loc, exc) or schedule is None or used:
            return None
        # Only its unset variables are wrong, and they are not used: listed as it is.
        own = registry[kind].model_construct(**options)
    return (schedule, own) if schedule is not None else None


def _validated(loc: tuple[Any, ...], problems: _Problems, build: Any) -> Any:
    try:
        return build()
    except ValidationError as exc:
        problems.add_validation(loc, exc)
        return None
