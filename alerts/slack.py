"""Slack: a bot token with chat.postMessage (routed by alert kind), or an incoming webhook.

Rate limits: when Slack answers 429 with a short Retry-After (up to `rate_limit_wait`
seconds) slack-sdk waits and retries in-process through `ShortRateLimitWait`; a longer
pause goes back to the outbox as `retry_after`, so one throttled workspace never holds the
delivery loop. Other failures are never retried here: the outbox owns backoff.

Bursts (`alerts.slack_bursts`): alerts of one kind about one target within `group_within`
share a message (the rest go into its thread, and the first is updated with their count);
past `max_per_hour` messages a channel, alerts are left for the daily digest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.webhook import WebhookClient

from alerts.base import Channel, ChannelOptions, SendResult
from alerts.slack_blocks import MAX_POSTS, render, with_thread_note, with_triage
from alerts.slack_bursts import Bursts, Thread
from monitor.alert import Alert, AlertKind
from monitor.config import Duration
from monitor.registry import KnownKind, detector_classes
from monitor.urls import WebUrl, web_url_problem

log = logging.getLogger(__name__)

# Errors Slack documents as temporary; every other `error` needs a person to act.
RETRYABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable"}
RETRYABLE |= {"request_timeout", "team_added_to_org"}
HINTS = {
    "invalid_auth": "the bot token was rejected: check the token in the environment",
    "not_authed": "no bot token was sent",
    "token_revoked": "the bot token was revoked: reinstall the app",
    "account_inactive": "the bot's workspace or user is deactivated",
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "not_in_channel": "invite the bot to the channel (/invite @kulak)",
    "is_archived": "the channel is archived",
    "missing_scope": "the bot token needs the chat:write scope",
}


class SlackOptions(ChannelOptions):
    token: SecretStr | None = Field(None, description="bot token (xoxb-...), from ${ENV}")
    webhook_url: SecretStr | None = Field(None, description="incoming webhook URL, from ${ENV}")
    channel: str | None = Field(None, description="default channel for a bot token")
    routes: dict[KnownKind, str] = Field(
        default_factory=dict, description="alert kind -> channel, e.g. {opportunity: '#sales'}"
    )
    group_within: Duration = Field(
        timedelta(hours=1),
        description="alerts of a kind about one target this close together share a message: "
        "the first is posted, the rest go into its thread (0s: each alone)",
    )
    max_per_hour: int = Field(
        30,
        ge=1,
        description="messages a Slack channel gets an hour at most; the rest wait for the digest",
    )
    base_url: WebUrl = Field(
        WebClient.BASE_URL, description="the Web API's address (a proxy, or a local test server)"
    )
    timeout: float = Field(15, gt=0, description="seconds per request")
    max_posts: int = Field(5, ge=1, le=MAX_POSTS, description="posts quoted per message")
    rate_limit_wait: float = Field(5, ge=0, description="longest Retry-After waited in-process")
    app_token: SecretStr | None = Field(
        None,
        description="app-level token (xapp-..., connections:write) for triage buttons over "
        "Socket Mode: no public URL needed; from ${ENV}",
    )
    workspace: str | None = Field(
        None,
        pattern=r"^T[A-Z0-9]{2,}$",
        description="the workspace (team id, T...) whose members may use the buttons",
    )

    @field_validator("token", "webhook_url", "app_token")
    @classmethod
    def _set(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty: set it, from the environment (${ENV})")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: SecretStr | None) -> SecretStr | None:
        problem = value and web_url_problem(value.get_secret_value())
        if problem:
            raise ValueError(f"{problem} (the value is a secret, so it is not shown)")
        return value

    @model_validator(mode="after")
    def one_way_in(self) -> SlackOptions:
        if (self.token is None) == (self.webhook_url is None):
            raise ValueError("set exactly one of token (bot) or webhook_url")
        if self.webhook_url is not None and (self.routes or self.channel):
            raise ValueError(
                "an incoming webhook posts to its own channel: "
                "use a bot token to set channel or routes"
            )
        if self.app_token is not None and (self.token is None or self.workspace is None):
            raise ValueError(
                "triage buttons (app_token) need a bot token and the workspace "
                "(team id, T...) whose members may use them"
            )
        if self.token is not None and self.channel is None:
            missing = sorted(set(detector_classes()) - set(self.routes))
            if missing:
                raise ValueError(f"set channel (the default) or routes for: {', '.join(missing)}")
        return self


class ShortRateLimitWait(RetryHandler):
    """Retry a 429 once after Retry-After, only when the wait is short."""

    def __init__(self, max_wait: float) -> None:
        super().__init__(max_retry_count=1)
        self.max_wait = max_wait

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is not None and wait <= self.max_wait

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        state.next_attempt_requested = True
        time.sleep(retry_after(response.headers) or 0)
        state.increment_current_attempt()


def retry_after(headers: dict[str, Any]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


class SlackChannel(Channel):
    type = "slack"
    Options = SlackOptions
    options: SlackOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bursts = Bursts(self.options.group_within, self.options.max_per_hour)

    def route(self, kind: AlertKind) -> str | None:
        """The Slack channel an alert of this kind goes to (None: the webhook's own)."""
        return self.options.routes.get(kind, self.options.channel)

    def message(self, alert: Alert) -> dict[str, Any]:
        """The payload as sent, minus the token: what `kulak demo` writes to a file."""
        payload = render(alert, self.options.max_posts, self.timezone, self.lang)
        if self.buttons_for(alert):
            with_triage(payload, alert, lang=self.lang)
        if self.options.token is not None:
            payload["channel"] = self.route(alert.kind)
        return payload

    def buttons_for(self, alert: Alert) -> bool:
        """Triage buttons go on leads a person answers, when Socket Mode is set up."""
        detector = detector_classes().get(alert.kind)
        return self.options.app_token is not None and detector is not None and detector.triaged

    def placed(self, alert: Alert) -> tuple[dict[str, Any], str, Thread | None] | None:
        """The payload for an alert, its route, and the burst's thread it replies in (a
        webhook cannot thread); None when the route had its messages this hour."""
        payload = self.message(alert)
        route = payload.get("channel") or "webhook"
        if self.bursts.over_cap(route, alert.created_at):
            return None
        thread = self.bursts.thread_for(route, alert)
        if thread is not None:
            payload["thread_ts"] = thread.ts
        return payload, route, thread

    def _send(self, alert: Alert) -> SendResult:
        place = self.placed(alert)
        if place is None:
            return SendResult.left_for_digest(
                f"{self.route(alert.kind) or 'the webhook'} had its "
                f"{self.options.max_per_hour} messages this hour"
            )
        payload, route, thread = place
        retry = [ShortRateLimitWait(self.options.rate_limit_wait)]
        if self.options.webhook_url is not None:
            client = WebhookClient(
                url=self.options.webhook_url.get_secret_value(),
                timeout=self.options.timeout,
                retry_handlers=retry,
            )
            response = client.send(**payload, unfurl_links=False, unfurl_media=False)
            result = self._webhook_result(response.status_code, response.body, response.headers)
            if result.ok:
                self.bursts.sent(route, alert, None, None)
            return result
        client = WebClient(
            token=self.options.token.get_secret_value(),
            base_url=self.options.base_url,
            timeout=self.options.timeout,
            retry_handlers=retry,
        )
        try:
            posted = client.chat_postMessage(
                **payload,
                unfurl_links=False,
                unfurl_media=False,
                link_names=False,
                metadata={"event_type": "kulak_alert", "event_payload": {"key": alert.key}},
            )
        except SlackApiError as exc:
            return api_error_result(exc, payload["channel"])
        self.bursts.sent(route, alert, thread, (posted["channel"], posted["ts"]))
        if thread is not None:
            self._update_first(client, thread)
        return SendResult.sent()

    def _update_first(self, client: WebClient, thread: Thread) -> None:
        """Say on a burst's first message how many more are in its thread. The alert is
        delivered whatever happens here: a failed update is only logged."""
        payload = self.message(thread.first)
        payload.pop("channel", None)
        with_thread_note(payload, thread.more, thread.latest, self.timezone, self.lang)
        try:
            client.chat_update(channel=thread.channel_id, ts=thread.ts, **payload)
        except SlackApiError as exc:
            log.warning("%s: could not update the message of a burst: %s", self, exc)

    def _webhook_result(self, status: int, body: str, headers: dict[str, Any]) -> SendResult:
        if status == 200:
            return SendResult.sent()
        if status == 429:
            return SendResult.retry("rate limited by Slack", retry_after(headers))
        if status >= 500:
            return SendResult.retry(f"Slack answered HTTP {status}")
        return SendResult.failed(f"webhook refused the message (HTTP {status}: {body[:200]})")

    def _classify(self, exc: Exception) -> SendResult | None:
        if isinstance(exc, SlackClientError) and not isinstance(exc, SlackApiError):
            return SendResult.failed(f"slack-sdk refused the request: {exc}")
        return super()._classify(exc)


def api_error_result(exc: SlackApiError, channel: str | None) -> SendResult:
    response = exc.response
    error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
    if response.status_code == 429 or error == "ratelimited":
        return SendResult.retry("rate limited by Slack", retry_after(response.headers))
    if response.status_code >= 500 or error in RETRYABLE:
        return SendResult.retry(f"Slack answered HTTP {response.status_code} {error}".strip())
    hint = HINTS.get(error, "Slack refused the message")
    return SendResult.failed(f"{error or response.status_code} in {channel}: {hint}")


def preview_messages(
    alerts: Iterable[Alert],
    options: SlackOptions | None = None,
    timezone: str = "UTC",
    language: str = "en",
) -> list[dict]:
    """The messages a Slack channel would post, without posting: for `kulak demo`. A burst's
    later alerts carry the `thread_ts` of its first message ("preview.N", N its index);
    alerts past the hour's cap are not among them."""
    options = options or SlackOptions(token=SecretStr("xoxb-preview"), channel="#kulak-alerts")
    channel = SlackChannel(options, timezone=timezone, language=language)
    messages = []
    for alert in alerts:
        place = channel.placed(alert)
        if place is not None:
            payload, route, thread = place
            channel.bursts.sent(route, alert, thread, (route, f"preview.{len(messages)}"))
            messages.append(payload)
    return messages
