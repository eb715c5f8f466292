"""``python -m etl extract FILE [-o OUT.csv]``: candidate targets of a plan as a review CSV.

The CSV (UTF-8, comma separated) goes to standard output unless ``-o`` is given. Columns:
value_low, value_high, unit, comparator, period_start, period_end, target_year, year_basis, kind, sector,
indicator, citation, section, start, end, cite_start, cite_end, confidence, matched_text, note.
Offsets refer to the cleaned text (``--text OUT.txt`` writes it). Exit status: 0 on success, 2 when the
file is missing, unreadable or of an unsupported type (the reason is printed to standard error).
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from .extractor import CSV_COLUMNS, extract_document
from .text import SUPPORTED_EXTENSIONS, DocumentError


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m etl extract",
        description="Propose candidate targets (values, units, years, sector and indicator guesses, "
                    "verbatim citations) from a plan document: "
                    + ", ".join(sorted(SUPPORTED_EXTENSIONS)) + ".")
    ap.add_argument("file", help="the plan document")
    ap.add_argument("-o", "--output", help="write the CSV here instead of standard output")
    ap.add_argument("--min-confidence", type=float, default=0.0,
                    help="drop candidates below this confidence (0-1, default 0)")
    ap.add_argument("--text", help="also write the cleaned text (the offsets refer to it) to this file")
    ap.add_argument("--summary", action="store_true",
                    help="print the document metadata guesses and counts to standard error")
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["extract"]:
        argv = argv[1:]
    ap = _parser()
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:       # argparse already printed the message
        return 0 if exc.code == 0 else 2
    path = Path(args.file)
    if not path.exists():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    if path.is_dir():
        print(f"error: {path}: is a folder, not a document", file=sys.stderr)
        return 2
    try:
        result = extract_document(path)
    except DocumentError as exc:
        print(f"error: {path.name}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {path.name}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    cands = [c for c in result.candidates if c.confidence >= args.min_confidence]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for c in cands:
        row = c.as_row()
        writer.writerow({k: "" if row[k] is None else row[k] for k in CSV_COLUMNS})
    try:
        if args.output:
            Path(args.output).write_text(buf.getvalue(), encoding="utf-8")
        else:
            out = sys.stdout
            if hasattr(out, "buffer"):
                out.buffer.write(buf.getvalue().encode("utf-8"))
                out.flush()
            else:
                out.write(buf.getvalue())
        if args.text:
            Path(args.text).write_text(result.text, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if args.summary or args.output:
        info = result.info
        print(f"{len(cands)} candidate(s) from {path.name}"
              + (f" → {args.output}" if args.output else ""), file=sys.stderr)
        if args.summary:
            print(f"  number: {info.document_number or '?'}  type: {info.document_type_vi or '?'}  "
                  f"issued: {info.issue_date or '?'}  plan period: {info.horizon_start or '?'}–"
                  f"{info.horizon_end or '?'}  vision: {info.vision_year or '—'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
