"""Unit tests of the Vietnamese number / unit / comparator / period parser and of the text cleaner and
structure parser (etl/extract). The sentences are written for these tests in the style of provincial
plans; they are not taken from the source documents."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.extract import extract_candidates  # noqa: E402
from etl.extract.numbers import (find_quantities, find_time_refs, fold_key, parse_number,  # noqa: E402
                                 parse_quantity)
from etl.extract.text import clean_text, fold_whitespace, parse_structure  # noqa: E402


# --------------------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("token, value", [
    ("8,7", 8.7), ("1.200.000", 1200000), ("1.200,5", 1200.5), ("1.285,57", 1285.57), ("36,5", 36.5),
    ("113.524", 113524), ("10.000", 10000), ("03", 3), ("100", 100), ("1,38", 1.38), ("4.0", 4.0),
    ("1,200,000", 1200000), ("0,5", 0.5),
])
def test_parse_number(token, value):
    assert float(parse_number(token)) == pytest.approx(value)


def q(sentence):
    got = parse_quantity(sentence)
    assert got is not None, f"no quantity found in {sentence!r}"
    return got


def vals(sentence):
    got = q(sentence)
    return got.value_low, got.value_high, got.unit, got.comparator


# ------------------------------------------------------------------------- values, units, comparators
@pytest.mark.parametrize("sentence, expected", [
    # decimal comma, thousands dot
    ("Tốc độ tăng trưởng khu vực dịch vụ đạt 8,7%/năm.", (8.7, 8.7, "pct_per_year", "exact")),
    ("Tỷ lệ hộ gia đình sử dụng Internet đạt 8,7 %.", (8.7, 8.7, "pct", "exact")),
    ("Đón 1.200.000 lượt khách du lịch.", (1200000, 1200000, "visitor_arrivals", "exact")),
    ("Thu ngân sách đạt 1.200,5 tỷ đồng.", (1200.5, 1200.5, "billion_vnd", "exact")),
    # ranges
    ("tốc độ tăng trưởng đạt 7-7,5%/năm", (7, 7.5, "pct_per_year", "range")),
    ("tăng trưởng bình quân 7 – 7,5%/năm", (7, 7.5, "pct_per_year", "range")),
    ("vốn huy động tăng từ 7% đến 8%/năm", (7, 8, "pct_per_year", "range")),
    ("dư nợ tín dụng tăng 15 - 18%/năm", (15, 18, "pct_per_year", "range")),
    ("chiếm tỷ trọng 8- 10% GRDP", (8, 10, "pct", "range")),
    ("tăng bình quân khoảng 30% - 35%/năm", (30, 35, "pct_per_year", "range")),
    ("tỷ trọng khoảng 36,5-37% GRDP", (36.5, 37, "pct", "range")),
    ("từ 10,3% đến 10,5%", (10.3, 10.5, "pct", "range")),
    ("khoảng 1.000 - 1.200 tỷ đồng", (1000, 1200, "billion_vnd", "range")),
    ("đầu tư từ 1-3 trung tâm logistics", (1, 3, "count", "range")),
    ("từ 3 đến 5 khu du lịch quốc gia", (3, 5, "count", "range")),
    # bounds
    ("tỷ lệ lao động dịch vụ trên 40% tổng số lao động", (40, 40, "pct", "at_least")),
    ("tổng thu từ khách du lịch đạt hơn 900 tỷ đồng", (900, 900, "billion_vnd", "at_least")),
    ("ít nhất 85% người học có việc làm", (85, 85, "pct", "at_least")),
    ("Tối thiểu 30% dịch vụ công trực tuyến ở mức độ 4", (30, 30, "pct", "at_least")),
    ("tỷ lệ nợ xấu không quá 3%", (3, 3, "pct", "at_most")),
    ("tỷ lệ nợ xấu duy trì ở mức dưới 3%", (3, 3, "pct", "at_most")),
    ("chi phí logistics tối đa 16% GRDP", (16, 16, "pct", "at_most")),
    ("không dưới 95% dân số tham gia bảo hiểm y tế", (95, 95, "pct", "at_least")),
    ("đạt khoảng 42,28%", (42.28, 42.28, "pct", "about")),
    ("xấp xỉ 50% diện tích", (50, 50, "pct", "about")),
    ("gần 2 triệu lượt khách du lịch", (2e6, 2e6, "visitor_arrivals", "about")),
    ("tạo việc làm cho người dân từ 8.000 lao động trở lên", (8000, 8000, "persons", "at_least")),
    ("hồ sơ trực tuyến đạt từ 20% trở lên", (20, 20, "pct", "at_least")),
    ("tăng trưởng đạt từ 8,7%/năm", (8.7, 8.7, "pct_per_year", "at_least")),
    ("với quy mô tối thiểu khoảng 10 ha", (10, 10, "hectares", "at_least")),
    ("xây dựng từ 02 đô thị thông minh trở lên", (2, 2, "count", "at_least")),
    ("chỉ số đạt ≥ 90%", (90, 90, "pct", "at_least")),
    # scale words
    ("tổng mức bán lẻ đạt khoảng 109,6 ngàn tỷ đồng", (109600, 109600, "billion_vnd", "about")),
    ("tổng thu đạt 15 nghìn tỷ đồng", (15000, 15000, "billion_vnd", "exact")),
    ("thu hút 971,8 ngàn lượt khách quốc tế", (971800, 971800, "visitor_arrivals", "exact")),
    ("7.940 ngàn lượt khách nội địa", (7940000, 7940000, "visitor_arrivals", "exact")),
    ("đón 1,2 triệu lượt khách", (1200000, 1200000, "visitor_arrivals", "exact")),
    ("giá trị xuất khẩu đạt 435 triệu USD", (435, 435, "million_usd", "exact")),
    ("kim ngạch xuất khẩu đạt 2,5 tỷ USD", (2500, 2500, "million_usd", "exact")),
    ("GRDP bình quân đầu người đạt 150 triệu đồng/người", (150, 150, "million_vnd", "exact")),
    ("GRDP bình quân đầu người đạt 5.000 USD", (5000, 5000, "usd", "exact")),
    ("khoảng 665,13 triệu tấn.km", (665130000, 665130000, "tonne_km", "about")),
    ("1.285,57 triệu hành khách.km", (1285570000, 1285570000, "passenger_km", "exact")),
    ("2.894,1 triệu người.km", (2894100000, 2894100000, "passenger_km", "exact")),
    ("12,21 triệu tấn hàng hóa", (12210000, 12210000, "tonnes", "exact")),
    ("dân số khoảng 1,5 vạn người", (15000, 15000, "persons", "about")),
    ("bán kính phục vụ 1,38km/điểm phục vụ", (1.38, 1.38, "km", "exact")),
    ("sân golf 36 lỗ trên diện tích 120 ha", (120, 120, "hectares", "exact")),
    ("tăng gấp 2 lần", (2, 2, "times", "exact")),
    ("tăng 3.000 doanh nghiệp", (3000, 3000, "enterprises", "exact")),
    ("rút ngắn còn 15 ngày làm việc", (15, 15, "days", "exact")),
    ("giảm 2 điểm phần trăm", (2, 2, "pct_points", "exact")),
    ("chỉ số PCI đạt 70 điểm", (70, 70, "points", "exact")),
    ("khách sạn 500 phòng", (500, 500, "rooms", "exact")),
    # per-capita units
    ("số bác sĩ trên 10.000 người dân là 12 bác sĩ", (12, 12, "per_10k_people", "exact")),
    ("đạt 9 bác sĩ trên 1 vạn dân", (9, 9, "per_10k_people", "exact")),
    ("đạt 30 giường bệnh/vạn dân", (30, 30, "per_10k_people", "exact")),
    ("mật độ thuê bao điện thoại đạt 152 thuê bao/100 dân", (152, 152, "per_100_people", "exact")),
    ("mật độ điện thoại đạt 130 máy/100 dân", (130, 130, "per_100_people", "exact")),
    ("đạt 40 thuê bao Internet/100 dân", (40, 40, "per_100_people", "exact")),
    ("số giường bệnh trên 10.000 dân đạt 35 giường", (35, 35, "per_10k_people", "exact")),
    # rank
    ("phấn đấu là một trong 10 địa phương dẫn đầu về chỉ số PCI", (10, 10, "rank", "at_most")),
    ("chỉ số PAPI xếp thứ 15/63 tỉnh, thành phố", (15, 15, "rank", "exact")),
    ("nằm trong nhóm 20 tỉnh, thành phố dẫn đầu", (20, 20, "rank", "at_most")),
])
def test_quantity(sentence, expected):
    low, high, unit, comparator = vals(sentence)
    assert (low, high, unit, comparator) == (pytest.approx(expected[0]), pytest.approx(expected[1]),
                                              expected[2], expected[3])


def test_per_capita_carried_along_a_list():
    text = "Đến năm 2025, đạt 31 giường bệnh, 9 bác sĩ trên 1 vạn dân; 14 bác sỹ và 38 giường bệnh trên 1 vạn dân."
    got = [(x.value_low, x.unit) for x in find_quantities(text)]
    assert got == [(31, "per_10k_people"), (9, "per_10k_people"), (14, "per_10k_people"),
                   (38, "per_10k_people")]


def test_denominator_is_not_a_value():
    values = [x.value_low for x in find_quantities("số giường bệnh trên 10.000 người dân là 41 giường")]
    assert values == [41]


def test_more_than_ten_thousand_people_is_a_value():
    got = q("hỗ trợ đào tạo nghề cho trên 10.000 người dân nông thôn")
    assert (got.value_low, got.unit, got.comparator) == (10000, "persons", "at_least")


def test_range_keeps_both_ends_and_khoang_is_flagged():
    got = q("tỷ trọng lao động qua đào tạo có chứng chỉ đạt khoảng 30-32%")
    assert (got.value_low, got.value_high, got.comparator) == (30, 32, "range")
    assert "about_range" in got.flags


def test_from_to_is_a_starting_value_not_a_bound():
    qs = find_quantities("tăng tỷ lệ từ 30% năm 2020 lên 45% năm 2025")
    assert [(x.value_low, x.comparator) for x in qs] == [(30, "exact"), (45, "exact")]
    assert "from_value" in qs[0].flags


def test_tro_len_of_another_phrase_is_not_a_bound():
    assert q("80% cơ sở có giường bệnh xếp loại từ khá trở lên").comparator == "exact"


def test_offsets_point_at_the_text():
    text = "Đến năm 2030, tỷ trọng khu vực dịch vụ trong GRDP đạt khoảng 38%."
    got = q(text)
    assert text[got.num_start:got.num_end] == "38"
    assert text[got.start:got.end] == "khoảng 38%"


def test_tone_placement_does_not_matter():
    assert fold_key("hoá") == fold_key("hóa") and fold_key("Thuỷ") == fold_key("thủy")
    assert len(fold_key("KHOẢNG Hoà Bình")) == len("KHOẢNG Hoà Bình")
    assert q("khoảng 12%").comparator == q("khoẢng 12%").comparator == "about"


# ---------------------------------------------------------------------------------------- negatives
@pytest.mark.parametrize("sentence", [
    "Thực hiện Quyết định số 531/QĐ-TTg ngày 01/4/2021 của Thủ tướng Chính phủ.",
    "Căn cứ Nghị định số 45/2019/NĐ-CP và Nghị quyết số 09-NQ/TU ngày 23 tháng 12 năm 2022.",
    "Hậu Giang, ngày 15 tháng 8 năm 2024",
    "Điều 3. Quyết định này có hiệu lực kể từ ngày ký.",
    "Khoản 2 Điều 5 của Luật Du lịch năm 2017",
    "Nâng cấp Quốc lộ 1A, các tuyến QL24, 24B, 24C và đường tỉnh ĐT.623.",
    "Liên hệ đường dây nóng 0258.3822.123 hoặc 1900 6192.",
    "giai đoạn 2021 - 2025, tầm nhìn đến năm 2050",
    "thời kỳ 2030 - 2050",
    "Ứng dụng công nghệ 4.0, mạng 4G/5G và chính quyền điện tử phiên bản 2.0.",
    "trẻ em dưới 5 tuổi và người trên 60 tuổi",
    "phát triển khách sạn 5 sao",
    "báo cáo trước ngày 15/12 hằng năm",
    "Lưu: VT, KT (05).",
    "phòng chống dịch Covid-19 và cách mạng công nghiệp lần thứ 4",
    "Chương trình 135 và Nghị quyết Trung ương 6 (khóa XI)",
    "trình độ chuyên môn theo 3 cấp",
])
def test_no_quantity(sentence):
    refs = find_time_refs(sentence)
    assert find_quantities(sentence, skip=[(r.start, r.end) for r in refs]) == []


@pytest.mark.parametrize("sentence", [
    "Tập trung phát triển 03 sản phẩm du lịch chủ lực của tỉnh, gồm: du lịch biển, du lịch sinh thái và "
    "du lịch văn hóa.",
    "Thực hiện 5 nhiệm vụ trọng tâm sau: (1) cải cách thủ tục; (2) phát triển hạ tầng.",
    "Hình thành 4 trung tâm thương mại như: Vincom, Aeon, Go! và Lotte.",
])
def test_list_counts_are_not_candidates(sentence):
    assert extract_candidates(sentence) == []


def test_decision_numbers_dates_and_roads_are_not_candidates():
    text = ("Căn cứ Quyết định số 1588/QĐ-TTg ngày 08 tháng 12 năm 2023 của Thủ tướng Chính phủ;\n"
            "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch số 117/KH-UBND.\n"
            "- Nâng cấp QL45, QL47 và đường ĐT.741 (Điều 12, khoản 3).\n"
            "Các sở báo cáo trước ngày 30/11 hằng năm; điện thoại 0236.3822.456.\n")
    assert extract_candidates(text) == []


# ---------------------------------------------------------------------------------------- periods
@pytest.mark.parametrize("sentence, kind, year, start", [
    ("giai đoạn 2021 - 2025", "period", 2025, 2021),
    ("giai đoạn 2021-2025", "period", 2025, 2021),
    ("thời kỳ 2030 - 2050", "period", 2050, 2030),
    ("trong giai đoạn 2026–2030", "period", 2030, 2026),
    ("từ năm 2021 đến năm 2025", "period", 2025, 2021),
    ("đến năm 2030", "until", 2030, None),
    ("Đến hết năm 2020", "until", 2020, None),
    ("năm 2025", "year", 2025, None),
    ("vào năm 2030", "year", 2030, None),
    ("tầm nhìn đến năm 2050", "vision", 2050, None),
])
def test_time_refs(sentence, kind, year, start):
    refs = find_time_refs(sentence)
    assert len(refs) == 1
    assert (refs[0].kind, refs[0].year, refs[0].year_start) == (kind, year, start)


@pytest.mark.parametrize("sentence", [
    "ngày 15 tháng 8 năm 2024", "Quyết định số 1731/QĐ-UBND năm 2021", "ngày 01/4/2021",
    "Nghị quyết số 02/2022/NQ-HĐND", "tăng 10% so với năm 2020", "tháng 6/2021", "mã số 2025",
])
def test_not_time_refs(sentence):
    assert find_time_refs(sentence) == []


def test_rates_per_year_get_a_period_and_levels_a_year():
    text = ("I. MỤC TIÊU\n- Tốc độ tăng trưởng khu vực dịch vụ giai đoạn 2021 - 2025 đạt 8,9%/năm; "
            "giai đoạn 2026 - 2030 đạt khoảng 8,5%/năm; tỷ trọng khu vực dịch vụ trong GRDP đạt ở mức 33,3% "
            "vào năm 2030.\n")
    rows = [(c.value_low, c.unit, c.period_start, c.period_end, c.target_year, c.comparator, c.indicator)
            for c in extract_candidates(text)]
    assert rows == [
        (8.9, "pct_per_year", 2021, 2025, 2025, "exact", "services_growth"),
        (8.5, "pct_per_year", 2026, 2030, 2030, "about", "services_growth"),
        (33.3, "pct", None, None, 2030, "exact", "services_share_grdp"),
    ]


def test_average_per_year_without_a_period_uses_the_plan_period():
    text = ("KẾ HOẠCH PHÁT TRIỂN DỊCH VỤ THỜI KỲ 2021 - 2030, TẦM NHÌN ĐẾN NĂM 2050\n"
            "I. MỤC TIÊU\n- Thu ngân sách nhà nước trên địa bàn tăng bình quân 15%/năm.\n")
    (c,) = extract_candidates(text)
    assert (c.period_start, c.period_end, c.target_year, c.year_basis) == (2021, 2030, 2030, "horizon")
    assert c.indicator == "budget_revenue_growth" and c.sector == "state_budget"


def test_year_from_the_same_bullet_and_from_a_heading():
    text = ("II. CHỈ TIÊU\na) Năm 2020\n- Tỷ lệ hồ sơ trực tuyến đạt 20%.\nb) Giai đoạn 2021-2025\n"
            "- Du lịch: Đến năm 2025 thu hút 1.200.000 lượt khách. Tổng thu từ khách du lịch đạt hơn 900 tỷ đồng.\n")
    got = [(c.value_low, c.target_year, c.year_basis) for c in extract_candidates(text)]
    assert got == [(20, 2020, "context"), (1200000, 2025, "stated"), (900, 2025, "context")]


def test_growth_or_share():
    text = ("- Tỷ trọng đóng góp của ngành logistics vào GRDP đạt 8-10%, với tốc độ tăng trưởng đạt 15-20%; "
            "sản lượng vận tải hành khách tăng từ 7% đến 9%.\n")
    units = [c.unit for c in extract_candidates(text)]
    assert units == ["pct", "pct_per_year", "pct_per_year"]


def test_khoang_applies_to_the_equivalents_in_a_list():
    text = "- Đến năm 2025, sản lượng vận tải khoảng 665,13 triệu tấn.km (tương đương 12,21 triệu tấn hàng hóa).\n"
    assert [c.comparator for c in extract_candidates(text)] == ["about", "about"]


def test_baseline_and_project_scale():
    text = ("KẾ HOẠCH SỐ 10/KH-UBND\nAn Bình, ngày 10 tháng 3 năm 2023\n"
            "- Năm 2021, khu vực dịch vụ chiếm 38,6% GRDP của tỉnh.\n"
            "- Hiện nay, toàn tỉnh có 9 siêu thị.\n"
            "- Xây dựng Trung tâm logistics An Bình với quy mô 35 ha.\n")
    got = [(c.value_low, c.kind, c.target_year) for c in extract_candidates(text)]
    assert got == [(38.6, "baseline", 2021), (9, "baseline", 2023), (35, "project_scale", None)]


# ---------------------------------------------------------------------------------------- cleaning
def test_clean_removes_boilerplate_and_keeps_text():
    raw = ("Từ khoá: Số Hiệu, Tiêu đề hoặc Nội dung ngắn gọn của Văn Bản...\nĐăng nhập\nĐang tải văn bản...\n"
           "Số hiệu: 12/KH-UBND Loại văn bản: Kế hoạch\nTrang chủ | Tìm kiếm | Đăng nhập\n"
           "I. MỤC TIÊU\nTỷ lệ lao động qua đào tạo đạt 80%.\nBạn Chưa Đăng Nhập Thành Viên!\n"
           "DMCA.com Protection Status\nIP: 18.221.12.61\n")
    cleaned = clean_text(raw)
    assert "Đăng nhập" not in cleaned and "DMCA" not in cleaned and "Số hiệu" not in cleaned
    assert "I. MỤC TIÊU\nTỷ lệ lao động qua đào tạo đạt 80%." in cleaned


def test_clean_counts_a_repeated_opening_once():
    opening = ("ỦY BAN NHÂN DÂN TỈNH NAM SƠN\nSố: 88/KH-UBND\nNam Sơn, ngày 12 tháng 6 năm 2022\n"
               "KẾ HOẠCH PHÁT TRIỂN CÁC NGÀNH DỊCH VỤ TỈNH NAM SƠN GIAI ĐOẠN 2022 - 2025\n"
               "Căn cứ Quyết định số 531/QĐ-TTg ngày 01/4/2021 của Thủ tướng Chính phủ về Chiến lược tổng thể.\n"
               "- Đến năm 2025, tỷ trọng khu vực dịch vụ chiếm khoảng 41% GRDP.\n")
    cleaned = clean_text(opening + opening + "II. NHIỆM VỤ\n")
    assert cleaned.count("khoảng 41% GRDP") == 1
    assert len(extract_candidates(opening + opening)) == 1


def test_clean_rejoins_hard_line_breaks():
    raw = ("I. MỤC TIÊU\n- Giai đoạn 2021 - 2025, tốc độ\ntăng trưởng khu vực dịch vụ đạt 7-7,5%. Tỷ trọng khu vực "
           "dịch vụ trong GRDP khoảng\n36,5-37% vào năm 2025.\n- Du lịch: Đến năm 2025, thu\nhút khoảng 971,8 "
           "ngàn lượt khách quốc tế.\n- Y tế: Đến năm 2025, đạt 31\ngiường bệnh, 9 bác sĩ trên 1 vạn dân.\n"
           "- Tài chính - ngân hàng: tỷ lệ nợ\nxấu dưới 3%.\n- Đào tạo nghề cho khoảng 10.000 người\nmỗi năm.\n")
    cleaned = clean_text(raw)
    assert "tốc độ tăng trưởng khu vực dịch vụ đạt 7-7,5%" in cleaned
    assert "GRDP khoảng 36,5-37% vào năm 2025" in cleaned
    assert "đạt 31 giường bệnh, 9 bác sĩ" in cleaned
    assert cleaned.count("\n- ") == 5


def test_clean_is_idempotent_nfc_and_only_changes_whitespace():
    raw = ("KẾ HOẠCH\nCƠ CẤU LẠI NGÀNH DỊCH VỤ ĐẾN\nNĂM 2025\nDu lịch:\tđạt  15\u00a0nghìn tỷ đồng\r\n"
           "Thanh Hoa\u0301\n")          # a decomposed "á"
    cleaned = clean_text(raw)
    assert clean_text(cleaned) == cleaned
    assert "Thanh Hoá" in cleaned
    assert fold_whitespace(cleaned) in fold_whitespace(raw.replace("Hoa\u0301", "Hoá"))


# ---------------------------------------------------------------------------------------- structure
def test_section_paths():
    text = clean_text(
        "I. QUAN ĐIỂM, MỤC TIÊU\n1. Mục tiêu\na) Mục tiêu tổng quát\nPhát triển nhanh.\nb) Mục tiêu cụ thể\n"
        "- Tỷ lệ A đạt 10%.\n+ Chi tiết B đạt 5%.\nb1) Năm 2020, tỷ lệ C đạt 3%.\nII. NHIỆM VỤ\n"
        "2. Đối với du lịch\n- Nội dung.\nĐiều 2. Tổ chức thực hiện\n1.1 |\nNhiệm vụ chủ yếu |\nPHỤ LỤC I\n1. Bảng\n"
        "TT | Chỉ tiêu | 2025 |\n1 | Tỷ lệ | 80% |\n")
    paths = {b.text[:12]: b.section for b in parse_structure(text)}
    assert paths["I. QUAN ĐIỂM"] == "I"
    assert paths["a) Mục tiêu "] == "I.1.a"
    assert paths["Phát triển n"] == "I.1.a"
    assert paths["- Tỷ lệ A đạ"] == "I.1.b.-"
    assert paths["+ Chi tiết B"] == "I.1.b.-.+"
    assert paths["b1) Năm 2020"] == "I.1.b.b1"
    assert paths["2. Đối với d"] == "II.2"
    assert paths["- Nội dung."] == "II.2.-"
    assert paths["Điều 2. Tổ c"] == "Điều 2"
    assert paths["1.1 |"] == "Điều 2.1.1"
    assert paths["Nhiệm vụ chủ"] == "Điều 2.1.1"
    assert paths["PHỤ LỤC I"] == "Phụ lục I"
    rows = [b for b in parse_structure(text) if b.kind == "table_row"]
    assert len(rows) == 2 and all(b.section == "Phụ lục I.1" for b in rows)
    assert len(rows[1].cells) == 3


def test_candidate_section_and_citation_offsets():
    text = ("I. MỤC TIÊU\n2. Mục tiêu cụ thể\nb) Các ngành\n- Ngân hàng: Huy động vốn tăng trưởng bình quân "
            "8 - 9%/năm, dư nợ tín dụng tăng trưởng bình quân 5 - 6%/năm.\n")
    cands = extract_candidates(text)
    cleaned = clean_text(text)
    assert [c.section for c in cands] == ["I.2.b.-", "I.2.b.-"]
    assert [c.indicator for c in cands] == ["deposit_growth", "credit_growth"]
    for c in cands:
        assert cleaned[c.start:c.end] == c.matched_text
        assert fold_whitespace(cleaned[c.cite_start:c.cite_end]) == c.citation
        assert c.cite_start <= c.start < c.end <= c.cite_end and len(c.citation) <= 200


def test_eligibility_criteria_of_incentives_are_not_candidates():
    text = ("- Khuyến khích phát triển bệnh viện đa khoa tư nhân với quy mô từ 50 giường trở lên; "
            "phòng khám đa khoa có từ 8-10 giường trở lên.\n"
            "- Xây dựng Bệnh viện Sản Nhi tỉnh với quy mô 300 giường bệnh.\n")
    got = [(c.value_low, c.unit, c.kind) for c in extract_candidates(text)]
    assert got == [(300, "beds", "project_scale")]


@pytest.mark.parametrize("sentence, unit", [
    ("Doanh thu dịch vụ lưu trú tăng 20% so với năm 2020.", "pct"),
    ("phấn đấu tỷ lệ hài lòng của người dân hàng năm trên 85%.", "pct"),
    ("xuất khẩu tăng 12%/năm.", "pct_per_year"),
    ("Doanh thu dịch vụ lưu trú tăng 20%.", "pct_per_year"),
])
def test_rate_or_share_of_an_increase(sentence, unit):
    (c,) = extract_candidates(sentence)
    assert c.unit == unit


def test_bound_carried_along_a_parallel_list():
    text = ("- Tối thiểu 80% hồ sơ công việc tại cấp tỉnh, 60% hồ sơ công việc tại cấp huyện và 30% hồ sơ công việc "
            "tại cấp xã được xử lý trên môi trường mạng; trên 97% trẻ em dưới 1 tuổi được tiêm chủng đầy đủ, "
            "90% dân số tham gia bảo hiểm y tế.\n")
    got = [(c.value_low, c.comparator, c.indicator) for c in extract_candidates(text)]
    assert got == [(80, "at_least", "work_files_online_provincial_share"),
                   (60, "at_least", "work_files_online_district_share"),
                   (30, "at_least", "work_files_online_commune_share"),
                   (97, "at_least", "infant_full_immunisation_share"),
                   (90, "exact", "health_insurance_coverage")]


def test_indicator_rules_agree_with_the_reference_table():
    """Rule keys that exist in data/indicators.csv use that indicator's unit and sector."""
    import csv
    from etl import config
    from etl.extract.rules import INDICATOR_RULES
    path = config.data_dir() / "indicators.csv"
    if not path.is_file():
        pytest.skip("no data/indicators.csv")
    ref = {r["indicator_key"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    units = {r["unit_key"] for r in csv.DictReader((config.data_dir() / "units.csv").open(encoding="utf-8"))}
    sectors = {r["sector_key"] for r in csv.DictReader((config.data_dir() / "sectors.csv").open(encoding="utf-8"))}
    for rule in INDICATOR_RULES:
        assert rule.sector in sectors, rule
        if rule.indicator in ref:
            assert ref[rule.indicator]["unit_key"] in rule.units or ref[rule.indicator]["unit_key"] not in units, rule
            assert ref[rule.indicator]["sector_key"] == rule.sector, rule
