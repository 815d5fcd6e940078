"""A local stand-in for Slack's Socket Mode: `apps.connections.open` on the local Web API
hands out a ws:// URL on 127.0.0.1, where this server says hello, sends interactive
envelopes as Slack does, and keeps the acknowledgements it gets back."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.alerts.conftest import Reply, SlackServer


class SocketModeServer:
    def __init__(self, web_api: SlackServer, app_token: str) -> None:
        self.connections: list[ServerConnection] = []
        self.acks: list[str] = []
        self.changed = threading.Condition()
        self.server = serve(self._session, "127.0.0.1", 0)
        port = self.server.socket.getsockname()[1]
        url = f"ws://127.0.0.1:{port}/link/?ticket=local"
        web_api.routes["/apps.connections.open"] = Reply(body={"ok": True, "url": url})
        self.web_api, self.app_token = web_api, app_token

    def _session(self, connection: ServerConnection) -> None:
        hello = {"type": "hello", "num_connections": 1, "debug_info": {"host": "local"}}
        connection.send(json.dumps(hello))
        with self.changed:
            self.connections.append(connection)
            self.changed.notify_all()
        try:
            for message in connection:
                envelope = json.loads(message)
                with self.changed:
                    self.acks.append(envelope["envelope_id"])
                    self.changed.notify_all()
        except ConnectionClosed:
            pass  # the client went away without a closing handshake, as clients do

    def wait_connected(self, timeout: float = 10.0) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.connections, timeout), "no client came"
        (opened,) = self.web_api.wait_for("/apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {self.app_token}"

    def press(self, payload: dict[str, Any], envelope_id: str | None = None) -> str:
        """Send one interactive envelope (a button press) and wait for its acknowledgement."""
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": "interactive",
            "accepts_response_payload": False,
            "payload": payload,
        }
        self.connections[-1].send(json.dumps(envelope))
        with self.changed:
            acked = self.changed.wait_for(lambda: envelope_id in self.acks, 10.0)
        assert acked, "the press was not acknowledged"
        return envelope_id

    def __enter__(self) -> SocketModeServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
