"""Quality of the candidate-target extractor against the curated targets.

    python bench/extract_quality.py [--sources DIR] [--verbose] [--json]

For every document of data/documents.csv that has a source text and a curated data/targets/<id>.csv, the
extractor runs on the source and is compared with the curated rows:

* recall    = curated rows for which a candidate has the same value (low and high), unit and target year;
* precision = candidates that match a curated row (target, baseline or project scale) the same way.

A looser figure ignoring the year ("value+unit") is printed alongside. Sources: --sources, else
$DV2030_SOURCES_DIR, else ../shared/seeds next to the repository. The curated files may be incomplete
while curators work: re-run later.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from etl.extract import extract_document  # noqa: E402


def _num(s: str) -> float | None:
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def _year(v) -> int | None:
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def same_value(cand, row, with_year: bool = True) -> bool:
    return (_close(cand["value_low"], row["value_low"]) and _close(cand["value_high"], row["value_high"])
            and cand["unit"] == row["unit"] and (not with_year or cand["target_year"] == row["target_year"]))


def _overlap(a: str, b: str) -> float:
    """Word overlap of two citations (pairs a curated row with the candidate quoting the same clause)."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def sources_dir(arg: str | None) -> Path | None:
    for candidate in (arg, os.environ.get("DV2030_SOURCES_DIR", "").strip() or None,
                      str(ROOT.parent / "shared" / "seeds")):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def documents(data_dir: Path) -> list[tuple[str, str]]:
    """(document_id, source_file) for documents with a source and curated targets."""
    path = data_dir / "documents.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            src = (row.get("source_file") or "").strip()
            if src and (data_dir / "targets" / f"{row['document_id']}.csv").is_file():
                out.append((row["document_id"], src))
    return out


def curated_rows(data_dir: Path, doc_id: str) -> list[dict]:
    with (data_dir / "targets" / f"{doc_id}.csv").open(encoding="utf-8", newline="") as f:
        return [{"value_low": _num(r["value_low"]), "value_high": _num(r["value_high"]), "unit": r["unit_key"],
                 "target_year": _year(r["target_year"]), "kind": r["kind"], "id": r["target_id"],
                 "indicator": r["indicator_key"], "sector": r["sector_key"], "comparator": r["comparator"],
                 "citation": r["citation"]} for r in csv.DictReader(f)]


def evaluate(doc_id: str, source: Path, data_dir: Path) -> dict:
    result = extract_document(source)
    cands = [{"value_low": c.value_low, "value_high": c.value_high, "unit": c.unit,
              "target_year": c.target_year, "citation": c.citation, "indicator": c.indicator,
              "sector": c.sector, "kind": c.kind, "comparator": c.comparator,
              "confidence": c.confidence} for c in result.candidates]
    rows = curated_rows(data_dir, doc_id)
    found = [r for r in rows if any(same_value(c, r) for c in cands)]
    found_loose = [r for r in rows if any(same_value(c, r, False) for c in cands)]
    good = [c for c in cands if any(same_value(c, r) for r in rows)]
    good_loose = [c for c in cands if any(same_value(c, r, False) for r in rows)]
    # Agreement of the guesses on matched pairs (first matching candidate of each curated row).
    pairs = [(r, max((c for c in cands if same_value(c, r)), key=lambda c: _overlap(c["citation"], r["citation"])))
             for r in found]
    agree = {f: (sum(1 for r, c in pairs if r[f] == c[f]), len(pairs)) for f in ("sector", "indicator", "kind",
                                                                                  "comparator")}
    return {
        "document_id": doc_id, "curated": len(rows), "candidates": len(cands), "agreement": agree,
        "found": len(found), "matching_candidates": len(good),
        "recall": len(found) / len(rows) if rows else None,
        "precision": len(good) / len(cands) if cands else None,
        "recall_value_unit": len(found_loose) / len(rows) if rows else None,
        "precision_value_unit": len(good_loose) / len(cands) if cands else None,
        "missed": [r for r in rows if r not in found],
        "pairs": pairs,
        "unmatched": [c for c in cands if c not in good],
    }


def _pct(x) -> str:
    return "   —  " if x is None else f"{100 * x:5.1f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", help="folder with the source texts (default: $DV2030_SOURCES_DIR)")
    ap.add_argument("--data", default=str(ROOT / "data"), help="data folder (default: data/)")
    ap.add_argument("--verbose", "-v", action="store_true", help="list missed rows and unmatched candidates")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--min-recall", type=float, help="exit 1 if the total recall is lower (0-1)")
    ap.add_argument("--min-precision", type=float, help="exit 1 if the total precision is lower (0-1)")
    args = ap.parse_args(argv)
    src = sources_dir(args.sources)
    if src is None:
        print("No sources folder: pass --sources or set DV2030_SOURCES_DIR.", file=sys.stderr)
        return 2
    data_dir = Path(args.data)
    results = []
    for doc_id, name in documents(data_dir):
        path = src / name
        if not path.is_file():
            print(f"{doc_id}: source {name} not found in {src}; skipped", file=sys.stderr)
            continue
        results.append(evaluate(doc_id, path, data_dir))
    tot_rows = sum(r["curated"] for r in results)
    tot_found = sum(r["found"] for r in results)
    tot_cands = sum(r["candidates"] for r in results)
    tot_good = sum(r["matching_candidates"] for r in results)
    totals = {"curated": tot_rows, "found": tot_found, "candidates": tot_cands, "matching_candidates": tot_good,
              "recall": tot_found / tot_rows if tot_rows else None,
              "precision": tot_good / tot_cands if tot_cands else None}
    if args.json:
        print(json.dumps({"documents": [{k: v for k, v in r.items() if k not in ("missed", "unmatched", "pairs")}
                                        for r in results], "total": totals}, indent=2, ensure_ascii=False))
    else:
        print(f"{'document':<16} {'curated':>7} {'found':>5} {'recall':>7}   {'cands':>5} {'match':>5} "
              f"{'precision':>9}   (value+unit: recall / precision)")
        for r in results:
            print(f"{r['document_id']:<16} {r['curated']:>7} {r['found']:>5} {_pct(r['recall']):>7}   "
                  f"{r['candidates']:>5} {r['matching_candidates']:>5} {_pct(r['precision']):>9}   "
                  f"({_pct(r['recall_value_unit'])} / {_pct(r['precision_value_unit'])})")
        print(f"{'TOTAL':<16} {tot_rows:>7} {tot_found:>5} {_pct(totals['recall']):>7}   {tot_cands:>5} "
              f"{tot_good:>5} {_pct(totals['precision']):>9}")
        fields = ("sector", "indicator", "kind", "comparator")
        agree = {f: [sum(r["agreement"][f][i] for r in results) for i in (0, 1)] for f in fields}
        print("guesses agreeing with the curators on the found rows: " + ", ".join(
            f"{f} {_pct(a / n if n else None).strip()}" for f, (a, n) in agree.items()))
        if args.verbose:
            for r in results:
                if r["missed"]:
                    print(f"\n{r['document_id']} — curated rows not found:")
                    for m in r["missed"]:
                        print(f"  {m['id']}: {m['value_low']}–{m['value_high']} {m['unit']} {m['target_year']} "
                              f"[{m['indicator']}] {m['citation'][:100]}")
                dis = [(row, c) for row, c in r["pairs"] if row["sector"] != c["sector"] or
                       row["comparator"] != c["comparator"]]
                if dis:
                    print(f"\n{r['document_id']} — sector or comparator guess differs from the curators':")
                    for row, c in dis:
                        print(f"  {row['id']}: sector {row['sector']} / {c['sector']}, comparator "
                              f"{row['comparator']} / {c['comparator']}, indicator {row['indicator']} / "
                              f"{c['indicator'] or '—'}")
                if r["unmatched"]:
                    print(f"\n{r['document_id']} — candidates matching no curated row:")
                    for c in r["unmatched"]:
                        print(f"  {c['value_low']}–{c['value_high']} {c['unit']} {c['target_year']} "
                              f"[{c['indicator']}] ({c['confidence']}) {c['citation'][:110]}")
    if args.min_recall is not None and (totals["recall"] or 0) < args.min_recall:
        return 1
    if args.min_precision is not None and (totals["precision"] or 0) < args.min_precision:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
