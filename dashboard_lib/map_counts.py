"""The counts sentence under the province map: how many units of the view fall in each status (pure: neither
Streamlit nor Plotly).

Every status the map draws is counted, so the parts always add up to the view's units (the sentence once left
out the reviewed gaps and said 28 + 0 + 0 'of 34'). Statuses with no unit are left out, except the coloured one.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .i18n import t

# The order of the parts: coloured first, then the greys as the legend lists them.
ORDER = ("value", "no_benchmark", "not_assessable", "no_value", "not_found", "no_plan")


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    """{status: number of units} in ORDER, every status present (0 when none); an unknown status raises, so that a
    new grey cannot go uncounted."""
    counted = Counter(statuses)
    unknown = set(counted) - set(ORDER)
    if unknown:
        raise ValueError(f"status not counted in the map's sentence: {sorted(unknown)}")
    return {status: int(counted.get(status, 0)) for status in ORDER}


def counts_sentence(statuses: Iterable[str], mode: str, lang: str,
                    gap_names: Iterable[str] = ()) -> str:
    """'28 tỉnh có giá trị, 6 tỉnh chưa tìm thấy mục tiêu đã thông qua (đã rà soát: …), trong tổng số 34 tỉnh.'

    mode: what 'coloured' means (a value, a difference from the national target, a progress verdict).
    gap_names: the provinces counted as reviewed gaps (not_found), named in the sentence."""
    statuses = list(statuses)
    counts = status_counts(statuses)
    names = ", ".join(gap_names)
    parts = []
    for status, n in counts.items():
        if n == 0 and status != "value":
            continue
        key = f"map.count.{status}.{mode}" if status == "value" else f"map.count.{status}"
        part = t(key, lang, n=n)
        if status == "not_found" and names:
            part = t("map.count.not_found.named", lang, n=n, names=names)
        parts.append(part)
    return t("map.count.sentence", lang, parts=", ".join(parts), total=len(statuses))
