"""Triage from Slack: the buttons on opportunity and risk messages, over Socket Mode.

Socket Mode needs no public URL: kulak opens a WebSocket to Slack with the app-level
token and Slack sends each button press down it. A press is acknowledged at once, then
applied (`monitor.triage`), then the message is updated in place to say who did what; a
press that changed nothing (someone else has it) is answered to the presser alone. Only
members of the configured workspace can act. Slack may deliver a press twice: actions
are idempotent.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from alerts.slack import SlackChannel
from alerts.slack_blocks import CLAIM, NOT_RELEVANT, RELABEL, RELABELS, REPLIED, with_triage
from alerts.wording import sentiment_words
from monitor.alert import Alert
from monitor.store import Store
from monitor.triage import act, correct_sentiment

log = logging.getLogger(__name__)

ACTIONS = {CLAIM: "claim", REPLIED: "replied", NOT_RELEVANT: "not_relevant"}
#: how far back a long key's digest is looked for (older messages' buttons still work
#: for keys short enough to travel whole)
LOOKBACK = timedelta(days=30)


class SlackTriage:
    def __init__(
        self,
        store: Store,
        channel: SlackChannel,
        tz: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        options = channel.options
        assert options.app_token is not None and options.token is not None
        self.store, self.channel, self.tz, self.clock = store, channel, tz, clock
        self.workspace = options.workspace
        self.web = WebClient(
            token=options.token.get_secret_value(),
            base_url=options.base_url,
            timeout=options.timeout,
        )
        self.socket = SocketModeClient(
            app_token=options.app_token.get_secret_value(),
            web_client=WebClient(base_url=options.base_url, timeout=options.timeout),
            auto_reconnect_enabled=True,
        )
        self.socket.socket_mode_request_listeners.append(self._on_request)

    def start(self) -> None:
        self.socket.connect()
        log.info("%s: triage buttons listening over Socket Mode", self.channel)

    def close(self) -> None:
        self.socket.close()

    def _on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type != "interactive" or request.payload.get("type") != "block_actions":
            return
        try:
            self.handle(request.payload)
        except Exception:  # one bad press never stops the listener
            log.exception("%s: a triage action failed", self.channel)

    def handle(self, payload: dict[str, Any]) -> None:
        user = payload.get("user") or {}
        where = payload.get("container") or {}
        channel, ts = where.get("channel_id"), where.get("message_ts")
        if (payload.get("team") or {}).get("id") != self.workspace:
            log.warning("%s: a press from outside the workspace was refused", self.channel)
            _ = self.channel.lang.gettext
            self._tell(channel, user, _("Only members of kulak's workspace can triage alerts."))
            return
        who = user.get("name") or user.get("username") or user.get("id") or "someone"
        for action in payload.get("actions") or []:
            self._apply(action, who, user, channel, ts)

    def _apply(self, action: dict[str, Any], who: str, user: dict, channel: str, ts: str) -> None:
        now = self.clock()
        if action.get("action_id") == RELABEL:
            label, _, value = (action.get("selected_option") or {}).get("value", "").partition("|")
            alert = self._alert(value)
            if alert is None or label not in RELABELS:
                return
            correct_sentiment(self.store, alert, label, who, now)
            self._tell(channel, user, sentiment_words(who, RELABELS[label], self.channel.lang))
            return
        kind = ACTIONS.get(action.get("action_id", ""))
        alert = self._alert(action.get("value", ""))
        if kind is None or alert is None:
            return
        outcome = act(self.store, alert, kind, who, now, self.tz, self.channel.lang)
        if outcome.changed:
            self._update(alert, channel, ts, outcome.words)
        else:
            self._tell(channel, user, outcome.words)

    def _alert(self, value: str) -> Alert | None:
        if not value.startswith("#"):
            return self.store.alert_by_key(value)
        since = self.clock() - LOOKBACK
        for alert in self.store.alerts(since=since):
            if hashlib.sha256(alert.key.encode()).hexdigest()[:32] == value[1:]:
                return alert
        return None

    def _update(self, alert: Alert, channel: str, ts: str, words: str) -> None:
        payload = self.channel.message(alert)
        payload.pop("channel", None)
        # The buttons stay: someone else may still correct the sentiment or mark it replied.
        payload["blocks"] = [b for b in payload["blocks"] if b.get("block_id") != "kulak-triage"]
        with_triage(payload, alert, state=words, lang=self.channel.lang)
        try:
            self.web.chat_update(channel=channel, ts=ts, **payload)
        except SlackApiError as exc:
            log.warning("%s: could not update the message: %s", self.channel, exc)

    def _tell(self, channel: str | None, user: dict, words: str) -> None:
        if not channel or not user.get("id"):
            return
        try:
            self.web.chat_postEphemeral(channel=channel, user=user["id"], text=words)
        except SlackApiError as exc:
            log.warning("%s: could not answer a press: %s", self.channel, exc)
