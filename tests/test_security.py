"""Limits that protect a shared deployment from its visitors (issue 17, "Security").

* Uploads: the server refuses what the Add-a-plan page would refuse (server.maxUploadSize = the page's limit).
* A .docx that inflates to hundreds of MB (a zip bomb) is refused after reading the limit, in bounded memory.
"""
from __future__ import annotations

import io
import os
import json
import subprocess
import sys
import time
import tomllib
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
from dashboard_lib import add_plan
from dashboard_lib.i18n import t
from etl.extract import MAX_BYTES
from etl.extract import text as extract_text


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
    for _ in range(300):  # the page renders before its websocket opens: wait for the session's first message
        if sessions:
            break
        page.wait_for_timeout(100)
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


# ---------------------------------------------------------------- a .docx zip bomb

_DOCX_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
_DOCX_TAIL = b"</w:body></w:document>"
_PARAGRAPH = "<w:p><w:r><w:t>Tốc độ tăng trưởng khu vực dịch vụ đạt 8,5%/năm.</w:t></w:r></w:p>".encode()


def write_docx(path: Path, expanded: int) -> None:
    """A valid .docx (Word's parts, made by python-docx) whose word/document.xml holds about `expanded` bytes of
    paragraphs, written as a stream: deflated at level 9, 190 MB of it is a file of a few hundred KB (the zip bomb
    of issue 17)."""
    import docx
    base = io.BytesIO()
    docx.Document().save(base)
    with zipfile.ZipFile(base) as source, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                package.writestr(info.filename, source.read(info))
        with package.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(_DOCX_HEAD)
            block = _PARAGRAPH * (1024 * 1024 // len(_PARAGRAPH))
            for _ in range(expanded // len(block)):
                member.write(block)
            member.write(_DOCX_TAIL)


# Run in a child process, so that its peak memory is the extraction's alone.
_MEASURE = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from etl.extract.text import DocumentError, load_document
try:
    load_document(Path(sys.argv[1]).read_bytes(), "plan.docx")
    outcome = {"code": None, "message": None}
except DocumentError as error:
    outcome = {"code": error.code, "message": str(error)}
# This process's own peak (VmHWM): ru_maxrss would also count the test process this one was forked from.
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
outcome["peak_mb"] = int(status["VmHWM"].split()[0]) / 1024
print(json.dumps(outcome))
"""


def test_a_docx_zip_bomb_is_refused_in_bounded_memory(tmp_path):
    """A .docx of a few hundred KB whose text inflates to 190 MB (it cost 3.3 GB and 210 s): refused as too large,
    naming the real limit, with the process's peak memory a small multiple of the limit."""
    bomb = tmp_path / "bomb.docx"
    write_docx(bomb, 190 * 1024 * 1024)
    assert bomb.stat().st_size < MAX_BYTES // 10
    child = subprocess.run([sys.executable, "-c", _MEASURE, str(bomb), str(REPO)], capture_output=True, text=True,
                           check=True)
    outcome = json.loads(child.stdout)
    assert outcome["code"] == "too_large", outcome
    assert f"{MAX_BYTES // (1024 * 1024)} MB" in outcome["message"]
    assert outcome["peak_mb"] < 200, outcome  # Python, lxml and the 0.7 MB file: no inflated copy of the text


def test_the_page_names_the_real_limit_for_a_docx_zip_bomb(tmp_path):
    bomb = tmp_path / "bomb.docx"
    write_docx(bomb, 40 * 1024 * 1024)
    with pytest.raises(add_plan.UploadError) as refused:
        add_plan.read_upload("ke-hoach.docx", bomb.read_bytes())
    assert refused.value.code == "too_large"
    for lang in ("vi", "en"):
        message = add_plan.error_text("too_large", lang)
        assert message == t("add.error.too_large", lang, mb=extract_text.MAX_DOCX_EXPANDED // (1024 * 1024))
        assert f"{MAX_BYTES // (1024 * 1024)} MB" in message


def test_the_docx_text_is_read_through_a_byte_budget_whatever_the_zip_header_says():
    """The stream reader itself stops at the limit (a header can understate a member's size)."""
    reader = io.BufferedReader(extract_text._CappedReader(io.BytesIO(b"x" * 1000), limit=999))
    with pytest.raises(extract_text.DocumentError) as refused:
        reader.read()
    assert refused.value.code == "too_large"
    assert io.BufferedReader(extract_text._CappedReader(io.BytesIO(b"x" * 1000), limit=1000)).read() == b"x" * 1000


def test_a_docx_just_under_the_limit_is_read_whole(tmp_path):
    document = tmp_path / "long.docx"
    write_docx(document, MAX_BYTES - 2 * 1024 * 1024)
    text = extract_text.load_document(document.read_bytes(), "long.docx")
    assert text.count("Tốc độ tăng trưởng") == text.count("\n") + 1 > 100_000


# ---------------------------------------------------------------- editor sign-in: counted per server and address

from dashboard_lib import editor  # noqa: E402

SECRET = "correct horse battery staple"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gate(monkeypatch):
    """The sign-in gate with a configured password and a clock the test moves (no waiting in tests)."""
    monkeypatch.setenv(editor.SECRET_ENV, SECRET)
    monkeypatch.delenv(editor.STATE_DIR_ENV, raising=False)
    clock = FakeClock()
    monkeypatch.setattr(editor, "_clock", clock)
    return clock


def test_wrong_passwords_from_one_address_make_it_wait_longer_each_time(gate):
    address = "203.0.113.7"
    for _ in range(editor.MAX_SIGN_IN_ATTEMPTS - 1):
        assert not editor.sign_in("guess", address)
        assert editor.wait_seconds(address) == 0  # a few typos cost nothing
    waits = []
    for _ in range(4):
        assert not editor.sign_in("guess", address)
        waits.append(editor.wait_seconds(address))
        gate.now += waits[-1]  # the visitor waits it out, then guesses again
    assert waits == [30, 60, 120, 240]
    assert not editor.sign_in("guess", address)
    # While it waits, even the right password is not checked; afterwards it is, and the count starts again.
    assert not editor.sign_in(SECRET, address)
    gate.now += editor.wait_seconds(address)
    assert editor.sign_in(SECRET, address)
    assert editor.wait_seconds(address) == 0


def test_the_wait_is_capped(gate):
    for _ in range(40):
        editor.sign_in("guess", "203.0.113.7")
        gate.now += editor.wait_seconds("203.0.113.7")
    editor.sign_in("guess", "203.0.113.7")
    assert editor.wait_seconds("203.0.113.7") == editor.MAX_DELAY_S


def test_one_address_waiting_does_not_lock_out_another(gate):
    for _ in range(editor.MAX_SIGN_IN_ATTEMPTS):
        editor.sign_in("guess", "203.0.113.7")
    assert editor.wait_seconds("203.0.113.7") > 0
    assert editor.wait_seconds("198.51.100.2") == 0
    assert editor.sign_in(SECRET, "198.51.100.2")


def test_the_server_counts_every_address_and_unknown_ones(gate):
    """Guesses spread over many addresses (or with none known) still meet the server's limit."""
    for n in range(editor.SERVER_FREE_ATTEMPTS - 1):
        editor.sign_in("guess", f"198.51.100.{n}" if n % 2 else None)
    assert editor.wait_seconds(None) == 0
    editor.sign_in("guess", "198.51.100.200")
    assert editor.wait_seconds(None) > 0 and editor.wait_seconds("192.0.2.1") > 0
    assert not editor.sign_in(SECRET, "192.0.2.1")


def test_a_quiet_day_forgets_the_count(gate):
    for _ in range(editor.MAX_SIGN_IN_ATTEMPTS + 2):
        editor.sign_in("guess", "203.0.113.7")
    gate.now += editor.FORGET_AFTER_S + 1
    assert editor.wait_seconds("203.0.113.7") == 0
    assert not editor.sign_in("guess", "203.0.113.7")
    assert editor.wait_seconds("203.0.113.7") == 0  # one new wrong password: the first of a new count


def test_wrong_passwords_are_logged_without_the_password(gate, caplog):
    with caplog.at_level("WARNING", logger="dv2030.editor"):
        editor.sign_in("hunter2-guess", "203.0.113.7")
        editor.sign_in(SECRET, "203.0.113.7")
    failures = [r for r in caplog.records if r.name == "dv2030.editor"]
    assert len(failures) == 1
    message = failures[0].getMessage()
    assert "203.0.113.7" in message and "1 from this address, 1 wrong passwords on the server" in message
    assert "hunter2" not in message and SECRET not in message


def test_the_client_address_is_the_nearest_proxys_or_the_connections(monkeypatch):
    class Context:
        def __init__(self, headers, ip):
            self.headers, self.ip_address = headers, ip
    monkeypatch.setattr(editor.st, "context", Context({"X-Forwarded-For": "10.1.1.1, 203.0.113.7"}, "10.0.0.5"))
    assert editor.client_address() == "203.0.113.7"
    monkeypatch.setattr(editor.st, "context", Context({}, "198.51.100.2"))
    assert editor.client_address() == "198.51.100.2"
    monkeypatch.setattr(editor.st, "context", Context({"X-Forwarded-For": "not an address"}, None))
    assert editor.client_address() is None


_FAIL_IN_ANOTHER_PROCESS = """
import os, sys
sys.path.insert(0, sys.argv[1])
from dashboard_lib import editor
for _ in range(int(sys.argv[2])):
    editor.sign_in("guess", "203.0.113.7")
"""


def test_a_shared_state_folder_counts_across_server_processes(gate, tmp_path, monkeypatch):
    """With DV2030_STATE_DIR, wrong passwords typed on another server process of the deployment count here too."""
    monkeypatch.setenv(editor.STATE_DIR_ENV, str(tmp_path / "state"))
    monkeypatch.setattr(editor, "_clock", time.time)  # the other process has the real clock
    env = {**os.environ, editor.SECRET_ENV: SECRET, editor.STATE_DIR_ENV: str(tmp_path / "state")}
    subprocess.run([sys.executable, "-c", _FAIL_IN_ANOTHER_PROCESS, str(REPO), str(editor.MAX_SIGN_IN_ATTEMPTS)],
                   env=env, check=True, capture_output=True)
    assert editor.wait_seconds("203.0.113.7") > 0
    assert not editor.sign_in(SECRET, "203.0.113.7")
    editor.reset_counts()  # this process's own memory plays no part
    assert editor.wait_seconds("203.0.113.7") > 0
    monkeypatch.delenv(editor.STATE_DIR_ENV)
    assert editor.wait_seconds("203.0.113.7") == 0  # without the folder: this process's count only
