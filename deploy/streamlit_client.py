"""A Streamlit session without a browser: Streamlit's own websocket protocol spoken from Python.

A browser tab holds one websocket on /_stcore/stream; on it the client sends BackMsg protobufs (rerun_script with
the page and its query string) and the server answers with ForwardMsg protobufs (new_session, the page's deltas,
script_finished). This client does exactly that and no more: no rendering, no JavaScript, so a few hundred
sessions cost the load generator little and a capacity figure measures the server, not browsers.

Used by bench/capacity.py (load), tests/test_deploy.py (sessions through the balancer) and
`python -m deploy.local status` (a real page run through the balancer).
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

AFFINITY_COOKIE = "DV2030_REPLICA"  # set by the balancer (deploy/haproxy.cfg): the replica a session is pinned to


class SessionError(Exception):
    """The session could not run a page: the connection failed or closed, or the run did not finish in time."""


@dataclass
class Render:
    """What one page run sent back."""
    page: str
    seconds: float                  # from the rerun request to script_finished
    messages: int = 0
    bytes: int = 0
    status: str = ""                # script_finished status name
    errors: list[str] = field(default_factory=list)  # exceptions and error boxes the page showed
    payload: bytearray = field(default_factory=bytearray)  # every ForwardMsg's bytes (kept when asked for)

    def contains(self, text: str) -> bool:
        """True when `text` (UTF-8) occurs in what the page sent: in markdown, in a table's Arrow data, in a chart."""
        return text.encode("utf-8") in self.payload


class Session:
    """One app session on `base_url` (http://host:port). Use `async with Session(url) as s: await s.run("map")`."""

    def __init__(self, base_url: str, cookie: str | None = None, timeout: float = 120.0, keep_payload: bool = False):
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie            # the affinity cookie to send (None: let the balancer choose)
        self.timeout = timeout
        self.keep_payload = keep_payload
        self.replica: str | None = cookie
        self._ws = None

    async def __aenter__(self) -> "Session":
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self) -> None:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        headers = {"Origin": self.base_url}
        if self.cookie:
            headers["Cookie"] = f"{AFFINITY_COOKIE}={self.cookie}"
        try:
            self._ws = await asyncio.wait_for(websockets.connect(
                f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream", subprotocols=["streamlit"],
                additional_headers=headers, max_size=None, compression=None, open_timeout=self.timeout,
                ping_interval=None), self.timeout)
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as err:
            raise SessionError(f"cannot open a session on {self.base_url}: {err!r}") from err
        for value in self._ws.response.headers.get_all("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(value)
            if AFFINITY_COOKIE in jar:
                self.replica = self.cookie = jar[AFFINITY_COOKIE].value

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    @property
    def open(self) -> bool:
        return self._ws is not None and self._ws.state is websockets.protocol.State.OPEN

    async def run(self, page: str = "", query: str = "lang=vi") -> Render:
        """Run a page (its URL path: "", "map", "plans" …) as a browser does on navigation; wait for its end."""
        if self._ws is None:
            raise SessionError("not connected")
        message = BackMsg()
        message.rerun_script.query_string = query
        message.rerun_script.page_name = page
        render = Render(page or "overview", 0.0)
        started = time.perf_counter()
        try:
            await self._ws.send(message.SerializeToString())
            while True:
                data = await asyncio.wait_for(self._ws.recv(), self.timeout)
                render.messages += 1
                render.bytes += len(data)
                if self.keep_payload:
                    render.payload += data
                forward = ForwardMsg.FromString(data)
                kind = forward.WhichOneof("type")
                if kind == "delta":
                    _collect_errors(forward, render.errors)
                elif kind == "page_not_found":
                    render.errors.append(f"page not found: {page!r}")
                elif kind == "script_finished":
                    render.status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                    if forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        break
        except (asyncio.TimeoutError, websockets.WebSocketException, OSError) as err:
            raise SessionError(f"page {page or 'overview'!r} on {self.base_url} (replica {self.replica}): "
                               f"{err!r}") from err
        render.seconds = time.perf_counter() - started
        if render.status == "FINISHED_WITH_COMPILE_ERROR":
            render.errors.append("the script did not compile")
        return render


def _collect_errors(forward: ForwardMsg, errors: list[str]) -> None:
    delta = forward.delta
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        errors.append(f"exception: {element.exception.type}: {element.exception.message}")
    elif kind == "alert" and element.alert.format == element.alert.ERROR:
        errors.append(f"error box: {element.alert.body[:300]}")


async def open_and_run(base_url: str, page: str = "", query: str = "lang=vi", cookie: str | None = None,
                       timeout: float = 120.0) -> tuple[str | None, Render]:
    """A fresh session that runs one page and closes: (the replica it was pinned to, the render)."""
    async with Session(base_url, cookie=cookie, timeout=timeout) as session:
        return session.replica, await session.run(page, query)


def run_sync(coroutine):
    """Run a coroutine to its end from synchronous code, in a thread of its own (the caller's thread may already
    run an event loop: Playwright's sync API does)."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = err

    thread = threading.Thread(target=target, name="streamlit-client")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
