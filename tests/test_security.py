"""Limits that protect a shared deployment from its visitors (issue 17, "Security").

* Uploads: the server refuses what the Add-a-plan page would refuse (server.maxUploadSize = the page's limit).
"""
from __future__ import annotations

import tomllib
import uuid

import pytest

from conftest import REPO
from dashboard_lib import add_plan
from etl.extract import MAX_BYTES


# ---------------------------------------------------------------- uploads

def server_config() -> dict:
    with (REPO / ".streamlit" / "config.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_the_server_upload_limit_is_the_pages_limit():
    """Streamlit's server.maxUploadSize (MB) is what the Add-a-plan page accepts: without it the server takes 200 MB
    from anyone, signed in or not."""
    assert add_plan.MAX_MB * 1024 * 1024 == MAX_BYTES
    assert server_config()["server"]["maxUploadSize"] == add_plan.MAX_MB


def _live_session(browser, url: str):
    """A page open on the app, with its Streamlit session id (read from the first message of its websocket) and the
    XSRF token its uploads must carry."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    page = browser.new_page()
    sessions: list[str] = []

    def frame(payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            message = ForwardMsg()
            message.ParseFromString(bytes(payload))
            if message.HasField("new_session"):
                sessions.append(message.new_session.initialize.session_id)

    page.on("websocket", lambda socket: socket.on("framereceived", frame))
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "_streamlit_xsrf")
    assert sessions, "no session id seen on the websocket"
    return page, sessions[0], token


@pytest.mark.browser
def test_the_server_refuses_an_upload_over_the_limit(app_url, browser):
    """Any visitor's browser session can PUT a file to /_stcore/upload_file/<session>/<id>: one just under the
    limit is taken, one just over it is refused with 413 before it is read."""
    page, session, token = _live_session(browser, app_url)
    try:
        def put(size: int) -> int:
            response = page.request.put(
                f"{app_url}/_stcore/upload_file/{session}/{uuid.uuid4()}", headers={"X-Xsrftoken": token},
                multipart={"file": {"name": "plan.txt", "mimeType": "text/plain", "buffer": b"x" * size}})
            return response.status
        assert put(1024) in (200, 204)  # the endpoint works for this session
        assert put(MAX_BYTES + 2 * 1024 * 1024) == 413
    finally:
        page.close()
