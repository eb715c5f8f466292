"""Candidate targets from a plan's text.

``extract_candidates(text)`` returns :class:`Candidate` rows in the curated schema (value_low, value_high,
unit, comparator, period, target year, kind, sector and indicator guesses, a verbatim citation, the
section path, character offsets and a confidence). ``extract_document(bytes_or_path, filename)`` also
loads and cleans the file and returns the cleaned text (the offsets refer to it) and document metadata
guesses. Nothing here imports Streamlit or writes files.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import rules
from .numbers import Quantity, TimeRef, find_quantities, find_time_refs, fold_key, tone
from .text import Block, clean_text, fold_whitespace, load_document, parse_structure

__all__ = ["Candidate", "DocumentInfo", "Extraction", "extract_candidates", "extract_text", "extract_document",
           "candidates_frame", "curated_rows", "document_info", "CSV_COLUMNS", "CURATED_COLUMNS", "format_value"]

CSV_COLUMNS = ["value_low", "value_high", "unit", "comparator", "period_start", "period_end", "target_year",
               "year_basis", "kind", "sector", "indicator", "citation", "section", "start", "end",
               "cite_start", "cite_end", "confidence", "matched_text", "note"]
CITATION_MAX = 200
RATE_UNITS = ("pct_per_year",)


@dataclass
class Candidate:
    value_low: float
    value_high: float
    unit: str
    comparator: str
    period_start: int | None
    period_end: int | None
    target_year: int | None
    year_basis: str            # stated | context | horizon
    kind: str                  # target | baseline | project_scale
    sector: str
    indicator: str
    citation: str
    section: str
    start: int                 # offsets of the value (comparator words, number, unit) in the cleaned text
    end: int
    cite_start: int            # offsets of the citation in the cleaned text
    cite_end: int
    confidence: float
    matched_text: str = ""
    note: str = ""

    def as_row(self) -> dict:
        row = asdict(self)
        row["value_low"] = format_value(self.value_low)
        row["value_high"] = format_value(self.value_high)
        return row


@dataclass
class DocumentInfo:
    """Metadata guesses for the review form (every field may be None)."""
    document_number: str | None = None
    document_type_vi: str | None = None
    issue_date: dt.date | None = None
    place: str | None = None
    title: str | None = None
    horizon_start: int | None = None
    horizon_end: int | None = None
    vision_year: int | None = None
    province_name: str | None = None      # from the letterhead "ỦY BAN NHÂN DÂN TỈNH …"

    @property
    def issue_year(self) -> int | None:
        return self.issue_date.year if self.issue_date else None


@dataclass
class Extraction:
    text: str                                  # the cleaned text the offsets refer to
    info: DocumentInfo
    candidates: list[Candidate]
    blocks: list[Block] = field(default_factory=list, repr=False)

    def frame(self):
        return candidates_frame(self.candidates)


def format_value(v: float | None) -> str:
    if v is None:
        return ""
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.10g}"


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------
def extract_document(source: bytes | str | Path, filename: str | None = None) -> Extraction:
    """Load (bytes in memory or a path), clean and extract. Raises ``text.DocumentError`` subclasses."""
    raw = load_document(source, filename)
    return extract_text(raw)


def extract_text(raw: str) -> Extraction:
    """Clean ``raw`` text and extract; the result carries the cleaned text the offsets refer to."""
    cleaned = clean_text(raw)
    blocks = parse_structure(cleaned)
    info = document_info(cleaned, blocks, raw=raw)
    cands = _Extractor(cleaned, blocks, info).run()
    return Extraction(cleaned, info, cands, blocks)


def extract_candidates(text: str, *, info: DocumentInfo | None = None, as_frame: bool = False):
    """Candidate target rows for ``text`` (raw or already cleaned: cleaning is idempotent).

    Offsets (``start``, ``end``, ``cite_start``, ``cite_end``) refer to ``clean_text(text)``.
    With ``as_frame=True`` a pandas DataFrame with :data:`CSV_COLUMNS` is returned.
    """
    cleaned = clean_text(text)
    blocks = parse_structure(cleaned)
    info = info or document_info(cleaned, blocks, raw=text)
    cands = _Extractor(cleaned, blocks, info).run()
    return candidates_frame(cands) if as_frame else cands


CURATED_COLUMNS = ["target_id", "document_id", "province_code", "sector_key", "indicator_key", "kind",
                   "comparator", "value_low", "value_high", "unit_key", "period_start", "period_end",
                   "target_year", "year_basis", "section", "citation", "note"]


def curated_rows(cands: list[Candidate], document_id: str, province_code: str) -> list[dict]:
    """Candidates as rows of data/targets/<document_id>.csv (the reviewer still checks every field)."""
    rows = []
    for n, c in enumerate(cands, start=1):
        rows.append({
            "target_id": f"{document_id}-{n:03d}", "document_id": document_id, "province_code": province_code,
            "sector_key": c.sector, "indicator_key": c.indicator, "kind": c.kind, "comparator": c.comparator,
            "value_low": format_value(c.value_low), "value_high": format_value(c.value_high),
            "unit_key": c.unit, "period_start": "" if c.period_start is None else str(c.period_start),
            "period_end": "" if c.period_end is None else str(c.period_end),
            "target_year": "" if c.target_year is None else str(c.target_year), "year_basis": c.year_basis,
            "section": c.section, "citation": c.citation, "note": c.note})
    return rows


def candidates_frame(cands: list[Candidate]):
    import pandas as pd
    rows = [c.as_row() for c in cands]
    frame = pd.DataFrame(rows, columns=CSV_COLUMNS)
    for col in ("period_start", "period_end", "target_year", "start", "end", "cite_start", "cite_end"):
        frame[col] = frame[col].astype("Int64")
    return frame


# --------------------------------------------------------------------------------------------------
# Document metadata
# --------------------------------------------------------------------------------------------------
_PLACE_DATE_RE = re.compile(r"(?P<place>[A-ZĐÀ-Ỹ][^\n,|]{1,40}),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})"
                            r"\s+năm\s+(?P<y>\d{4})")
_META_DATE_RE = re.compile(r"Ngày ban hành\s*[:|]\s*(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")
_NUMBER_RE = re.compile(r"\bSố(?: hiệu)?\s*[:|]\s*(?P<n>\d+/[\wĐđ\-]+(?:/[\wĐđ\-]+)?)")
_TYPES = [("/CTr-", "Chương trình hành động"), ("/KH-", "Kế hoạch"), ("/QĐ-", "Quyết định"),
          ("/NQ-", "Nghị quyết"), ("/CT-", "Chỉ thị"), ("/ĐA-", "Đề án")]


def document_info(text: str, blocks: list[Block] | None = None, raw: str | None = None) -> DocumentInfo:
    """Guess the document number, type, issue date, title and plan period from its opening."""
    blocks = blocks if blocks is not None else parse_structure(text)
    info = DocumentInfo()
    head = text[:6000]
    sources = [head] + ([raw[:6000]] if raw else [])
    for src in sources:
        m = _NUMBER_RE.search(src)
        if m and not info.document_number:
            info.document_number = m.group("n")
        m = _PLACE_DATE_RE.search(src)
        if m and not info.issue_date:
            try:
                info.issue_date = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
                info.place = m.group("place").strip()
            except ValueError:
                pass
        m = _META_DATE_RE.search(src)
        if m and not info.issue_date:
            try:
                info.issue_date = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            except ValueError:
                pass
    m = re.search(r"(?:ỦY|UỶ) BAN NHÂN DÂN\s+(?P<kind>TỈNH|THÀNH PHỐ)\s+(?P<name>[A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹ ]{1,30}?)"
                  r"(?=\s*(?:\n|\||-|CỘNG|$))", head)
    if m:
        info.province_name = " ".join(w.capitalize() for w in m.group("name").split())
    if info.document_number:
        for marker, name in _TYPES:
            if marker.lower() in info.document_number.lower():
                info.document_type_vi = name
                break
    # Title: the longest all-caps line near the top that is not the letterhead.
    caps = [b for b in blocks[:80] if b.kind in ("title", "heading") and not b.label and _caps(b.text)]
    skip = ("ỦY BAN", "UỶ BAN", "CỘNG HÒA", "CỘNG HOÀ", "HÒA XÃ HỘI", "ĐỘC LẬP", "TM.", "KT.", "CHỦ TỊCH",
            "PHÓ CHỦ TỊCH", "NƠI NHẬN")
    titles = [b.text.strip() for b in caps if not b.text.strip().upper().startswith(skip)
              and "|" not in b.text and len(b.text.strip()) >= 15]
    if titles:
        info.title = max(titles, key=len)
    elif blocks and blocks[0].kind != "table_row" and len(blocks[0].text) >= 15 and "|" not in blocks[0].text:
        info.title = blocks[0].text.strip()
    title_refs: list[TimeRef] = []
    for t in titles + ([blocks[0].text] if blocks else []):
        title_refs += find_time_refs(t)
    periods = [r for r in title_refs if r.kind == "period"]
    untils = [r for r in title_refs if r.kind in ("until", "year")]
    visions = [r for r in title_refs if r.kind == "vision"]
    if visions:
        info.vision_year = max(r.year for r in visions)
    issue = info.issue_year
    all_periods = Counter((r.year_start, r.year) for r in find_time_refs(text) if r.kind == "period"
                          and (issue is None or r.year >= issue) and r.year - r.year_start <= 15)
    if periods:
        info.horizon_start, info.horizon_end = periods[0].year_start, periods[0].year
    elif untils:
        info.horizon_end = max(r.year for r in untils if issue is None or r.year >= issue) \
            if any(issue is None or r.year >= issue for r in untils) else untils[0].year
        starts = [a for (a, b), _ in all_periods.most_common() if b == info.horizon_end]
        info.horizon_start = starts[0] if starts else issue
    elif all_periods:
        (a, b), _ = max(all_periods.items(), key=lambda kv: (kv[1], kv[0][1]))
        info.horizon_start, info.horizon_end = a, b
    if info.horizon_start and info.horizon_end and info.horizon_start > info.horizon_end:
        info.horizon_start = None
    return info


def _caps(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


# --------------------------------------------------------------------------------------------------
# The extractor
# --------------------------------------------------------------------------------------------------
_ABBREVIATIONS = {"tp", "kt", "tm", "ts", "ths", "pgs", "gs", "bs", "đt", "q", "p", "tt", "th", "vp", "v.v",
                  "ncth", "ubnd", "st", "ks", "cn", "ck", "đc"}
_SPAN = tuple[int, int]


@dataclass
class _Unit:
    """A piece of text processed together: a block's content or a table cell."""
    start: int
    end: int
    block: int
    label_context: str = ""   # folded text of the block label / headings (for sector guesses)
    header_year: TimeRef | None = None
    row_label: str = ""
    cite_from: int | None = None    # table cells: cite from the row's label cell to the value


class _Extractor:
    def __init__(self, text: str, blocks: list[Block], info: DocumentInfo):
        self.text = text
        self.key = fold_key(text)
        self.blocks = blocks
        self.info = info

    # ------------------------------------------------------------------ driver
    def run(self) -> list[Candidate]:
        out: list[Candidate] = []
        vertical = self._vertical_tables()
        i = 0
        while i < len(self.blocks):
            if i in vertical:
                j, rows = vertical[i]
                out += self._table_rows(rows)
                i = j
                continue
            b = self.blocks[i]
            if b.kind == "table_row":
                j = i
                while j < len(self.blocks) and self.blocks[j].kind == "table_row":
                    j += 1
                out += self._table(i, j)
                i = j
                continue
            end = b.end
            seg = self.text[b.content_start:end].rstrip()
            if seg.endswith("|"):
                end = b.content_start + len(seg) - 1
            out += self._unit(_Unit(b.content_start, end, i, self._label_context(i)))
            i += 1
        return self._dedupe(out)

    def _vertical_tables(self) -> dict[int, tuple[int, list[tuple[int, list[_SPAN]]]]]:
        """Tables scraped one cell per line ("Chỉ tiêu |", "%/năm |", "8,5 |", "|" for an empty cell).

        The header runs up to the first index cell ("1"); rows are chunks of as many cells. Only tables
        whose header names years are rebuilt (indicator tables); others are read line by line.
        """
        found: dict[int, tuple[int, list[tuple[int, list[_SPAN]]]]] = {}
        blocks, i = self.blocks, 0
        while i < len(blocks):
            j = i
            while j < len(blocks) and blocks[j].kind != "table_row" and blocks[j].text.rstrip().endswith("|") \
                    and blocks[j].text.count("|") == 1:
                j += 1
            if j - i < 8:
                i = max(j, i + 1)
                continue
            cells = []
            for k in range(i, j):
                b = blocks[k]
                a, e = b.start, b.start + b.text.rstrip().rfind("|")
                while a < e and self.text[a].isspace():
                    a += 1
                while e > a and self.text[e - 1].isspace():
                    e -= 1
                cells.append((k, (a, e)))
            first = next((n for n, (_, (a, e)) in enumerate(cells)
                          if n >= 2 and re.fullmatch(r"1\.?|I\.?|a\)?", self.text[a:e])), None)
            header = [self.text[a:e] for _, (a, e) in cells[:first or 0]]
            if first and any(re.search(r"(?:19|20)\d\d", h) for h in header):
                rows = [(cells[0][0], [sp for _, sp in cells[:first]])]
                for n in range(first, len(cells) - first + 1, first):
                    chunk = cells[n:n + first]
                    rows.append((chunk[0][0], [sp for _, sp in chunk]))
                found[i] = (j, rows)
            i = j
        return found

    # ------------------------------------------------------------------ context helpers
    def _label_context(self, bi: int) -> str:
        """Folded text of the block's own label ("Du lịch: …") and its two nearest headings."""
        b = self.blocks[bi]
        parts = [self._label_of(b)]
        for ai in list(b.ancestors)[::-1][:3]:
            a = self.blocks[ai]
            if a is b:
                continue
            parts.append(self._label_of(a) or self.key[a.content_start:min(a.end, a.content_start + 120)])
        return " | ".join(p for p in parts if p)

    def _label_of(self, b: Block) -> str:
        content = self.key[b.content_start:b.end]
        m = re.match(r"([^:;.\d]{3,60}):", content)
        if m:
            return m.group(1)
        if b.kind == "heading":
            return content[:120]
        return ""

    def _sentences(self, s0: int, e0: int) -> list[_SPAN]:
        starts = [s0]
        seg = self.text[s0:e0]
        for m in re.finditer(r"(?:[.!?…]+|\./\.)[\"”’)]*\s+", seg):
            nxt = seg[m.end():m.end() + 1]
            if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in "-+•(\"“"):
                continue
            tok = re.search(r"([\wĐđ.]+)$", seg[:m.start()])
            if tok and tok.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                continue
            starts.append(s0 + m.end())
        ends = starts[1:] + [e0]
        return [(a, b) for a, b in zip(starts, ends) if b > a]

    def _clauses(self, s: int, e: int) -> list[_SPAN]:
        out, a = [], s
        for m in re.finditer(r";", self.text[s:e]):
            out.append((a, s + m.start()))
            a = s + m.end()
        out.append((a, e))
        return out

    # ------------------------------------------------------------------ one text unit
    def _unit(self, u: _Unit, quantities: list[Quantity] | None = None,
              refs: list[TimeRef] | None = None) -> list[Candidate]:
        s0, e0 = u.start, u.end
        seg = self.text[s0:e0]
        if refs is None:
            refs = [_shift_ref(r, s0) for r in find_time_refs(seg)]
        if quantities is None:
            local_skip = [(r.start - s0, r.end - s0) for r in refs]
            quantities = [_shift_q(q, s0) for q in find_quantities(seg, skip=local_skip)]
        if not quantities:
            return []
        sentences = self._sentences(s0, e0)
        out: list[Candidate] = []
        prev_info: dict | None = None
        for qi, q in enumerate(quantities):
            sent = next((s for s in sentences if s[0] <= q.num_start < s[1]), (s0, e0))
            clauses = self._clauses(*sent)
            clause = next((c for c in clauses if c[0] <= q.num_start < c[1]), sent)
            prev_q = quantities[qi - 1] if qi > 0 else None
            next_q = quantities[qi + 1] if qi + 1 < len(quantities) else None
            same_sentence_prev = prev_q if prev_q and prev_q.end > sent[0] else None
            if prev_info and prev_info["sentence"] != sent:
                prev_info = None
            cand, info = self._candidate(u, q, sent, clause, clauses, refs, same_sentence_prev, next_q,
                                         prev_info)
            if cand is not None:
                out.append(cand)
                prev_info = info
        return out

    def _candidate(self, u: _Unit, q: Quantity, sent: _SPAN, clause: _SPAN, clauses: list[_SPAN],
                   refs: list[TimeRef], prev_q: Quantity | None, next_q: Quantity | None,
                   prev_info: dict | None):
        key = self.key
        # ---- list counts ("03 sản phẩm du lịch, gồm: …") are not targets
        if q.unit == "count" and q.count_noun:
            after = key[q.end:min(clause[1], q.end + 90)]
            if re.match(r"[^\d;]{0,70}?(?:\bgồm\b|\bbao gồm\b|:\s|\bnhư\b|\(i\)|\(1\))", after):
                return None, None
        # ---- eligibility criteria of an incentive ("khuyến khích phát triển bệnh viện tư nhân với quy mô
        # từ 31 giường trở lên") are conditions, not targets of the province
        if re.search(r"\btrở lên\b", key[q.num_end:q.end]) and \
                rules.last_word_pos(key[sent[0]:q.num_start], rules.INCENTIVE_WORDS) >= 0 and \
                rules.last_word_pos(key[max(clause[0], q.num_start - 25):q.num_start], ("quy mô", "có")) >= 0:
            return None, None
        unit = q.unit
        local_start = clause[0]
        if prev_q is not None and prev_q.end > clause[0]:
            local_start = min(prev_q.end, q.start)
        before = key[local_start:q.num_start]
        sentence_before = key[sent[0]:q.num_start]
        # ---- percentages: growth rate or share?
        if unit == "pct":
            ctx = key[max(clause[0], prev_q.end if prev_q else clause[0]):q.num_start]
            g = rules.last_word_pos(ctx, rules.GROWTH_WORDS)
            bare = rules.last_word_pos(ctx[-25:], ("tăng",))
            if bare >= 0:
                g = max(g, len(ctx) - len(ctx[-25:]) + bare)
            sh = rules.last_word_pos(ctx, rules.SHARE_WORDS)
            if g > sh and not re.match(r"\s*(?:so với|so cùng kỳ|so với cùng kỳ)", key[q.end:q.end + 30]):
                unit = "pct_per_year"
            elif g < 0 and sh < 0 and prev_info and prev_info["unit"] == "pct_per_year" and \
                    len(ctx) < 60 and not re.search(r"[a-zà-ỹđ]{3,}\s+[a-zà-ỹđ]{3,}\s+[a-zà-ỹđ]{3,}",
                                                      re.sub(tone(r"\b(?:giai đoạn|năm|đạt|khoảng|và|thời kỳ)\b"),
                                                             "", ctx)):
                unit = "pct_per_year"
        # ---- comparator carried along a list ("khoảng 665,13 triệu tấn.km (tương đương 12,21 triệu tấn)")
        comparator = q.comparator
        if comparator == "exact" and prev_info and prev_info["comparator"] in ("about", "at_least", "at_most") \
                and prev_info["clause"] == clause:
            gap = key[prev_info["end"]:q.start]
            verbs = re.search(tone(r"\b(?:đạt|là|tăng|giảm|chiếm|có|trên|dưới|được)\b"), gap)
            # "Tối thiểu 80% hồ sơ … cấp tỉnh, 60% hồ sơ … cấp huyện": the same noun after both values
            first = re.match(r"\s*(\S+\s+\S+)", key[prev_info["end"]:prev_info["end"] + 40])
            parallel = bool(first) and key[q.end:q.end + 40].lstrip().startswith(first.group(1))
            if not verbs and ((prev_info["comparator"] == "about" and len(gap) <= 40) or
                              (parallel and len(gap) <= 60)):
                comparator = prev_info["comparator"]
        # ---- time
        ref, basis = self._time_for(u, q, sent, clause, refs)
        period_start = period_end = None
        plan_start, plan_end = self.info.horizon_start, self.info.horizon_end
        if ref is not None:
            target_year = ref.year
            if unit in RATE_UNITS:
                if ref.kind == "period":
                    period_start, period_end = ref.year_start, ref.year
                elif plan_start and plan_start < ref.year and (
                        ref.kind == "until" or rules.has_word(key[clause[0]:q.end], "bình quân")):
                    period_start, period_end = plan_start, ref.year
                else:
                    period_start, period_end = ref.year, ref.year
        else:
            target_year = plan_end
            basis = "horizon"
            if unit in RATE_UNITS and plan_end:
                period_start, period_end = (plan_start or plan_end), plan_end
        # ---- indicator and sector
        post_end = clause[1] if next_q is None else min(clause[1], next_q.start)
        post = key[q.end:post_end]
        post = re.split(r"[,;.()]", post, maxsplit=1)[0][:90]
        ctx_a = key[local_start:q.end + len(post)]
        anchor = (q.num_start - local_start, q.end - local_start)
        rule = None
        if prev_q is not None and prev_q.end > clause[0]:
            # In a list of values the words after the previous value's comma are this value's own:
            # "trên 97% trẻ em … được tiêm chủng đầy đủ, 90% dân số tham gia bảo hiểm y tế".
            cut = max((m.end() for m in re.finditer(r"[,;]\s*|\svà\s", key[local_start:q.num_start])),
                      default=0)
            if cut:
                own = key[local_start + cut:q.end + len(post)]
                rule = rules.match_indicator(own, unit, (q.num_start - local_start - cut,
                                                         q.end - local_start - cut))
        if rule is None:
            rule = rules.match_indicator(ctx_a, unit, anchor)
        inherited = False
        if rule is None and prev_info and prev_info["rule"] is not None and \
                rules.match_sector(key[local_start:q.num_start]) is None:
            if prev_info["unit"] == unit:
                rule = prev_info["rule"]
                inherited = True
            elif unit == "pct_per_year" and prev_info["rule"].indicator in rules.GROWTH_OF:
                rule = rules.RULES_BY_KEY[rules.GROWTH_OF[prev_info["rule"].indicator]]
                inherited = True
        if rule is None and clause[0] < local_start:
            rule = rules.match_indicator(key[clause[0]:q.end + len(post)], unit,
                                         (q.num_start - clause[0], q.end - clause[0]))
        # Labels and headings ("Du lịch:", "b8) Lĩnh vực du lịch") complete the context; "dịch vụ" is
        # left out of them because every heading of a services plan says it.
        ctx_c = ctx_a + " | " + _HEADING_NOISE.sub(" ", u.label_context) + " | " + u.row_label
        if rule is None or (not inherited and rule.indicator in _GENERIC):
            rule_c = rules.match_indicator(ctx_c, unit)
            if rule_c is not None and (rule is None or rules.INDICATOR_RULES.index(rule_c) <
                                       rules.INDICATOR_RULES.index(rule)):
                rule = rule_c
        # The sector the plan places the value in (its label or nearest heading naming one) comes first;
        # "services"/"economy" headings are too general to override what the value is about.
        placed = self._sector_from_headings(u)
        if placed and placed not in ("services", "economy"):
            sector = placed
        elif rule is not None:
            sector = rule.sector
        else:
            sector = (rules.match_sector(ctx_a) or rules.match_sector(key[clause[0]:q.end + len(post)]) or
                      rules.match_sector(u.row_label) or placed or "services")
        # ---- kind
        kind = "target"
        near = key[max(clause[0], q.num_start - 80):q.num_start]
        if rules.last_word_pos(near, rules.PROJECT_WORDS) >= 0 or (
                rules.last_word_pos(near, rules.PROJECT_INVESTMENT_WORDS) >= 0 and
                rules.last_word_pos(key[clause[0]:q.num_start], ("dự án", "công trình")) >= 0):
            kind = "project_scale"
        elif "from_value" in q.flags:
            kind = "baseline"
        elif self.info.issue_year and target_year and target_year < self.info.issue_year:
            kind = "baseline"
        elif rules.last_word_pos(sentence_before[-80:], rules.BASELINE_WORDS) >= 0 and (
                basis != "stated" or not self.info.issue_year or not target_year or
                target_year <= self.info.issue_year):
            kind = "baseline"
            if basis != "stated":
                ref, basis = None, "horizon"    # the year of issue is used below
        if kind == "baseline" and basis == "horizon" and self.info.issue_year:
            target_year, basis = self.info.issue_year, "context"
            period_start = period_end = None
            if unit in RATE_UNITS:
                period_start = period_end = target_year
        # ---- citation
        cs, ce = self._citation(q, clause, clauses, sent, inherited or rule is None)
        if u.cite_from is not None and u.cite_from < cs and \
                len(fold_whitespace(self.text[u.cite_from:ce])) <= CITATION_MAX:
            cs = u.cite_from
        citation = fold_whitespace(self.text[cs:ce])
        # ---- confidence
        conf = 0.45
        if rule is not None:
            conf += 0.2 if not inherited else 0.15
        conf += {"stated": 0.1, "context": 0.05}.get(basis, 0.0)
        if unit in ("pct", "pct_per_year", "billion_vnd", "million_usd", "million_vnd", "visitor_arrivals",
                    "per_10k_people", "per_100_people", "tonne_km", "passenger_km", "tonnes", "passengers"):
            conf += 0.1
        if unit == "count":
            conf -= 0.15
        if unit in ("days", "times", "rank", "persons", "rooms", "km", "hectares", "beds"):
            conf -= 0.05
        if re.search(r"mục tiêu|chỉ tiêu", u.label_context):
            conf += 0.1
        if kind == "project_scale":
            conf -= 0.05

        national = rules.last_word_pos(key[local_start:q.num_start], rules.NATIONAL_WORDS) >= 0
        if national:
            conf -= 0.25    # probably a national figure quoted by the plan
        conf = round(min(0.99, max(0.05, conf)), 2)
        notes = []
        if "about_range" in q.flags:
            notes.append("'khoảng' with a range")
        if inherited:
            notes.append("indicator carried from the previous value of the sentence")
        if national:
            notes.append("national figure? (cả nước / toàn quốc nearby)")
        if basis == "horizon":
            notes.append("no year stated; plan horizon used")
        elif kind == "baseline" and ref is None:
            notes.append("current value; year of issue used")
        section = self.blocks[u.block].section
        if self.blocks[u.block].kind == "table_row":
            section = (section + ".bảng") if section else "bảng"
        cand = Candidate(
            value_low=q.value_low, value_high=q.value_high, unit=unit, comparator=comparator,
            period_start=period_start, period_end=period_end, target_year=target_year, year_basis=basis,
            kind=kind, sector=sector, indicator=rule.indicator if rule else "", citation=citation,
            section=section, start=q.start, end=q.end, cite_start=cs, cite_end=ce, confidence=conf,
            matched_text=self.text[q.start:q.end], note="; ".join(notes))
        info = {"sentence": sent, "clause": clause, "unit": unit, "rule": rule, "comparator": comparator,
                "end": q.end}
        return cand, info

    def _sector_from_headings(self, u: _Unit) -> str | None:
        b = self.blocks[u.block]
        own = self._label_of(b)
        if own:
            s = rules.match_sector(own)
            if s:
                return s
        for ai in list(b.ancestors)[::-1]:
            a = self.blocks[ai]
            s = rules.match_sector(self._label_of(a) or self.key[a.content_start:min(a.end, a.content_start + 150)])
            if s:
                return s
        return None

    # ------------------------------------------------------------------ time
    def _time_for(self, u: _Unit, q: Quantity, sent: _SPAN, clause: _SPAN, refs: list[TimeRef]):
        usable = [r for r in refs if r.kind != "since"]
        key = self.key
        # "33,3% vào năm 2030": a year right after the value, in the same clause.
        for r in usable:
            if r.start >= q.end and r.start - q.end <= 30 and r.end <= clause[1]:
                between = key[q.end:r.start]
                if not re.search(r"[\d,;]", between) and r.kind in ("year", "until", "period"):
                    return r, "stated"
        pre = [r for r in usable if r.end <= q.num_start and r.start >= clause[0]]
        if pre:
            return pre[-1], "stated"
        pre = [r for r in usable if r.end <= q.num_start and r.start >= sent[0]]
        if pre:
            return pre[-1], "stated"
        pre = [r for r in usable if r.end <= q.num_start and r.start >= u.start]
        if pre:
            return pre[-1], "context"
        if u.header_year is not None:
            return u.header_year, "stated"
        b = self.blocks[u.block]
        for ai in list(b.ancestors)[::-1]:
            a = self.blocks[ai]
            if a.end - a.content_start > 90:
                continue
            hrefs = [r for r in find_time_refs(self.text[a.content_start:a.end]) if r.kind != "since"]
            if hrefs:
                return hrefs[-1], "context"
        return None, "horizon"

    # ------------------------------------------------------------------ citation
    def _citation(self, q: Quantity, clause: _SPAN, clauses: list[_SPAN], sent: _SPAN,
                  needs_subject: bool) -> _SPAN:
        text = self.text
        cs, ce = clause
        cs, ce = _trim(text, cs, ce)
        # Short or elliptic clauses borrow the previous clause of the sentence ("…; giai đoạn 2026 - 2030
        # đạt khoảng 8,5%/năm").
        if needs_subject or len(fold_whitespace(text[cs:ce])) < 30:
            idx = clauses.index(clause) if clause in clauses else -1
            while idx > 0:
                ps, _ = _trim(text, *clauses[idx - 1])
                if len(fold_whitespace(text[ps:ce])) > CITATION_MAX:
                    break
                cs = ps
                idx -= 1
                if not needs_subject:
                    break
        if len(fold_whitespace(text[cs:ce])) <= CITATION_MAX:
            return cs, _strip_tail(text, cs, ce)
        # Too long: the longest span from a phrase start before the value to a phrase end after it
        # (the clause end preferred) that fits.
        flen = lambda a, b: len(fold_whitespace(text[a:b]))  # noqa: E731
        bounds = [cs] + [cs + m.end() for m in re.finditer(r"[,:(]\s+|\s(?=và\s)", text[cs:q.start])]
        ends = [ce] + [q.end + m.start() for m in re.finditer(r",\s|\s\(|\)|\svà\s|\sđể\s|\snhằm\s",
                                                               text[q.end:ce])]
        best = None
        for b in bounds:
            for e in ends:
                if e >= q.end and flen(b, e) <= CITATION_MAX:
                    score = (e == ce, flen(b, e))
                    if best is None or score > best[0]:
                        best = (score, b, e)
        if best is not None:
            start, end = best[1], best[2]
        else:
            start, end = q.start, ce
            while flen(start, end) > CITATION_MAX and end > q.end:
                sp = text.rfind(" ", q.end, end - 1)
                end = sp if sp > q.end else q.end
            while flen(start, end) > CITATION_MAX and start < q.num_start:
                start += 1
        start, end = _trim(text, start, end)
        return start, _strip_tail(text, start, end)

    # ------------------------------------------------------------------ tables
    def _table(self, i: int, j: int) -> list[Candidate]:
        return self._table_rows([(k, self.blocks[k].cells) for k in range(i, j)])

    def _table_rows(self, rows: list[tuple[int, list[_SPAN]]]) -> list[Candidate]:
        """Rows of cells: with a header of years, each numeric cell is a value for that year."""
        header_idx, year_cols, unit_col = None, {}, None
        for hi, (_, row_cells) in enumerate(rows[:3]):
            cols = {}
            for ci, (a, b) in enumerate(row_cells):
                cell = self.text[a:b]
                if re.fullmatch(r"\s*(?:Năm\s*)?(?:19|20)\d\d\s*", cell, re.I) or \
                        re.search(r"(?:năm|kế hoạch|KH|mục tiêu|ước|thực hiện|TH|giai đoạn)\s*(?:19|20)\d\d", cell,
                                  re.I):
                    r = find_time_refs(cell)
                    yr = r[-1] if r else None
                    if yr is None:
                        m = re.search(r"((?:19|20)\d\d)(?:\s*[-–]\s*((?:19|20)\d\d))?", cell)
                        y1 = int(m.group(1))
                        y2 = int(m.group(2)) if m.group(2) else None
                        yr = TimeRef(a + m.start(), a + m.end(), "period" if y2 else "year", y2 or y1,
                                     y1 if y2 else None, m.group(0))
                    else:
                        yr = _shift_ref(yr, a)
                    cols[ci] = yr
                if re.search(r"đơn vị|đvt", fold_key(cell)):
                    unit_col = ci
            if cols:
                header_idx, year_cols = hi, cols
                break
        out: list[Candidate] = []
        for ri, (bi, row_cells) in enumerate(rows):
            if header_idx is not None and ri <= header_idx:
                continue
            label, label_start = "", None
            for ci, (a, b) in enumerate(row_cells):
                cell = self.text[a:b]
                if ci != unit_col and ci not in year_cols and re.search(r"[A-Za-zÀ-ỹĐđ]{3,}", cell):
                    label, label_start = fold_key(cell), a
                    break
            unit_text = self.text[slice(*row_cells[unit_col])] if unit_col is not None and \
                unit_col < len(row_cells) else ""
            if not unit_text and label:
                m = re.search(r"\(([^()]{1,30})\)\s*$", label)   # "Tỷ trọng dịch vụ trong GRDP (%)"
                if m:
                    unit_text = m.group(1)
            for ci, (a, b) in enumerate(row_cells):
                if ci == unit_col:
                    continue
                u = _Unit(a, b, bi, self._label_context(bi), year_cols.get(ci), label,
                          label_start if label_start is not None and label_start < a else None)
                if ci in year_cols and unit_text and re.fullmatch(r"[\s\d.,\-–≥≤<>~]+", self.text[a:b]):
                    prefix = label + " : "
                    virtual = prefix + self.text[a:b] + " " + unit_text
                    qs = []
                    for q in find_quantities(virtual):
                        if len(prefix) <= q.num_start and q.num_end <= len(prefix) + (b - a):
                            q = _shift_q(q, a - len(prefix))
                            q.start = max(q.start, a)
                            q.end = b
                            qs.append(q)
                    out += self._unit(u, qs, [])
                else:
                    out += self._unit(u)
        return out

    # ------------------------------------------------------------------ duplicates
    def _dedupe(self, cands: list[Candidate]) -> list[Candidate]:
        seen: set = set()
        out = []
        for c in cands:
            ctx = fold_whitespace(self.key[max(0, c.start - 50):c.end + 30])
            k1 = (c.value_low, c.value_high, c.unit, c.target_year, ctx)
            k2 = (c.value_low, c.value_high, c.unit, c.cite_start, c.cite_end)
            if k1 in seen or k2 in seen:
                continue
            seen.add(k1)
            seen.add(k2)
            out.append(c)
        return out


_HEADING_NOISE = re.compile(r"(?:khu vực|các ngành|ngành|lĩnh vực)?\s*dịch vụ")
_GENERIC = {"jobs_created", "vocational_trainees", "hospitals_count", "markets_count", "services_labour_share",
            "trained_labour_share"}


def _trim(text: str, s: int, e: int) -> _SPAN:
    while s < e and (text[s].isspace() or text[s] in ",;"):
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _strip_tail(text: str, s: int, e: int) -> int:
    while e > s and (text[e - 1] in " ,;:" or text[e - 1].isspace()):
        e -= 1
    return e


def _shift_q(q: Quantity, off: int) -> Quantity:
    q.start += off
    q.end += off
    q.num_start += off
    q.num_end += off
    return q


def _shift_ref(r: TimeRef, off: int) -> TimeRef:
    r.start += off
    r.end += off
    return r
