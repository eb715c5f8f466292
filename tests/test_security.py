"""Limits that protect a shared deployment from its visitors (issue 17, "Security").

* Uploads: the server refuses what the Add-a-plan page would refuse (server.maxUploadSize = the page's limit).
* A .docx that inflates to hundreds of MB (a zip bomb) is refused after reading the limit, in bounded memory.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
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
import json, resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from etl.extract.text import DocumentError, load_document
try:
    load_document(Path(sys.argv[1]).read_bytes(), "plan.docx")
    outcome = {"code": None, "message": None}
except DocumentError as error:
    outcome = {"code": error.code, "message": str(error)}
outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
    assert outcome["peak_mb"] < 400, outcome  # Python, lxml and the 0.3 MB file: no inflated copy of the text


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
