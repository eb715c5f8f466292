"""Getting clean text out of a plan: loading (.txt, .html, .docx, .pdf), cleaning and structure.

* :func:`load_document` reads bytes (an upload, kept in memory) or a path and returns the raw text.
  Unsupported or unreadable input raises :class:`UnsupportedDocument` / :class:`UnreadableDocument`
  (both :class:`DocumentError`, a ``ValueError``) with a message meant for the user.
* :func:`clean_text` removes the boilerplate of legal-document websites (navigation, login prompts,
  "Đang tải văn bản…", metadata tables, related-document lists), drops blocks that are repeated
  verbatim (a scrape that repeats the opening), re-joins hard line breaks in the middle of sentences
  and normalises to NFC. It only deletes lines and changes whitespace, so any excerpt of the cleaned
  text is, after whitespace folding, an excerpt of the source. It is idempotent.
* :func:`parse_structure` splits the cleaned text into blocks (one per line) with the document's
  numbering path (I., 1., a), b1), -, +, Điều, Phụ lục) and table rows ("|"-separated cells).
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

__all__ = [
    "DocumentError", "UnsupportedDocument", "UnreadableDocument", "SUPPORTED_EXTENSIONS", "MAX_BYTES",
    "load_document", "clean_text", "parse_structure", "Block", "fold_whitespace", "detect_format",
]

MAX_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 1000
# A .docx is a zip: its text (word/document.xml) is read up to this many bytes once uncompressed, the upload limit,
# so a small file that inflates to hundreds of MB is refused after reading 20 MB of it.
MAX_DOCX_EXPANDED = MAX_BYTES
SUPPORTED_EXTENSIONS = {".txt": "text", ".text": "text", ".md": "text", ".html": "html", ".htm": "html",
                        ".xhtml": "html", ".docx": "docx", ".pdf": "pdf"}


class DocumentError(ValueError):
    """The document cannot be used; the message says why, in words meant for the user.

    ``code`` is a stable key for translated messages: unsupported_type, not_pdf, not_docx, wrong_type,
    not_found, too_large, empty, binary, encoding, no_text, damaged, encrypted, too_many_pages,
    missing_library.
    """

    def __init__(self, message: str, code: str = "unreadable"):
        super().__init__(message)
        self.code = code


class UnsupportedDocument(DocumentError):
    pass


class UnreadableDocument(DocumentError):
    pass


def fold_whitespace(text: str) -> str:
    """NFC and every run of whitespace as one space (how citations are compared with sources)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------
def detect_format(data: bytes, filename: str | None = None) -> str:
    """'text', 'html', 'docx' or 'pdf'. The extension decides; the content must agree with it."""
    ext = Path(filename).suffix.lower() if filename else ""
    head = data[:2048]
    if ext:
        if ext in (".doc", ".rtf", ".odt", ".xls", ".xlsx", ".ppt", ".pptx"):
            raise UnsupportedDocument(
                f"'{ext}' files are not supported; save the document as .docx, .pdf (with a text layer), "
                ".html or .txt", "unsupported_type")
        kind = SUPPORTED_EXTENSIONS.get(ext)
        if kind is None:
            raise UnsupportedDocument(
                f"unsupported file type '{ext}'; use .txt, .html, .htm, .docx or .pdf", "unsupported_type")
        if kind == "pdf" and b"%PDF" not in data[:1024]:
            raise UnreadableDocument("the file is named .pdf but is not a PDF document", "not_pdf")
        if kind == "docx" and not data.startswith(b"PK"):
            raise UnreadableDocument("the file is named .docx but is not a Word (.docx) document", "not_docx")
        if kind in ("text", "html") and (data.startswith(b"%PDF") or data.startswith(b"PK\x03\x04")):
            raise UnreadableDocument(f"the file is named {ext} but contains a binary (PDF/Office) document",
                                     "wrong_type")
        return kind
    if b"%PDF" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if re.search(rb"<\s*(html|body|div|p|table|!doctype)\b", head, re.I):
        return "html"
    return "text"


def load_document(source: bytes | str | Path, filename: str | None = None, *,
                  max_bytes: int = MAX_BYTES) -> str:
    """Raw text of a document given as bytes (an upload) or a path. Nothing is written to disk.

    ``filename`` is only used for its extension (it never becomes a path).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise UnreadableDocument(f"file not found: {path}", "not_found")
        if path.stat().st_size > max_bytes:
            raise UnreadableDocument(f"the file is larger than {max_bytes // (1024 * 1024)} MB", "too_large")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableDocument(f"cannot read {path.name}: {exc.strerror or exc}", "not_found") from exc
        filename = filename or path.name
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        raise TypeError("source must be bytes or a path")
    if len(data) > max_bytes:
        raise UnreadableDocument(f"the file is larger than {max_bytes // (1024 * 1024)} MB", "too_large")
    if not data.strip():
        raise UnreadableDocument("the file is empty", "empty")
    kind = detect_format(data, filename)
    if kind == "text":
        text = _decode_text(data)
    elif kind == "html":
        text = html_to_text(_decode_text(data, html=True))
    elif kind == "docx":
        text = _docx_to_text(data)
    else:
        text = _pdf_to_text(data)
    text = unicodedata.normalize("NFC", text)
    if not re.search(r"[A-Za-zÀ-ỹĐđ]{2,}", text):
        raise UnreadableDocument("no readable text was found in the document", "no_text")
    return text


def _decode_text(data: bytes, html: bool = False) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument("the text is not valid UTF-16", "encoding") from exc
    if b"\x00" in data[:8192]:
        raise UnreadableDocument("the file looks binary, not text", "binary")
    encodings = ["utf-8"]
    if html:
        m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", data[:4096], re.I)
        if m:
            encodings.insert(0, m.group(1).decode("ascii", "ignore"))
    encodings += ["cp1258", "latin-1"]
    for enc in encodings:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        bad = sum(1 for c in text[:20000] if unicodedata.category(c) in ("Cc", "Co", "Cn", "Cs")
                  and c not in "\n\r\t\f")
        if bad > max(5, len(text[:20000]) * 0.01):
            raise UnreadableDocument("the file looks binary, not text", "binary")
        return text
    raise UnreadableDocument("the text encoding could not be recognised", "encoding")  # pragma: no cover


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "head", "nav", "footer", "header",
            "aside", "form", "button", "select", "object", "canvas", "map"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
            "track", "wbr"}
    BLOCK = {"p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
             "h4", "h5", "h6", "blockquote", "pre", "address", "figure", "figcaption", "table", "thead",
             "tbody", "tfoot", "caption", "center", "body", "html"}
    NOISE = re.compile(r"(?:^|[\s_-])(menu|navbar|nav|breadcrumbs?|footer|sidebar|login|signin|dang-?nhap|"
                       r"banner|advert|ads|quang-?cao|cookie|share|social|related|comment)(?:$|[\s_-])", re.I)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_stack: list[str] = []
        self.cell_depth = 0
        self.row_cells: list[list[str]] | None = None
        self.rows_stack: list[list[list[str]] | None] = []
        self.pre_depth = 0

    def _emit(self, s: str) -> None:
        if self.row_cells is not None and self.cell_depth > 0 and self.row_cells:
            self.row_cells[-1].append(s)
        elif self.row_cells is not None and self.cell_depth == 0:
            return  # text between cells
        else:
            self.out.append(s)

    def handle_starttag(self, tag, attrs):
        if self.skip_stack:
            if tag not in self.VOID:
                self.skip_stack.append(tag)
            return
        cls = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        if tag in self.SKIP or (cls and self.NOISE.search(cls) and tag not in ("td", "th", "tr", "body",
                                                                                  "html", "table")):
            if tag not in self.VOID:
                self.skip_stack.append(tag)
            return
        if tag == "tr":
            self.rows_stack.append(self.row_cells)
            self.row_cells = []
            self.cell_depth = 0
        elif tag in ("td", "th") and self.row_cells is not None:
            self.row_cells.append([])
            self.cell_depth += 1
        elif tag == "br":
            self._emit("\n" if self.row_cells is None else " ")
        elif tag in self.BLOCK:
            if tag == "pre":
                self.pre_depth += 1
            self._emit("\n" if self.row_cells is None else " ")

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and not self.skip_stack:
            self._emit("\n" if self.row_cells is None else " ")

    def handle_endtag(self, tag):
        if self.skip_stack:
            if tag == self.skip_stack[-1]:
                self.skip_stack.pop()
            elif tag in self.skip_stack:
                while self.skip_stack and self.skip_stack.pop() != tag:
                    pass
            return
        if tag in ("td", "th") and self.row_cells is not None:
            self.cell_depth = max(0, self.cell_depth - 1)
        elif tag == "tr" and self.row_cells is not None:
            cells = [re.sub(r"\s+", " ", "".join(c)).strip() for c in self.row_cells]
            parent = self.rows_stack.pop() if self.rows_stack else None
            self.row_cells = parent
            line = " | ".join(cells)
            if any(cells):
                self._emit("\n" + line + " |\n" if parent is None else " " + line + " ")
        elif tag in self.BLOCK:
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            self._emit("\n" if self.row_cells is None else " ")

    def handle_data(self, data):
        if self.skip_stack:
            return
        if self.pre_depth:
            self._emit(data)
        else:
            self._emit(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: scripts, styles and navigation dropped; table rows as
    "cell | cell |" lines."""
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception as exc:  # html.parser is lenient; be safe anyway
        raise UnreadableDocument(f"the HTML could not be parsed: {exc}", "damaged") from exc
    text = "".join(parser.out)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _CappedReader(io.RawIOBase):
    """A zip member read through a byte budget: reading past ``limit`` expanded bytes raises too_large, so a small
    file that inflates to hundreds of MB (a zip bomb) is stopped after ``limit`` bytes, whatever its header says."""

    def __init__(self, member, limit: int):
        self._member, self._limit, self.read_bytes = member, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._member.read(min(len(buffer), 1 << 16))
        self.read_bytes += len(chunk)
        if self.read_bytes > self._limit:
            raise UnreadableDocument(_docx_too_large_message(), "too_large")
        buffer[:len(chunk)] = chunk
        return len(chunk)


def _docx_too_large_message() -> str:
    return f"the Word document is larger than {MAX_DOCX_EXPANDED // (1024 * 1024)} MB once uncompressed"


def _paragraph_text(p) -> str:
    """A paragraph's text as Word shows it: text runs, tabs and line breaks (deleted text is w:delText, left out)."""
    parts = []
    for node in p.iter(_W + "t", _W + "tab", _W + "ptab", _W + "br", _W + "cr", _W + "noBreakHyphen"):
        tag = node.tag[len(_W):]
        if tag == "t":
            parts.append(node.text or "")
        elif tag in ("tab", "ptab"):
            parts.append("\t")
        elif tag in ("br", "cr"):
            parts.append("\n")
        else:
            parts.append("-")
    return "".join(parts)


def _table_lines(tbl) -> list[str]:
    """One line per row, its cells separated by ' | ' and ending with ' |'. A cell spanning columns counts once; a
    cell merged down (vMerge) repeats its text in the rows it covers. Nested tables keep to their own cell."""
    lines: list[str] = []
    above: dict[int, str] = {}  # text of the cell that starts a vertical merge, by grid column
    for tr in tbl.iterchildren(_W + "tr"):
        cells, column = [], 0
        for tc in tr.iterchildren(_W + "tc"):
            props = tc.find(_W + "tcPr")
            span, merge = 1, None
            if props is not None:
                grid_span = props.find(_W + "gridSpan")
                if grid_span is not None:
                    try:
                        span = max(1, int(grid_span.get(_W + "val", "1")))
                    except ValueError:
                        span = 1
                v_merge = props.find(_W + "vMerge")
                if v_merge is not None:
                    merge = v_merge.get(_W + "val", "continue")
            if merge == "continue":
                text = above.get(column, "")
            else:
                text = re.sub(r"\s+", " ", "\n".join(_paragraph_text(p) for p in tc.iterchildren(_W + "p"))).strip()
                if merge == "restart":
                    above[column] = text
                else:
                    above.pop(column, None)
            cells.append(text)
            column += span
        if any(cells):
            lines.append(" | ".join(cells) + " |")
    return lines


def _docx_to_text(data: bytes) -> str:
    """The text of a .docx: word/document.xml parsed incrementally (one paragraph or table in memory at a time) from
    the zip stream, at most MAX_DOCX_EXPANDED bytes of it; nothing else in the package is read."""
    from lxml import etree
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            if "word/document.xml" not in names:
                raise UnreadableDocument("the file is not a Word (.docx) document", "not_docx")
            if len(names) > 5000:
                raise UnreadableDocument("the Word document has too many parts", "damaged")
            if zf.getinfo("word/document.xml").file_size > MAX_DOCX_EXPANDED:
                raise UnreadableDocument(_docx_too_large_message(), "too_large")
            lines: list[str] = []
            with zf.open("word/document.xml") as member:
                source = io.BufferedReader(_CappedReader(member, MAX_DOCX_EXPANDED), 1 << 16)
                events = etree.iterparse(source, events=("start", "end"), resolve_entities=False, no_network=True,
                                         load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)
                depth = 0  # of the element being read; the body's children are at depth 3 (document/body/…)
                for event, element in events:
                    if event == "start":
                        depth += 1
                        continue
                    depth -= 1
                    if depth != 2:
                        continue
                    tag = element.tag
                    if tag == _W + "p":
                        lines.append(_paragraph_text(element))
                    elif tag == _W + "tbl":
                        lines.extend(_table_lines(element))
                        lines.append("")
                    # Done with this block: drop it and everything read before it.
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
    except DocumentError:
        raise
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument("the Word (.docx) file is damaged", "damaged") from exc
    except (etree.XMLSyntaxError, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError,
            RuntimeError) as exc:  # malformed XML, unsupported compression, a CRC error, an encrypted member
        raise UnreadableDocument(f"the Word (.docx) file could not be read: {exc.__class__.__name__}",
                                 "damaged") from exc
    return "\n".join(lines)


def _pdf_to_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover
        raise UnsupportedDocument("reading .pdf needs the pypdf package", "missing_library") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise UnreadableDocument("the PDF is password-protected", "encrypted") from exc
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UnreadableDocument(f"the PDF has more than {MAX_PDF_PAGES} pages", "too_many_pages")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, Exception) as exc:
        raise UnreadableDocument(f"the PDF could not be read: {exc.__class__.__name__}", "damaged") from exc
    text = "\n".join(pages)
    if len(re.findall(r"[A-Za-zÀ-ỹĐđ]", text)) < 20:
        raise UnreadableDocument("the PDF has no text layer (a scanned image?); run OCR first", "no_text")
    return _drop_page_numbers(text)


def _drop_page_numbers(text: str) -> str:
    lines = [ln for ln in text.split("\n")
             if not re.fullmatch(r"\s*(?:-\s*)?(?:Trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*-)?\s*", ln)]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------------------
_BOILERPLATE = [re.compile(p, re.I) for p in (
    r"Từ kho[áa]\s*:.*", r"Đăng nhập", r"Đăng ký", r"Đăng nhập\s*\|?\s*Đăng ký", r"Quên mật khẩu.*",
    r"Đang tải văn bản.*", r"Bạn Chưa Đăng Nhập.*", r"Vì chưa Đăng Nhập.*", r"Bạn chưa xem được.*",
    r"Nếu chưa là Thành Viên.*", r"Văn bản này chưa cập nhật nội dung Tiếng Anh.*", r"DMCA.*",
    r"IP\s*:\s*[\d.]+", r"Hãy để chúng tôi hỗ trợ bạn.*", r"Nguồn tra cứu\s*:.*", r"Copyright.*", r"©.*",
    r"(?:Số hiệu|Loại văn bản|Nơi ban hành|Người ký|Ngày ban hành|Ngày hiệu lực|Ngày có hiệu lực|"
    r"Ngày công báo|Số công báo|Tình trạng|Tình trạng hiệu lực|Cơ quan ban hành|Lĩnh vực|Ngày hết hiệu lực|"
    r"Áp dụng|Cập nhật|Lượt xem)\s*[:|].*",
    r"(?:Trang chủ|Giới thiệu|Liên hệ|Tin tức|Văn bản pháp luật|Văn bản mới|Hỏi đáp|Tiện ích|Tra cứu|"
    r"Tìm kiếm|Tải về|Tải văn bản|In văn bản|Chia sẻ|Theo dõi|Báo lỗi|Lưu trữ|Văn bản gốc|Văn bản liên quan|"
    r"Văn bản tiếng Anh|Thuộc tính|Nội dung|Lược đồ|Hiệu lực|Mục lục)\s*(?:\|.*)?",
    r"-\s*\d+\s+(?:Kế hoạch|Quyết định|Nghị quyết|Nghị định|Chỉ thị|Thông tư|Luật|Công văn|Chương trình|"
    r"Thông báo|Hướng dẫn)\s+\d+.*",
)]
_NAV_ITEM = re.compile(r"(?:Trang chủ|Tìm kiếm(?: văn bản)?|Đăng nhập|Đăng ký|Đăng xuất|Liên hệ|Giới thiệu|"
                       r"Tin tức|Văn bản(?: pháp luật| mới| gốc| liên quan| tiếng Anh)?|Hỏi đáp|Tiện ích|Tra cứu|"
                       r"Tải về|In|Chia sẻ|Theo dõi|Báo lỗi|Thuộc tính|Nội dung|Lược đồ|Hiệu lực|Mục lục|"
                       r"Sơ đồ trang|English|Tiếng Việt|Menu|Home)", re.I)
_RECIPIENTS_RE = re.compile(r"Nơi nhận\s*:?\s*\|?\s*$", re.I)


def _is_nav_line(line: str) -> bool:
    """"Trang chủ | Tìm kiếm | Đăng nhập": a row of navigation links."""
    items = [c.strip() for c in re.split(r"[|»>›/•·]", line) if c.strip()]
    hits = sum(1 for c in items if _NAV_ITEM.fullmatch(c))
    return len(items) >= 2 and hits >= 2 and hits * 2 >= len(items)
_TERMINAL = ".;:!?…"
_MARKER_RE = re.compile(
    r"^(?:(?:Điều|Chương|CHƯƠNG|Phần|PHẦN|Mục|MỤC)\s+(?:\d+|[IVXLC]+)\b|(?:Phụ lục|PHỤ LỤC)\b|"
    r"[IVX]{1,5}\s*[.)\-–]\s+|\d{1,2}(?:\.\d{1,2})*\s*[.)]\s+|\d{1,2}\.\d{1,2}(?:\.\d{1,2})*\s+|"
    r"[a-zđ]\d{0,2}\s*\)\.?\s*|[a-zđ]\.\s+|[-–—•·*+]\s+|\(\d{1,2}\)\s+|\([a-zđ]\)\s+)")


def _is_caps(line: str, min_letters: int = 4) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= min_letters and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _norm_line(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def clean_text(raw: str) -> str:
    """Clean scraped plan text: NFC, boilerplate removed, repeated blocks once, hard breaks joined.

    Only whole lines are removed and only whitespace is changed, so the result, after whitespace
    folding, is a sequence of excerpts of the input. Removed material leaves a paragraph break, so no
    sentence is glued across it.
    """
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufeff", "")
    text = re.sub(r"[\t\x0b\x0c\u00a0\u2000-\u200a\u202f\u205f\u3000]", " ", text)
    lines = [ln.strip() for ln in text.split("\n")]
    lines = _drop_boilerplate(lines)
    lines = _drop_repeated_blocks(lines)
    lines = _join_hard_breaks(lines)
    out = "\n".join(lines)
    out = re.sub(r"[ ]{2,}", " ", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip() + "\n" if out.strip() else ""


def _drop_boilerplate(lines: list[str]) -> list[str]:
    out: list[str] = []
    in_recipients = False
    for ln in lines:
        bare = ln.strip().strip("|").strip()
        if in_recipients:
            if bare.startswith(("-", "+", "•")) or not bare:
                out.append("")
                continue
            in_recipients = False
        if _RECIPIENTS_RE.fullmatch(ln.strip()):
            in_recipients = True
            out.append("")
            continue
        if bare and (any(p.fullmatch(bare) for p in _BOILERPLATE) or _is_nav_line(bare)):
            out.append("")
            continue
        out.append(ln)
    return out


def _drop_repeated_blocks(lines: list[str], min_lines: int = 4, min_chars: int = 300) -> list[str]:
    """Blank out later verbatim copies of runs of ``min_lines`` or more lines (a repeated opening)."""
    idx = [i for i, ln in enumerate(lines) if _norm_line(ln).strip("|").strip()]
    norm = [_norm_line(lines[i]) for i in idx]
    first_seen: dict[str, list[int]] = {}
    drop: set[int] = set()
    k = 0
    while k < len(idx):
        best = 0
        for j in (first_seen.get(norm[k], [])[-20:] if len(norm[k]) >= 15 else ()):
            n = 0
            while k + n < len(idx) and j + n < k and norm[j + n] == norm[k + n]:
                n += 1
            if n > best:
                best = n
        if best >= min_lines and sum(len(norm[k + t]) for t in range(best)) >= min_chars:
            for t in range(best):
                drop.add(idx[k + t])
            k += best
            continue
        first_seen.setdefault(norm[k], []).append(k)
        k += 1
    return ["" if i in drop else ln for i, ln in enumerate(lines)]


def _join_hard_breaks(lines: list[str]) -> list[str]:
    """Re-join lines broken in the middle of a sentence (fixed-width scrapes, PDF text layers)."""
    content = [ln for ln in lines if ln and "|" not in ln]
    cont = 0
    for a, b in zip(lines, lines[1:]):
        if a and b and "|" not in a and a[-1] not in _TERMINAL and b[:1].islower():
            cont += 1
    hard = len(content) >= 8 and cont >= max(3, 0.12 * len(content))
    width = 0
    if hard:
        lengths = sorted(len(ln) for ln in content)
        width = lengths[int(0.9 * (len(lengths) - 1))]
    out: list[str] = []
    last = ""   # the last physical line (out[-1] may already hold several)
    for ln in lines:
        if out and out[-1] and ln and _should_join(out[-1], ln, hard, width, last):
            out[-1] = out[-1] + " " + ln
        else:
            out.append(ln)
        last = ln
    return out


def _should_join(prev: str, nxt: str, hard: bool, width: int, last: str = "") -> bool:
    last = last or prev
    if prev[-1] in _TERMINAL and not (prev.endswith(("…", "...")) and nxt[:1].islower()):
        return False
    if _MARKER_RE.match(nxt):
        return False
    if nxt.startswith("|"):
        return False
    prev_is_row = prev.rstrip().endswith("|")
    if prev_is_row:
        return False
    if "|" in nxt and not hard:
        return False
    first = nxt[:1]
    if first.islower():
        return True
    if _is_caps(last) and _is_caps(nxt, 2) and len(prev) < 250:
        return True
    if hard:
        if first.isdigit() or first in "(“\"'%":
            return True
        if len(last) >= 0.6 * width and not _is_caps(last):
            return True
    return False


# --------------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------------
@dataclass
class Block:
    """One line of the cleaned text with its place in the document's numbering."""
    start: int
    end: int
    text: str
    kind: str                          # heading | paragraph | bullet | table_row | title | blank
    label: str = ""                    # this block's own marker ("I", "2", "b", "b1", "-", "+", …)
    path: tuple[str, ...] = ()         # labels of the enclosing markers, this block's included
    ancestors: tuple[int, ...] = ()    # indexes of the blocks that opened the enclosing levels
    content_start: int = 0             # offset after the marker
    cells: list[tuple[int, int]] = field(default_factory=list)   # table row cells (offsets)

    @property
    def section(self) -> str:
        return ".".join(p for p in self.path if p)


def _roman_ok(s: str) -> bool:
    return bool(re.fullmatch(r"X{0,3}(?:IX|IV|V?I{0,3})", s)) and s != ""


_LEVELS = {"part": 0, "article": 1, "roman": 2, "arabic": 3, "letter": 6, "letternum": 7, "dash": 8,
           "plus": 9, "paren": 8}
_STRUCT_PATTERNS = [
    ("part", re.compile(r"(?P<w>Chương|CHƯƠNG|Phần|PHẦN)\s+(?P<l>[IVXLC]+|\d+)\b[.:]?\s*")),
    ("appendix", re.compile(r"(?P<w>Phụ lục|PHỤ LỤC)(?:\s+(?P<l>[IVXLC]+|\d+))?\b[.:]?\s*")),
    ("article", re.compile(r"(?P<w>Điều)\s+(?P<l>\d+)\s*[.:]\s*")),
    ("roman", re.compile(r"(?P<l>[IVX]{1,5})\s*[.)\-–]\s+")),
    ("arabic", re.compile(r"(?P<l>\d{1,2}(?:\.\d{1,2})*)\s*[.)]\s+")),
    ("arabic", re.compile(r"(?P<l>\d{1,2}(?:\.\d{1,2})+)\s+(?=\D)")),
    ("letternum", re.compile(r"(?P<l>[a-zđ]\d{1,2})\s*\)\.?\s*")),
    ("letter", re.compile(r"(?P<l>[a-zđ])\s*\)\.?\s*")),
    ("letter", re.compile(r"(?P<l>[a-zđ])\.\s+(?=[A-ZĐÀ-Ỹ])")),
    ("dash", re.compile(r"(?P<l>[-–—•·*])\s+")),
    ("plus", re.compile(r"(?P<l>\+)\s+")),
    ("paren", re.compile(r"\((?P<l>\d{1,2}|[a-zđ]|[ivx]{1,4})\)\s+")),
]


def _match_marker(line: str) -> tuple[str, str, int] | None:
    for kind, rx in _STRUCT_PATTERNS:
        m = rx.match(line)
        if not m:
            continue
        label = m.group("l") or ""
        if kind == "roman" and not _roman_ok(label):
            continue
        if kind == "arabic":
            depth = label.count(".")
            if int(label.split(".")[0]) == 0:
                continue
            rest = line[m.end():m.end() + 1]
            if rest[:1] in "%":
                continue
            return ("arabic" if depth == 0 else f"arabic{depth}", label, m.end())
        if kind == "dash" and label in "-–—" and re.match(r"[-–—]\s*\d+\s*[-–—]?\s*$", line):
            return None
        if kind in ("part", "appendix"):
            word = m.group("w")
            label = f"{word.capitalize() if word.isupper() else word} {label}".strip()
        if kind == "article":
            label = f"Điều {label}"
        return (kind, label, m.end())
    return None


def _level(kind: str) -> float:
    if kind.startswith("arabic") and kind != "arabic":
        return 3 + int(kind[6:]) * 0.5
    if kind == "appendix":
        return 0
    return _LEVELS[kind]


def parse_structure(text: str) -> list[Block]:
    """Blocks of the cleaned text, each with its section path (labels joined by dots)."""
    blocks: list[Block] = []
    stack: list[tuple[float, str, int]] = []   # (level, label, block index)
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        stripped = line.strip()
        cells = _cells(line, start)
        non_empty = [c for c in cells if text[c[0]:c[1]].strip()]
        if len(non_empty) >= 2:
            path = tuple(s[1] for s in stack)
            blocks.append(Block(start, end, line, "table_row", "", path, tuple(s[2] for s in stack),
                                start, cells))
            continue
        cell_text = stripped.rstrip("|").strip()
        # One-cell lines of scraped tables: a lone index ("1.1 |") acts as a marker.
        if stripped.endswith("|") and re.fullmatch(r"\d{1,2}(?:\.\d{1,2})*\.?", cell_text):
            depth = cell_text.rstrip(".").count(".")
            lvl = 3 + depth * 0.5
            while stack and stack[-1][0] >= lvl:
                stack.pop()
            stack.append((lvl, cell_text.rstrip("."), len(blocks)))
            blocks.append(Block(start, end, line, "heading", cell_text.rstrip("."),
                                tuple(s[1] for s in stack), tuple(s[2] for s in stack[:-1]), end))
            continue
        mk = _match_marker(stripped)
        lead = len(line) - len(line.lstrip())
        if mk:
            kind, label, mend = mk
            lvl = _level(kind)
            while stack and stack[-1][0] >= lvl:
                stack.pop()
            ancestors = tuple(s[2] for s in stack)
            stack.append((lvl, label, len(blocks)))
            bkind = "bullet" if kind in ("dash", "plus", "paren") else (
                "heading" if len(stripped) <= 120 else "paragraph")
            blocks.append(Block(start, end, line, bkind, label, tuple(s[1] for s in stack), ancestors,
                                start + lead + mend))
            continue
        if _is_caps(stripped) and len(stripped.split()) >= 2 and not re.search(r"\d{3,}", stripped[:6]):
            stack.clear()
            blocks.append(Block(start, end, line, "title", "", (), (), start + lead))
            continue
        opener = blocks[stack[-1][2]] if stack else None
        if not (opener is not None and blocks and blocks[-1] is opener and opener.text.rstrip().endswith(":")):
            while stack and stack[-1][0] >= _LEVELS["dash"]:
                stack.pop()
        blocks.append(Block(start, end, line, "paragraph", "", tuple(s[1] for s in stack),
                            tuple(s[2] for s in stack), start + lead))
    return blocks


def _cells(line: str, offset: int) -> list[tuple[int, int]]:
    if "|" not in line:
        return []
    spans, s = [], 0
    for i, ch in enumerate(line + "|"):
        if ch == "|":
            a, b = s, i
            while a < b and line[a] == " ":
                a += 1
            while b > a and line[b - 1] == " ":
                b -= 1
            spans.append((offset + a, offset + b))
            s = i + 1
    # Keep empty cells (columns must stay aligned with the header) but not the empty ends of
    # "| a | b |" and "a | b |".
    if spans and line.strip().startswith("|") and spans[0][1] == spans[0][0]:
        spans = spans[1:]
    if spans and line.rstrip().endswith("|") and spans[-1][1] == spans[-1][0]:
        spans = spans[:-1]
    return spans
