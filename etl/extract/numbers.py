"""Vietnamese numbers, units, comparators and periods as they are written in provincial plans.

Everything here works on plain strings and returns character offsets into the string it was given,
so the extractor can cite and highlight the exact words. Matching is done on :func:`fold_key` of the
text, a lower-cased copy with the same length (old and new tone placement collapsed), so offsets in the
folded copy are offsets in the original.

Conventions (those of the curated targets):
* "8,7%" -> 8.7; "1.200.000" -> 1200000; "1.285,57" -> 1285.57 (dot = thousands, comma = decimal);
* ranges "7-7,5%", "7 – 7,5%", "từ 7% đến 8%", "30% - 35%/năm" -> low, high and comparator ``range``;
* bounds: trên/hơn/ít nhất/tối thiểu/không dưới/từ … trở lên -> ``at_least``; dưới/không quá/tối đa ->
  ``at_most``; khoảng/gần/xấp xỉ -> ``about``; otherwise ``exact``;
* scale words are applied: "109,6 ngàn tỷ đồng" -> 109600 billion_vnd, "1,2 triệu lượt khách" -> 1200000
  visitor_arrivals, "435 triệu USD" -> 435 million_usd;
* per-capita units: "bác sĩ trên 10.000 dân", "giường bệnh/vạn dân" -> per_10k_people,
  "thuê bao/100 dân" -> per_100_people.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

__all__ = [
    "Quantity", "TimeRef", "fold_key", "parse_number", "find_quantities", "find_time_refs",
    "parse_quantity", "parse_period", "COMPARATORS",
]

COMPARATORS = ("exact", "about", "at_least", "at_most", "range")

# --------------------------------------------------------------------------------------------------
# Folding for matching: same length as the input, lower case, one tone placement.
# --------------------------------------------------------------------------------------------------
_TONE_PAIRS = {
    # new-style ("hoá") and old-style ("hóa") tone placement are both common; collapse to one.
    "oá": "óa", "oà": "òa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oé": "óe", "oè": "òe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uý": "úy", "uỳ": "ùy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
    "sỹ": "sĩ", "kỹ": "kĩ", "mỹ": "mĩ", "lý": "lí",
}
_TONE_RE = re.compile("|".join(map(re.escape, _TONE_PAIRS)))


def fold_key(text: str) -> str:
    """NFC, lower case and one tone placement, keeping the length (offsets stay valid).

    The input is expected to be NFC already (the cleaner normalises); characters whose lower case
    would change the length are left as they are.
    """
    lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return _TONE_RE.sub(lambda m: _TONE_PAIRS[m.group(0)], lowered)


def tone(pattern: str) -> str:
    """Apply the tone-placement folding of :func:`fold_key` to a (lower-case) pattern or keyword."""
    return _TONE_RE.sub(lambda m: _TONE_PAIRS[m.group(0)], pattern)


def _rx(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(tone(pattern), flags)


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------
_NUM = r"(?:\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
_NUM_RE = re.compile(_NUM)  # digits only


def parse_number(token: str) -> Decimal:
    """Parse a number written the Vietnamese way ("1.200.000", "8,7", "1.285,57").

    A single dot followed by exactly three digits is a thousands separator ("1.200" = 1200); a dot
    followed by one or two digits is read as an English decimal point ("4.0"); several comma groups of
    three digits are English thousands ("1,200,000").
    """
    tok = token.strip()
    try:
        if re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?", tok):
            return Decimal(tok.replace(",", ""))
        if "." in tok and "," in tok:
            return Decimal(tok.replace(".", "").replace(",", "."))
        if "," in tok:
            return Decimal(tok.replace(",", "."))
        if "." in tok:
            head, *groups = tok.split(".")
            if groups and all(len(g) == 3 for g in groups):
                return Decimal(head + "".join(groups))
            if len(groups) == 1:
                return Decimal(tok)
            raise ValueError(f"not a number: {token!r}")
        return Decimal(tok)
    except InvalidOperation as exc:  # pragma: no cover - the regex only lets digits through
        raise ValueError(f"not a number: {token!r}") from exc


def _to_float(value: Decimal) -> float:
    return float(value.normalize()) if value == value.to_integral() else float(value)


# --------------------------------------------------------------------------------------------------
# Time references: periods, "đến năm 2030", "năm 2025", visions.
# --------------------------------------------------------------------------------------------------
_YEAR = r"(?:19[5-9]\d|20\d\d|2100)"


@dataclass
class TimeRef:
    start: int
    end: int
    kind: str          # period | until | year | vision | since
    year: int          # the year the reference points at (end of a period)
    year_start: int | None = None
    text: str = ""

    @property
    def period(self) -> tuple[int, int] | None:
        return (self.year_start, self.year) if self.kind == "period" and self.year_start else None


_PERIOD_RE = _rx(
    r"(?P<pre>(?:giai đoạn|thời kỳ|thời gian|kế hoạch 5 năm|5 năm|nhiệm kỳ|trong giai đoạn|trong thời kỳ|"
    r"các năm|từ năm|từ)\s*)?"
    r"(?<![\d/.,])(?P<a>" + _YEAR + r")\s*(?:-|–|—|−|‐|‑|đến|tới|÷)\s*(?:năm\s*)?(?P<b>" + _YEAR + r")(?![\d/])")
_UNTIL_RE = _rx(
    r"(?:(?<![\wà-ỹđ])(?P<pre>tầm nhìn(?: đến| tới)?|định hướng(?: đến| tới)?|đến hết|đến cuối|đến|tới|trước|"
    r"vào|trong|cuối|hết|sau|từ|so với|của|cho|riêng|ước tính|ước đạt|ước)\s*)?(?P<nam>năm\s*)?"
    r"(?<![\d/.,])(?P<y>" + _YEAR + r")(?![\d/])")
_DATE_BEFORE_RE = _rx(r"(?:tháng\s*\d{1,2}\s*(?:năm)?\s*|\d{1,2}\s*/\s*\d{1,2}\s*/\s*|\d{1,2}\s*/\s*|"
                             r"\d+\s*/\s*[^\s/]*\s+|/)$")
_DOC_NUMBER_BEFORE_RE = _rx(r"(?:\d+/[\wĐđ\-]+(?:/[\wĐđ\-]+)*)\s+$")


def find_time_refs(text: str, start: int = 0, end: int | None = None) -> list[TimeRef]:
    """Year and period expressions in ``text[start:end]`` (offsets into ``text``).

    Dates ("ngày 15 tháng 8 năm 2024", "01/4/2021"), document numbers ("1731/QĐ-UBND năm 2021") and
    reference years ("so với năm 2020") are not returned as time references.
    """
    end = len(text) if end is None else end
    key = fold_key(text[:end])
    refs: list[TimeRef] = []
    taken: list[tuple[int, int]] = []
    for m in _PERIOD_RE.finditer(key, start, end):
        a, b = int(m.group("a")), int(m.group("b"))
        if not a < b <= a + 60:
            continue
        if _DATE_BEFORE_RE.search(key[max(0, m.start("a") - 12):m.start("a")]):
            continue
        s = m.start("pre") if m.group("pre") else m.start("a")
        refs.append(TimeRef(s, m.end(), "period", b, a, text[s:m.end()]))
        taken.append((m.start("a"), m.end()))
    for m in _UNTIL_RE.finditer(key, start, end):
        ys = m.start("y")
        if any(s <= ys < e for s, e in taken):
            continue
        pre = (m.group("pre") or "").strip()
        has_nam = bool(m.group("nam"))
        if not has_nam and pre not in ("đến", "tới", "trước", "vào", "đến hết", "đến cuối", "tầm nhìn đến",
                                       "tầm nhìn tới", "định hướng đến", "định hướng tới", "sau"):
            continue  # a bare "2025" is not a time reference
        before = key[max(0, ys - 40):ys]
        if has_nam and _DATE_BEFORE_RE.search(key[max(0, m.start("nam") - 12):m.start("nam")]):
            continue
        if re.search(r"ngày\s*\d{1,2}\s*tháng\s*\d{1,2}\s*năm\s*$", before):
            continue
        if _DOC_NUMBER_BEFORE_RE.search(key[max(0, (m.start("nam") if has_nam else ys) - 40):
                                            (m.start("nam") if has_nam else ys)]):
            continue
        year = int(m.group("y"))
        if pre in ("so với", "của", "cho", "riêng"):
            if pre == "so với":
                continue
            pre = ""
        if pre.startswith("tầm nhìn"):
            kind = "vision"
        elif pre in ("từ",):
            kind = "since"
        elif pre in ("đến", "tới", "đến hết", "đến cuối", "trước", "định hướng đến", "định hướng tới", "hết", "cuối"):
            kind = "until"
        else:
            kind = "year"
        s = m.start("pre") if pre and m.group("pre") else (m.start("nam") if has_nam else ys)
        refs.append(TimeRef(s, m.end(), kind, year, None, text[s:m.end()]))
    refs.sort(key=lambda r: r.start)
    return refs


def parse_period(text: str) -> TimeRef | None:
    """The first time reference in ``text`` ("giai đoạn 2021 - 2025" -> period 2021-2025)."""
    refs = find_time_refs(text)
    return refs[0] if refs else None


# --------------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------------
_SCALES = [
    ("trăm nghìn tỷ", Decimal(10) ** 14), ("trăm ngàn tỷ", Decimal(10) ** 14),
    ("nghìn tỷ", Decimal(10) ** 12), ("ngàn tỷ", Decimal(10) ** 12), ("nghìn tỉ", Decimal(10) ** 12),
    ("ngàn tỉ", Decimal(10) ** 12), ("trăm triệu", Decimal(10) ** 8), ("trăm nghìn", Decimal(10) ** 5),
    ("trăm ngàn", Decimal(10) ** 5), ("chục nghìn", Decimal(10) ** 4), ("chục ngàn", Decimal(10) ** 4),
    ("tỷ", Decimal(10) ** 9), ("tỉ", Decimal(10) ** 9), ("triệu", Decimal(10) ** 6),
    ("nghìn", Decimal(10) ** 3), ("ngàn", Decimal(10) ** 3), ("vạn", Decimal(10) ** 4),
]
_SCALE_RE = _rx(r"(?P<scale>" + "|".join(re.escape(s) for s, _ in _SCALES) +
                       r")(?![\wà-ỹ])(?!\s*(?:trọng|lệ)\b)")
_SCALE_VALUES = dict(_SCALES)

# Count nouns: a number followed by one of these is a count ("13 bệnh viện", "02 đô thị thông minh").
COUNT_NOUNS = (
    "trung tâm thương mại", "trung tâm logistics", "trung tâm", "bệnh viện", "trạm y tế", "phòng khám",
    "cơ sở khám", "cơ sở lưu trú", "cơ sở giáo dục", "cơ sở", "trường đại học", "trường", "chợ đầu mối",
    "chợ", "siêu thị", "cửa hàng tiện lợi", "cửa hàng", "đô thị", "khu du lịch quốc gia", "khu du lịch",
    "điểm du lịch", "khu công nghiệp", "cụm công nghiệp", "khu kinh tế", "khu", "cụm", "cảng cạn", "cảng",
    "bến", "sân bay", "cảng hàng không", "sân golf", "khách sạn", "điểm phục vụ", "bưu cục", "điểm bưu điện",
    "điểm", "tuyến", "đường bay", "sản phẩm ocop", "sản phẩm", "làng nghề", "di tích", "hợp tác xã",
    "ngân hàng", "chi nhánh", "phòng giao dịch", "máy atm", "atm", "máy pos", "pos", "dự án", "xã", "phường",
    "huyện", "thôn", "hộ gia đình", "hộ", "tour", "sự kiện", "lễ hội", "hội chợ", "thương hiệu", "nhãn hiệu",
    "chỉ dẫn địa lý", "văn bằng", "bằng sáng chế", "sáng chế", "đề tài", "sáng kiến", "startup",
    "nền tảng", "ứng dụng", "website", "trang thông tin", "cơ sở dữ liệu", "hệ thống", "phương tiện",
    "xe buýt", "xe", "tàu", "đài", "trạm", "tổ chức tín dụng", "tổ chức", "câu lạc bộ", "bảo tàng",
    "thư viện", "nhà văn hóa", "công viên", "chuyến bay", "chuyến", "mô hình", "cơ quan", "đơn vị",
    "thủ tục", "dịch vụ công", "hồ sơ", "tỉnh", "thành phố", "địa phương", "quận",
)
# Per-capita-able staff and equipment.
_STAFF_NOUNS = ("bác sĩ", "bác sỹ", "dược sĩ", "điều dưỡng", "nhân viên y tế", "cán bộ y tế", "hộ sinh",
                "thuê bao", "máy điện thoại", "điện thoại", "máy tính", "máy")

_W = r"(?![\wà-ỹđ])"
# (regex on folded text, unit key or pseudo-key, base multiplier); the first match wins.
_UNIT_TABLE: list[tuple[str, str]] = [
    (r"%\s*/\s*(?:1\s*)?năm" + _W + r"|%\s*(?:mỗi|một|/ 1|trên 1)\s*năm" + _W + r"|phần trăm\s*/\s*năm" + _W,
     "pct_per_year"),
    (r"điểm\s*(?:phần trăm|%)", "pct_points"),
    (r"%|phần trăm" + _W, "pct"),
    (r"tấn\s*[.\-·×x*]?\s*km" + _W + r"|t\.km" + _W + r"|tkm" + _W, "tonne_km"),
    (r"(?:lượt\s+)?(?:hành khách|hk|người|khách)\s*[.\-·×x*]\s*km" + _W + r"|hk\s*km" + _W, "passenger_km"),
    (r"teu" + _W, "teu"),
    (r"tấn" + _W, "tonnes"),
    (r"lượt hành khách" + _W + r"|hành khách" + _W, "passengers"),
    (r"lượt khách du lịch|lượt du khách|lượt khách tham quan|lượt khách quốc tế|lượt khách nội địa|"
     r"lượt khách|khách du lịch|du khách|lượt người|khách quốc tế|khách nội địa" + _W, "@visitors"),
    (r"lượt" + _W, "@visits"),
    (r"ngày khách|ngày lưu trú|đêm lưu trú" + _W, "visitor_days"),
    (r"đồng" + _W + r"|vnđ" + _W + r"|vnd" + _W, "@vnd"),
    (r"usd" + _W + r"|đô la(?: mĩ| mỹ)?" + _W + r"|đôla" + _W + r"|us\$|\$", "@usd"),
    (r"ha" + _W + r"|héc[- ]?ta" + _W + r"|hécta" + _W + r"|hecta" + _W, "hectares"),
    (r"km2" + _W + r"|km²|ki-lô-mét vuông" + _W, "sq_km"),
    (r"m2" + _W + r"|m²|mét vuông" + _W, "sq_m"),
    (r"km" + _W + r"|ki-lô-mét" + _W + r"|kilômét" + _W, "km"),
    (r"mw" + _W, "mw"),
    (r"giường bệnh" + _W + r"|giường" + _W, "beds"),
    (r"phòng khách sạn|phòng lưu trú|phòng nghỉ|buồng" + _W + r"|phòng" + _W + r"(?!\s*(?:khám|giao dịch|thí nghiệm|học))",
     "rooms"),
    (r"doanh nghiệp" + _W, "enterprises"),
    (r"|".join(re.escape(n) + _W for n in _STAFF_NOUNS), "@staff"),
    (r"người lao động|lao động|người|học viên|sinh viên|học sinh|nhân lực|việc làm" + _W, "persons"),
    (r"lần" + _W + r"(?!\s*thứ)", "times"),
    (r"điểm" + _W + r"(?!\s*(?:du lịch|giao dịch|bán|phục vụ|đến|dừng|đỗ|trung chuyển|thu gom|tham quan|"
     r"truy cập|cung cấp|bưu|kết nối|wifi|phát|sáng))", "@points"),
    (r"ngày làm việc|ngày" + _W + r"(?!\s*\d)", "days"),
    (r"|".join(re.escape(n) + _W for n in COUNT_NOUNS), "count"),
]
_UNIT_RES = [(_rx(rx), key) for rx, key in _UNIT_TABLE]

_TRANSPORT_WORDS = ("vận tải", "vận chuyển", "hành khách", "luân chuyển", "xe buýt", "đường sắt", "hàng không",
                    "cảng hàng không", "sân bay", "bến xe")

# Per-capita denominators: "/100 dân", "trên 10.000 người dân", "trên 1 vạn dân", "/vạn dân".
_DENOM_RE = _rx(
    r"(?P<sep>/|\btrên\s+|\bcho mỗi\s+|\bmỗi\s+|\bcho\s+)\s*(?:(?P<n>1|một|100|1\.000|1000|10\.000|10000|"
    r"100\.000|100000)\s*)?(?P<van>vạn\s*)?(?P<who>người dân|dân số|dân|người)" + _W)


@dataclass
class Quantity:
    """One quantitative mention: a value or a range with its unit and comparator."""
    start: int                 # whole mention, comparator words included
    end: int
    num_start: int             # the number(s) only
    num_end: int
    value_low: float
    value_high: float
    unit: str                  # unit key ('' when the number has no unit)
    comparator: str = "exact"
    unit_text: str = ""
    raw: str = ""
    per_capita: bool = False
    count_noun: bool = False
    flags: set[str] = field(default_factory=set)

    @property
    def is_range(self) -> bool:
        return self.value_low != self.value_high


# --------------------------------------------------------------------------------------------------
# Comparator words
# --------------------------------------------------------------------------------------------------
_COMP_WORDS = [  # longest first
    ("không vượt quá", "at_most"), ("không thấp hơn", "at_least"), ("không ít hơn", "at_least"),
    ("không dưới", "at_least"), ("không quá", "at_most"), ("tối thiểu", "at_least"), ("ít nhất", "at_least"),
    ("tối đa", "at_most"), ("nhiều hơn", "at_least"), ("cao hơn", "at_least"), ("lớn hơn", "at_least"),
    ("thấp hơn", "at_most"), ("ít hơn", "at_most"), ("nhỏ hơn", "at_most"), ("xấp xỉ", "about"),
    ("khoảng", "about"), ("chừng", "about"), ("gần", "about"), ("trên", "at_least"), ("hơn", "at_least"),
    ("vượt", "at_least"), ("dưới", "at_most"), ("từ", "from"), ("≥", "at_least"), (">=", "at_least"),
    (">", "at_least"), ("≤", "at_most"), ("<=", "at_most"), ("<", "at_most"), ("~", "about"), ("±", "about"),
]
_FILLER = ("ở mức", "mức", "đạt", "là", "còn", "xuống", "lên", "tới", "bằng", "có", "chiếm", "với")
_COMP_WORDS_F = [(tone(w), k) for w, k in _COMP_WORDS]
_FILLER_F = tuple(tone(w) for w in _FILLER)
_COMP_TAIL_RE = _rx(
    r"(?:(?:" + "|".join(re.escape(w) for w, _ in _COMP_WORDS) + "|" + "|".join(_FILLER) + r")\s*)+$")


def _comparators_before(key: str, pos: int, floor: int) -> list[str]:
    """Comparator words directly before ``pos`` (possibly with fillers such as "đạt", "ở mức")."""
    window_start = max(floor, pos - 40)
    window = key[window_start:pos]
    m = _COMP_TAIL_RE.search(window)
    if not m:
        return []
    seg = m.group(0)
    # The comparator must begin a word.
    abs_start = window_start + m.start()
    if abs_start > 0 and (key[abs_start - 1].isalnum()):
        # trim to the first whole word inside the match
        nxt = seg.find(" ")
        if nxt < 0:
            return []
        seg = seg[nxt + 1:]
    found: list[str] = []
    i = 0
    words = seg
    while i < len(words):
        if words[i].isspace():
            i += 1
            continue
        for w, kind in _COMP_WORDS_F:
            if words.startswith(w, i) and (i + len(w) >= len(words) or not words[i + len(w)].isalpha()
                                           or not w[-1].isalpha()):
                found.append(kind)
                i += len(w)
                break
        else:
            for w in _FILLER_F:
                if words.startswith(w, i):
                    i += len(w)
                    break
            else:
                i += 1
    return found


def _combine(comps: list[str]) -> str:
    if "at_least" in comps:
        return "at_least"
    if "at_most" in comps:
        return "at_most"
    if "about" in comps:
        return "about"
    if "from" in comps:
        return "from"
    return "exact"


# --------------------------------------------------------------------------------------------------
# Finding quantities
# --------------------------------------------------------------------------------------------------
_RANGE_SEP_RE = _rx(r"\s*(?P<u1>%)?\s*(?:-|–|—|−|‐|‑|÷|đến|tới|cho đến)\s*(?:mức\s+)?")
_RANK_RES = [
    (_rx(r"(?:một trong|trong|nhóm|top|tốp)\s+(?:số\s+)?(?P<n>\d{1,2})\s+(?:tỉnh|địa phương|thành phố|"
                r"đơn vị|tỉnh,\s*thành|tỉnh thành)" + _W), "at_most"),
    (_rx(r"(?:xếp|đứng|xếp hạng|vị trí|thứ hạng)\s+(?:thứ\s+)?(?P<n>\d{1,2})(?:\s*/\s*\d{1,2})?" + _W),
     "exact"),
]


def _valid_number_position(key: str, s: int, e: int) -> bool:
    """False for numbers glued to words or codes: QL24, ĐT.623, 4G, 15/12, 1731/QĐ, Covid-19, [1]."""
    prev = key[s - 1] if s > 0 else " "
    prev2 = key[s - 2] if s > 1 else " "
    if prev.isalnum() or prev in "_[":
        return False
    if prev in "./\\" and (prev2.isalnum()):
        return False
    if prev == "-" and prev2.isalpha():
        return False
    if prev == "/":
        return False
    nxt = key[e] if e < len(key) else " "
    if nxt == "/" or (nxt == "-" and e + 1 < len(key) and key[e + 1].isalpha()):
        return False
    if nxt in "[]" or nxt == "]":
        return False
    return True


def _match_unit(key: str, pos: int, end: int) -> tuple[str, int, str] | None:
    for rx, unit in _UNIT_RES:
        m = rx.match(key, pos, end)
        if m and m.end() > pos:
            return unit, m.end(), key[pos:m.end()]
    return None


def _scaled(value: Decimal, scale: Decimal) -> float:
    return _to_float(value * scale)


def _resolve_unit(unit: str, scale: Decimal, context: str) -> tuple[str, Decimal]:
    """Turn a pseudo unit and a scale word into a unit key and the multiplier to apply."""
    if unit == "@vnd":
        total = scale
        if total >= Decimal(10) ** 9:
            return "billion_vnd", total / Decimal(10) ** 9
        return "million_vnd", total / Decimal(10) ** 6
    if unit == "@usd":
        if scale >= Decimal(10) ** 6:
            return "million_usd", scale / Decimal(10) ** 6
        return "usd", scale
    if unit in ("@visitors", "@visits"):
        if any(w in context for w in _TRANSPORT_WORDS) and "du lịch" not in context[-40:]:
            return "passengers", scale
        if unit == "@visits" and "du lịch" not in context and "khách" not in context:
            return "count", scale
        return "visitor_arrivals", scale
    if unit == "@staff":
        return "count", scale
    if unit == "@points":
        if re.search(tone(r"chỉ số|pci|papi|par index|sipas|ict index|điểm số|xếp hạng|đánh giá"), context[-80:]):
            return "points", scale
        return "count", scale
    return unit, scale


def find_quantities(text: str, start: int = 0, end: int | None = None,
                    skip: list[tuple[int, int]] | None = None) -> list[Quantity]:
    """All quantities in ``text[start:end]`` with their units and comparators.

    Numbers without a unit (years, article numbers, list numbering, dates, codes) are not returned.
    ``skip`` holds spans (e.g. time references) whose numbers are not quantities.
    """
    end = len(text) if end is None else end
    key = fold_key(text[:end])
    skip = list(skip or [])
    out: list[Quantity] = []

    denoms = [(m.start(), m.end(), m) for m in _DENOM_RE.finditer(key, start, end)
              if _is_denominator(key, m)]
    blocked = skip + [(s, e) for s, e, _ in denoms]

    def inside(pos: int) -> bool:
        return any(s <= pos < e for s, e in blocked)

    # Ranks first ("một trong 10 địa phương", "xếp thứ 15").
    for rx, comp in _RANK_RES:
        for m in rx.finditer(key, start, end):
            if inside(m.start("n")):
                continue
            v = float(m.group("n"))
            out.append(Quantity(m.start(), m.end(), m.start("n"), m.end("n"), v, v, "rank", comp,
                                "", text[m.start():m.end()]))
            blocked.append((m.start(), m.end()))

    pos = start
    while True:
        m = _NUM_RE.search(key, pos, end)
        if not m:
            break
        pos = m.end()
        s, e = m.start(), m.end()
        if inside(s) or not _valid_number_position(key, s, e):
            continue
        lo_tok = m.group(0)
        try:
            lo = parse_number(lo_tok)
        except ValueError:
            continue
        hi = lo
        num_end = e
        range_unit_pct = False
        # Range "7-7,5%", "từ 7% đến 8%", "30% - 35%/năm".
        rm = _RANGE_SEP_RE.match(key, e, end)
        if rm:
            m2 = _NUM_RE.match(key, rm.end(), end)
            if m2 and _valid_number_position(key, m2.start(), m2.end()) and not inside(m2.start()):
                try:
                    hi2 = parse_number(m2.group(0))
                except ValueError:
                    hi2 = None
                is_year = lambda d: d == d.to_integral() and 1950 <= d <= 2100 and "." not in m2.group(0)
                if hi2 is not None and lo < hi2 and not (is_year(hi2) and not is_year(lo)) and \
                        not (is_year(lo) and is_year(hi2)) and hi2 <= lo * 20 + 20:
                    hi = hi2
                    num_end = m2.end()
                    range_unit_pct = bool(rm.group("u1"))
        # Unit (with an optional scale word) right after the number.
        upos = num_end
        while upos < end and key[upos] == " ":
            upos += 1
        scale = Decimal(1)
        scale_text = ""
        sm = _SCALE_RE.match(key, upos, end)
        if sm:
            scale = _SCALE_VALUES[sm.group("scale")]
            scale_text = sm.group(0)
            upos = sm.end()
            while upos < end and key[upos] == " ":
                upos += 1
        um = _match_unit(key, upos, end)
        if um is None:
            # "130 máy/100 dân", "25 cán bộ/vạn dân": a noun of up to three words and a denominator.
            nm = re.match(r"(?:[a-zà-ỹđ]+ ?){1,3}", key[upos:end])
            if nm and not scale_text:
                for ds, de, dm in denoms:
                    if ds == upos + len(nm.group(0).rstrip()) or ds == upos + len(nm.group(0)):
                        um = ("count", ds, key[upos:ds])
                        break
        if um is None:
            if range_unit_pct:
                um = ("pct", num_end, "%")
            elif scale_text:
                # "23.300 tỷ" / "1,5 triệu" without a unit word: money in billions or a plain count.
                if scale >= Decimal(10) ** 9:
                    um = ("@vnd", upos, "")
                else:
                    um = ("count", upos, "")
            else:
                continue
        unit, unit_end, unit_text = um
        if unit.startswith("pct") and scale_text:
            continue  # "triệu %" is not a thing
        context_before = key[max(start, s - 120):s]
        unit_key, mult = _resolve_unit(unit, scale, context_before + " " + key[upos:unit_end])
        value_low = _scaled(lo, mult)
        value_high = _scaled(hi, mult)
        q = Quantity(s, unit_end, s, num_end, value_low, value_high, unit_key,
                     unit_text=text[upos:unit_end] if unit_text else "", raw=text[s:unit_end])
        q.count_noun = unit == "count" and bool(unit_text)
        if unit == "@staff":
            q.flags.add("staff")
        # Denominator right after the unit ("152 thuê bao/100 dân", "9 bác sĩ trên 1 vạn dân").
        for ds, de, dm in denoms:
            gap = key[unit_end:ds]
            if ds >= unit_end and len(gap) <= 3 and not gap.strip(" "):
                q.unit = _denominator_unit(dm)
                q.per_capita = True
                q.end = de
                break
            if ds >= unit_end and len(gap) <= 30 and unit in ("@staff", "beds", "count") and \
                    not _NUM_RE.search(gap) and not re.search(r"[,;.]", gap):
                q.unit = _denominator_unit(dm)
                q.per_capita = True
                q.end = de
                break
        # Comparator before the number.
        comps = _comparators_before(key, s, start)
        comp = _combine(comps)
        tail = key[q.end:min(end, q.end + 60)]
        after_m = re.match(r"[^\d;.]{0,40}?\btrở (lên|xuống)\b", tail)
        if after_m and not ("from" in comps or len(after_m.group(0)) <= 30) or \
                after_m and re.search(r"\btừ\b", tail[:after_m.start(1)]):
            after_m = None
        if after_m:
            comp = "at_least" if after_m.group(1) == "lên" else "at_most"
            if after_m.end() <= 40:
                q.end = q.end + after_m.end()
        if hi != lo:
            q.comparator = "range"
            if comp in ("about",):
                q.flags.add("about_range")
            if comp in ("at_least", "at_most"):
                q.flags.add(comp + "_range")
        elif comp == "from":
            # "từ 8,7%" alone reads as a lower bound; "từ 30% năm 2020 lên 45%" is a starting value.
            if re.match(tone(r"[^;.]{0,60}?\b(lên|xuống|còn)\s+(?:mức\s+)?(?:khoảng\s+)?\d"), tail):
                q.comparator = "exact"
                q.flags.add("from_value")
            else:
                q.comparator = "at_least"
        else:
            q.comparator = comp
        # Extend the mention to the comparator words.
        if comps:
            cm = _COMP_TAIL_RE.search(key[max(start, s - 40):s])
            if cm:
                q.start = max(start, s - 40) + cm.start()
                moved = True
                while moved and q.start < s:
                    moved = False
                    while q.start < s and key[q.start] == " ":
                        q.start += 1
                    if any(key.startswith(w, q.start) for w, _ in _COMP_WORDS_F):
                        break
                    for w in _FILLER_F:
                        if key.startswith(w + " ", q.start):
                            q.start += len(w)
                            moved = True
                            break
        q.raw = text[q.start:q.end]
        out.append(q)
        pos = max(pos, unit_end)
    out.sort(key=lambda q: q.num_start)
    _propagate_per_capita(key, out, denoms)
    return out


def _is_denominator(key: str, m: re.Match) -> bool:
    if not (m.group("n") or m.group("van")):
        return False
    if m.group("sep").strip() == "/":
        return True
    if m.group("who") == "người":
        return False
    n = m.group("n")
    if n in (None, "1", "một") and not m.group("van"):
        return False
    before = key[max(0, m.start() - 45):m.start()]
    # "X bác sĩ trên 1 vạn dân", "số giường bệnh trên 10.000 dân", "31 giường bệnh, 9 bác sĩ trên ..."
    return bool(m.group("van")) or any(n_ in before for n_ in _STAFF_NOUNS + ("giường",)) or \
        bool(re.search(r"\d\s*$", before))


def _denominator_unit(m: re.Match) -> str:
    n = (m.group("n") or "").replace(".", "")
    if m.group("van") or n == "10000":
        return "per_10k_people"
    return {"100": "per_100_people", "1000": "per_1k_people", "100000": "per_100k_people"}.get(
        n, "per_10k_people")


def _propagate_per_capita(key: str, qs: list[Quantity], denoms) -> None:
    """Carry a per-capita unit to its neighbours in a list or from an earlier mention of the ratio.

    "31 giường bệnh, 9 bác sĩ trên 1 vạn dân" -> both per 10,000; "số bác sĩ trên 10.000 người dân là 12
    bác sĩ" -> 12 per 10,000.
    """
    for i in range(len(qs) - 1, 0, -1):
        cur, prev = qs[i], qs[i - 1]
        if cur.per_capita and not prev.per_capita and prev.unit in ("beds", "count") and \
                (prev.count_noun or prev.unit == "beds" or "staff" in prev.flags):
            gap = key[prev.end:cur.start]
            if len(gap) <= 12 and re.fullmatch(r"[\s,]*(?:và)?[\s,]*", gap):
                prev.unit = cur.unit
                prev.per_capita = True
    for q in qs:
        if q.per_capita or not (q.unit in ("beds",) or "staff" in q.flags):
            continue
        for ds, de, dm in denoms:
            if de <= q.num_start and q.num_start - de <= 40 and not _NUM_RE.search(key[de:q.num_start]) \
                    and not re.search(r"[;.]", key[de:q.num_start]):
                q.unit = _denominator_unit(dm)
                q.per_capita = True
                break


def parse_quantity(text: str) -> Quantity | None:
    """The first quantity in ``text`` (convenience for tests and the review page)."""
    refs = find_time_refs(text)
    qs = find_quantities(text, skip=[(r.start, r.end) for r in refs])
    return qs[0] if qs else None
