"""Declarative keyword rules for the sector and indicator guesses.

Keywords are Vietnamese, written the usual way; they are compared with :func:`numbers.fold_key` of
the text (lower case, one tone placement), as whole words. The rules describe what the indicator IS
(its usual wording in any provincial plan), not sentences of particular documents.

``INDICATOR_RULES``: the first rule whose unit matches, whose every ``all_of`` group has a keyword in
the context and none of whose ``none_of`` keywords is present, wins. Order = most specific first.
Keys that are not (yet) in ``data/indicators.csv`` are guesses the reviewer can accept or change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .numbers import fold_key


@dataclass(frozen=True)
class IndicatorRule:
    indicator: str
    sector: str
    units: tuple[str, ...]
    all_of: tuple[tuple[str, ...], ...] = ()
    none_of: tuple[str, ...] = ()


def R(indicator, sector, units, *all_of, none=()):  # noqa: N802 - a compact table
    units = (units,) if isinstance(units, str) else tuple(units)
    return IndicatorRule(indicator, sector, units, tuple(tuple(g) if isinstance(g, (tuple, list)) else (g,)
                                                         for g in all_of), tuple(none))


PCT, RATE = "pct", "pct_per_year"
_NOT_SERVICES_TOTAL = ("bán lẻ", "logistics", "vận tải", "du lịch", "tín dụng", "huy động", "xuất khẩu",
                       "nhập khẩu", "ngân sách", "thương mại điện tử", "viễn thông", "bưu chính", "dư nợ",
                       "lưu chuyển", "doanh thu", "kinh tế số", "y tế", "giáo dục")

INDICATOR_RULES: list[IndicatorRule] = [
    # --- trade and distribution
    R("retail_sales_growth", "trade_distribution", RATE, ("bán lẻ", "lưu chuyển hàng hóa", "tiêu dùng")),
    R("retail_sales", "trade_distribution", "billion_vnd", ("bán lẻ", "lưu chuyển hàng hóa", "tiêu dùng")),
    R("modern_retail_share", "trade_distribution", PCT, ("bán lẻ",), ("hiện đại", "siêu thị")),
    R("ecommerce_retail_share", "trade_distribution", PCT, ("thương mại điện tử",), ("bán lẻ", "doanh thu")),
    R("ecommerce_growth", "trade_distribution", RATE, ("thương mại điện tử",)),
    R("domestic_trade_share_grdp", "trade_distribution", PCT, ("thương mại",), ("grdp", "gdp")),
    R("tourism_export_value", "tourism", ("million_usd", "usd"), ("xuất khẩu",), ("du lịch",)),
    R("export_import_growth", "trade_distribution", RATE, ("xuất",), ("nhập khẩu",)),
    R("export_growth", "trade_distribution", RATE, ("xuất khẩu",)),
    R("export_value", "trade_distribution", ("million_usd", "usd"), ("xuất khẩu",)),
    R("supermarkets_count", "trade_distribution", "count", ("siêu thị", "trung tâm thương mại")),
    R("markets_count", "trade_distribution", "count", ("chợ",)),
    # --- tourism
    R("tourism_international_visitors", "tourism", "visitor_arrivals", ("quốc tế", "nước ngoài")),
    R("tourism_domestic_visitors", "tourism", "visitor_arrivals", ("nội địa", "trong nước")),
    R("tourism_visitors", "tourism", "visitor_arrivals"),
    R("tourism_visitor_days", "tourism", "visitor_days"),
    R("tourism_visitors_growth", "tourism", RATE, ("khách", "du khách"), none=("hành khách",)),
    R("tourism_revenue_growth", "tourism", RATE, ("thu",), ("du lịch", "khách")),
    R("tourism_accommodation_travel_revenue", "tourism", "billion_vnd", ("lưu trú", "lữ hành")),
    R("tourism_revenue", "tourism", "billion_vnd", ("thu",), ("du lịch", "khách")),
    R("tourism_share_grdp", "tourism", PCT, ("du lịch",), ("grdp", "gdp")),
    R("tourism_jobs", "tourism", "persons", ("việc làm", "lao động"), ("du lịch",)),
    R("hotel_rooms", "tourism", "rooms"),
    # --- finance and banking
    R("deposit_growth", "finance_banking", RATE, ("huy động",)),
    R("credit_growth", "finance_banking", RATE, ("dư nợ", "tín dụng", "cho vay"), none=("nợ xấu",)),
    R("npl_ratio", "finance_banking", PCT, ("nợ xấu",)),
    R("bank_non_credit_income_share", "finance_banking", PCT, ("phi tín dụng",)),
    R("non_cash_payment_share", "finance_banking", PCT, ("không dùng tiền mặt", "thanh toán điện tử")),
    R("bank_account_share", "finance_banking", PCT, ("tài khoản",)),
    # --- state budget
    R("budget_revenue_growth", "state_budget", RATE, ("ngân sách", "thu nội địa")),
    R("budget_revenue", "state_budget", "billion_vnd", ("thu ngân sách", "thu nội địa", "ngân sách")),
    R("local_revenue_recurrent_spending_coverage", "state_budget", PCT, ("thu nội địa", "thu ngân sách"),
      ("chi thường xuyên",)),
    # --- ICT
    R("digital_economy_share_grdp", "ict", PCT, ("kinh tế số",)),
    R("telephone_subscribers_per_100", "ict", "per_100_people", ("điện thoại",)),
    R("internet_subscribers_per_100", "ict", "per_100_people", ("internet", "băng rộng")),
    R("mobile_5g_area_coverage", "ict", PCT, ("5g",), ("phủ sóng", "diện tích")),
    R("fibre_broadband_household_coverage", "ict", PCT, ("cáp quang", "băng rộng"), ("hộ",)),
    R("internet_users_share", "ict", PCT, ("internet",)),
    R("smartphone_users_share", "ict", PCT, ("điện thoại thông minh",)),
    R("postal_service_radius", "ict", "km", ("bán kính",)),
    R("smart_cities_count", "ict", "count", ("đô thị thông minh",)),
    R("communes_with_postal_service_point_share", "ict", PCT, ("bưu chính", "bưu điện")),
    R("fibre_broadband_commune_coverage", "ict", PCT, ("cáp quang", "băng rộng"), ("xã",)),
    R("commune_radio_ict_conversion_share", "ict", PCT, ("truyền thanh",)),
    # --- public administration
    R("online_services_national_portal_share", "public_admin", PCT, ("cổng dịch vụ công quốc gia",)),
    R("online_services_mobile_signature_share", "public_admin", PCT, ("chữ ký số",)),
    R("online_services_business_registry_data_share", "public_admin", PCT, ("đăng ký doanh nghiệp",)),
    R("online_services_electronic_dossier_share", "public_admin", PCT, ("dịch vụ công trực tuyến",),
      ("hồ sơ điện tử",)),
    R("citizen_data_autofill_share", "public_admin", PCT, ("tự động",), ("biểu mẫu", "nhập")),
    R("e_id_authenticated_users_share", "public_admin", PCT, ("định danh",)),
    R("online_transactions_e_authenticated_share", "public_admin", PCT, ("giao dịch",), ("xác thực",)),
    R("one_stop_electronic_dossiers_share", "public_admin", PCT, ("một cửa điện tử",), ("hồ sơ",)),
    R("work_files_online_provincial_share", "public_admin", PCT, ("hồ sơ công việc",),
      ("cấp tỉnh", "cấp thành phố")),
    R("work_files_online_district_share", "public_admin", PCT, ("hồ sơ công việc",), ("cấp huyện",)),
    R("work_files_online_commune_share", "public_admin", PCT, ("hồ sơ công việc",), ("cấp xã",)),
    R("info_systems_data_platform_connected_share", "public_admin", PCT, ("hệ thống thông tin",),
      ("kết nối", "liên thông")),
    R("admin_procedures_online_level34_share", "public_admin", PCT, ("thủ tục hành chính",),
      ("dịch vụ công trực tuyến",)),
    R("online_public_services_share", "public_admin", PCT, ("dịch vụ công",), ("mức độ 4", "toàn trình")),
    R("online_dossiers_share", "public_admin", PCT, ("hồ sơ",), ("trực tuyến", "môi trường mạng", "điện tử")),
    R("public_admin_satisfaction_share", "public_admin", PCT, ("hài lòng",)),
    R("online_public_services_share", "public_admin", PCT, ("dịch vụ công trực tuyến",)),
    R("electronic_interagency_documents_share", "public_admin", PCT, ("văn bản",), ("điện tử",)),
    # --- health
    R("doctors_per_10k", "health", "per_10k_people", ("bác sĩ",)),
    R("hospital_beds_per_10k", "health", "per_10k_people", ("giường",)),
    R("health_insurance_coverage", "health", PCT, ("bảo hiểm y tế",)),
    R("infant_full_immunisation_share", "health", PCT, ("tiêm chủng",), ("trẻ em", "trẻ", "đầy đủ")),
    R("vaccine_preventable_disease_immunisation_share", "health", PCT, ("tiêm phòng", "tiêm chủng", "vắc xin")),
    R("under5_underweight_rate", "health", PCT, ("suy dinh dưỡng",)),
    R("inpatient_facilities_rated_good_share", "health", PCT, ("giường bệnh", "bệnh viện"), ("xếp loại",)),
    R("provincial_hospitals_modernised_count", "health", "count", ("bệnh viện",), ("tuyến tỉnh",)),
    R("district_hospitals_upgraded_to_regional_count", "health", "count", ("bệnh viện",), ("khu vực",)),
    R("communes_meeting_health_criteria_share", "health", PCT, ("tiêu chí",), ("y tế",)),
    R("commune_health_stations_with_doctor_share", "health", PCT, ("trạm y tế",), ("bác sĩ",)),
    R("health_facility_beds", "health", "beds", ("bệnh viện", "trung tâm y tế", "cơ sở", "phòng khám")),
    R("hospitals_count", "health", "count", ("bệnh viện",)),
    # --- education and labour
    R("services_trained_labour_certified_share", "education_labour", PCT, ("đào tạo",),
      ("chứng chỉ", "bằng cấp"), ("dịch vụ",)),
    R("trained_labour_certified_share", "education_labour", PCT, ("đào tạo",), ("chứng chỉ", "bằng cấp")),
    R("services_trained_labour_share", "education_labour", PCT, ("lao động",), ("đào tạo",), ("dịch vụ",)),
    R("tourism_trained_workers_share", "tourism", PCT, ("lao động",), ("đào tạo", "tập huấn"), ("du lịch",)),
    R("vocational_trainees_intermediate_college_share", "education_labour", PCT, ("trung cấp", "cao đẳng")),
    R("vocational_trainees_key_occupations_share", "education_labour", PCT, ("nghề trọng điểm",)),
    R("trained_labour_share", "education_labour", PCT, ("lao động",), ("qua đào tạo",)),
    R("vocational_graduates_employment_share", "education_labour", PCT, ("việc làm",),
      ("đào tạo", "học", "tốt nghiệp")),
    R("vocational_trainees", "education_labour", "persons", ("đào tạo", "tuyển sinh")),
    R("agriculture_labour_share", "education_labour", PCT, ("lao động",), ("nông nghiệp", "nông, lâm",
                                                                            "nông lâm")),
    R("services_labour_share", "services", PCT, ("lao động",), ("dịch vụ",)),
    R("jobs_created", "education_labour", "persons", ("việc làm",)),
    # --- logistics and transport
    R("freight_tonne_km", "logistics_transport", "tonne_km"),
    R("passenger_km", "logistics_transport", "passenger_km"),
    R("freight_volume", "logistics_transport", "tonnes"),
    R("passenger_volume", "logistics_transport", "passengers"),
    R("container_throughput", "logistics_transport", "teu"),
    R("logistics_cost_share_grdp", "logistics_transport", PCT, ("chi phí logistics",)),
    R("logistics_outsourcing_share", "logistics_transport", PCT, ("thuê ngoài",)),
    R("logistics_share_grdp", "logistics_transport", PCT, ("logistics",), ("grdp", "gdp"), none=("chi phí",)),
    R("logistics_services_growth", "logistics_transport", RATE, ("logistics",)),
    R("new_logistics_centres_cargo_share", "logistics_transport", PCT, ("trung tâm logistics",), ("mới",),
      ("đảm nhận", "hàng hóa")),
    R("existing_logistics_centres_cargo_share", "logistics_transport", PCT, ("logistics",),
      ("đang khai thác", "hiện có", "hiện hữu"), ("đảm nhận", "hàng hóa")),
    R("logistics_centre_area", "logistics_transport", "hectares", ("logistics", "kho bãi", "cảng cạn")),
    R("national_class1_logistics_centres", "logistics_transport", "count", ("logistics",),
      ("hạng i", "cấp quốc gia")),
    R("logistics_centres_count", "logistics_transport", "count", ("trung tâm logistics", "logistics")),
    R("passenger_volume_growth", "logistics_transport", RATE, ("hành khách",)),
    R("freight_volume_growth", "logistics_transport", RATE, ("hàng hóa", "hàng hoá"),
      ("vận tải", "vận chuyển", "sản lượng", "khối lượng", "luân chuyển")),
    # --- science and technology
    R("tfp_contribution_growth", "science_technology", PCT, ("tfp", "năng suất các nhân tố")),
    R("high_tech_products_share_industrial_output", "science_technology", PCT, ("công nghệ cao",),
      ("giá trị",)),
    R("rd_spending_share_grdp", "science_technology", PCT, ("nghiên cứu", "khoa học"), ("chi",)),
    # --- enterprises and rankings
    R("active_enterprises_increase", "enterprises", "enterprises", ("tăng", "thêm", "thành lập mới")),
    R("enterprises_count", "enterprises", "enterprises"),
    R("pci_rank", "enterprises", ("rank", "points"), ("pci", "năng lực cạnh tranh cấp tỉnh")),
    R("par_index_rank", "public_admin", ("rank", "points"), ("par index", "cải cách hành chính")),
    R("papi_rank", "public_admin", ("rank", "points"), ("papi",)),
    R("sipas_score", "public_admin", ("rank", "points", "pct"), ("sipas",)),
    # --- services as a whole and the economy
    R("services_share_grdp", "services", PCT, ("dịch vụ",), ("grdp", "gdp", "cơ cấu"),
      none=_NOT_SERVICES_TOTAL + ("lao động",)),
    R("services_growth", "services", RATE, ("dịch vụ",), ("tăng trưởng", "tăng"), none=_NOT_SERVICES_TOTAL),
    R("grdp_growth", "economy", RATE, ("grdp", "gdp", "tổng sản phẩm", "kinh tế"), ("tăng",)),
    R("grdp_per_capita", "economy", ("million_vnd", "usd", "billion_vnd"), ("đầu người",)),
]

# The growth rate of a level: "tổng thu … đạt 12.000 tỷ đồng, tốc độ tăng trưởng bình quân 15%/năm".
GROWTH_OF = {
    "tourism_revenue": "tourism_revenue_growth", "tourism_visitors": "tourism_visitors_growth",
    "tourism_international_visitors": "tourism_visitors_growth",
    "tourism_domestic_visitors": "tourism_visitors_growth", "retail_sales": "retail_sales_growth",
    "export_value": "export_growth", "budget_revenue": "budget_revenue_growth",
    "freight_volume": "freight_volume_growth", "freight_tonne_km": "freight_volume_growth",
    "passenger_volume": "passenger_volume_growth", "passenger_km": "passenger_volume_growth",
}
RULES_BY_KEY = {}

# Sector keywords, used for text near the value and, failing that, the block label and headings.
SECTOR_KEYWORDS: dict[str, tuple[str, ...]] = {
    "finance_banking": ("tài chính - ngân hàng", "tài chính ngân hàng", "ngân hàng", "tín dụng", "huy động vốn",
                        "dư nợ", "nợ xấu", "chứng khoán", "bảo hiểm thương mại", "thanh toán",
                        "không dùng tiền mặt", "tài chính"),
    "ict": ("công nghệ thông tin", "truyền thông", "viễn thông", "internet", "băng rộng", "di động",
            "bưu chính", "chuyển đổi số", "kinh tế số", "thuê bao", "4g", "5g", "cntt", "hạ tầng số"),
    "trade_distribution": ("phân phối", "bán lẻ", "bán buôn", "thương mại", "siêu thị", "chợ",
                           "xuất khẩu", "nhập khẩu", "tiêu dùng"),
    "education_labour": ("giáo dục", "đào tạo", "lao động", "việc làm", "dạy nghề", "giáo dục nghề nghiệp",
                         "học sinh", "sinh viên", "trường học", "trường đạt chuẩn", "mầm non", "tiểu học",
                         "trung học", "phổ thông", "đại học", "cao đẳng"),
    "logistics_transport": ("logistics", "vận tải", "vận chuyển", "kho bãi", "cảng", "hành khách",
                            "giao thông"),
    "science_technology": ("khoa học", "đổi mới sáng tạo", "tfp", "nghiên cứu", "chuyển giao công nghệ",
                           "sở hữu trí tuệ", "công nghệ cao"),
    "tourism": ("du lịch", "lượt khách", "du khách", "lưu trú", "khách sạn", "lữ hành"),
    "health": ("y tế", "bệnh viện", "bác sĩ", "giường bệnh", "khám chữa bệnh", "khám, chữa bệnh",
               "tiêm chủng", "sức khỏe", "dân số", "y học"),
    "public_admin": ("hành chính", "dịch vụ công", "chính quyền điện tử", "chính quyền số", "thủ tục",
                     "một cửa", "hồ sơ", "par index", "sipas", "papi"),
    "state_budget": ("ngân sách", "thu nội địa", "thuế"),
    "enterprises": ("doanh nghiệp", "hợp tác xã", "khởi nghiệp", "năng lực cạnh tranh cấp tỉnh",
                    "môi trường kinh doanh"),
    "economy": ("grdp", "gdp", "tổng sản phẩm", "kinh tế - xã hội", "thu nhập bình quân"),
    "services": ("khu vực dịch vụ", "ngành dịch vụ", "các ngành dịch vụ"),
}

# Words that say the value is a current/achieved one, not a goal.
BASELINE_WORDS = ("hiện nay", "hiện có", "hiện tại", "đã đạt", "đạt được", "ước đạt", "ước thực hiện",
                  "ước tính", "năm trước", "thực hiện năm", "kết quả", "đã có", "đã xây dựng", "đã hoàn thành")
PROJECT_WORDS = ("quy mô", "diện tích", "công suất", "tổng mức đầu tư", "sức chứa")
# "vốn đầu tư" is a project's size only when a project is named ("dự án … tổng vốn đầu tư 500 tỷ đồng").
PROJECT_INVESTMENT_WORDS = ("vốn đầu tư", "tổng vốn")
# Words after which a percentage is a growth rate …
GROWTH_WORDS = ("tốc độ tăng", "tăng trưởng", "tăng bình quân", "bình quân hàng năm", "bình quân hằng năm")
# … unless one of these is closer to the number.
SHARE_WORDS = ("tỷ trọng", "tỷ lệ", "chiếm", "cơ cấu", "đóng góp", "phủ sóng", "bao phủ", "hài lòng",
               "mật độ", "giảm", "so với", "trên tổng", "tỷ suất")
# Words saying a figure is the country's, quoted by the plan (a national target is not the province's).
NATIONAL_WORDS = ("cả nước", "toàn quốc", "của việt nam", "chiến lược quốc gia", "bình quân chung cả nước")
# Words of an incentive: "khuyến khích … cơ sở có từ 30 giường trở lên" states an eligibility criterion.
INCENTIVE_WORDS = ("khuyến khích", "ưu đãi", "ưu tiên", "hỗ trợ")
# Words that make a count a list of items, not a target ("03 sản phẩm du lịch, gồm: …").
LIST_WORDS = ("gồm", "bao gồm", "như:", "là:", "sau:", "(i)", "(1)", "1)", "a)")


@lru_cache(maxsize=None)
def _kw_regex(word: str) -> re.Pattern:
    w = re.escape(fold_key(word))
    return re.compile(r"(?<![\wà-ỹđ])" + w + r"(?![\wà-ỹđ])")


def has_word(folded_text: str, word: str) -> bool:
    return bool(_kw_regex(word).search(folded_text))


def last_word_pos(folded_text: str, words) -> int:
    best = -1
    for w in words:
        for m in _kw_regex(w).finditer(folded_text):
            best = max(best, m.start())
    return best


def _distance(folded_text: str, words, anchor: tuple[int, int]) -> int | None:
    """Distance from the nearest occurrence of any of ``words`` to the span ``anchor``."""
    best = None
    for w in words:
        for m in _kw_regex(w).finditer(folded_text):
            d = anchor[0] - m.end() if m.end() <= anchor[0] else max(0, m.start() - anchor[1])
            best = d if best is None or d < best else best
    return best


def match_indicator(folded_context: str, unit: str,
                    anchor: tuple[int, int] | None = None) -> IndicatorRule | None:
    """The indicator rule for a value of ``unit`` described by ``folded_context``.

    Without ``anchor`` the first matching rule (table order) wins. With ``anchor`` (the value's span in
    the context) the rule whose keywords sit closest to the value wins, table order breaking ties, so
    "phát triển thương mại điện tử, xuất, nhập khẩu tăng trưởng 9%/năm" is about exports and imports.
    """
    best, best_score = None, None
    for order, rule in enumerate(INDICATOR_RULES):
        if unit not in rule.units:
            continue
        if any(has_word(folded_context, w) for w in rule.none_of):
            continue
        if not all(any(has_word(folded_context, w) for w in group) for group in rule.all_of):
            continue
        if anchor is None:
            return rule
        if rule.all_of:
            # the farthest required keyword decides; a rule asking for more keywords is more specific
            score = max(_distance(folded_context, group, anchor) for group in rule.all_of) \
                - 20 * (len(rule.all_of) - 1)
        else:
            score = 10 ** 6     # unit-only rules yield to any rule with keywords
        if best_score is None or score < best_score:
            best, best_score = rule, score
    return best


def match_sector(folded_context: str) -> str | None:
    """The sector with the most keyword occurrences (ties: the first listed)."""
    best, best_score = None, 0
    for sector, words in SECTOR_KEYWORDS.items():
        score = sum(len(_kw_regex(w).findall(folded_context)) for w in words)
        if score > best_score:
            best, best_score = sector, score
    return best


for _rule in INDICATOR_RULES:
    RULES_BY_KEY.setdefault(_rule.indicator, _rule)
