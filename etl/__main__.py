"""Command line: python -m etl {build,check,ensure,export-data,extract,geo} …  (see README)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config


def _print_summary(summary: dict) -> None:
    print(f"{summary['documents']} documents, {summary['values']} values "
          f"({summary['citations_verified']} citations verified against their source)")
    for title, counts in (("by province (era:code)", summary["by_province"]), ("by sector", summary["by_sector"]),
                          ("by kind", summary["by_kind"]), ("by source tier", summary.get("by_source_tier", {})),
                          ("2026–2030 targets of the 34 provinces, by indicator", summary.get("by_indicator_2025", {}))):
        print(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"  achieved values: {summary.get('achieved', 0)}")


def _build(args: argparse.Namespace) -> int:
    from .warehouse import build, validate
    sources = Path(args.sources) if args.sources else config.sources_dir()
    if sources is None:
        print("Note: no sources folder configured (DV2030_SOURCES_DIR or --sources): citations are not checked.")
    if args.check:
        result = validate(sources_dir=sources)
    else:
        result = build(warehouse=Path(args.warehouse) if args.warehouse else None, sources_dir=sources,
                       with_maps=not args.no_maps)
    return _report(result, "Check passed; nothing built." if args.check else f"Built {result.warehouse}")


def _report(result, success: str) -> int:
    """Warnings, then every error with file, row and field (exit 1, nothing built), or the counts and `success`."""
    from .warehouse import summarise
    for issue in result.warnings:
        print(issue)
    if not result.ok:
        for issue in result.errors:
            print(issue, file=sys.stderr)
        print(f"\n{len(result.errors)} error(s); nothing was built and the existing warehouse is untouched.",
              file=sys.stderr)
        return 1
    _print_summary(summarise(result.tables))
    print(success)
    return 0


def _ensure(args: argparse.Namespace) -> int:
    """Build the warehouse only when it is missing or older than the curated files (what the dashboard does on its
    first run; scripts/run.sh does it before the server starts, so no visitor waits)."""
    from .warehouse import ensure_warehouse
    result = ensure_warehouse(progress=print)
    if result is None:
        print(f"The warehouse is up to date: {config.warehouse_path()}")
        return 0
    return _report(result, f"Built {result.warehouse}")


def _export_data(args: argparse.Namespace) -> int:
    import duckdb

    from .data_package import DataDictionaryError, export_folder, export_zip, summary, write_atomically, zip_folder
    warehouse = Path(args.warehouse) if args.warehouse else config.warehouse_path()
    folder = Path(args.output) if args.output else (None if args.zip else config.data_dir() / "package")
    try:
        if folder is not None:
            descriptor = export_folder(warehouse, folder)
            print(f"Wrote {folder}: {summary(descriptor, folder)}")
            if args.zip:
                write_atomically(Path(args.zip), zip_folder(folder))
                print(f"Wrote {args.zip}")
        else:
            export_zip(warehouse, Path(args.zip))
            print(f"Wrote {args.zip}")
    except (DataDictionaryError, FileNotFoundError, FileExistsError, duckdb.Error) as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Dịch vụ 2030 data pipeline")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (("build", "validate the curated data and build the warehouse"),
                           ("check", "validate only; build nothing")):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("--check", action="store_true", default=name == "check", help="validate only")
        sub.add_argument("--sources", help="folder with the plans' source texts (default: $DV2030_SOURCES_DIR)")
        sub.add_argument("--warehouse", help="output file (default: data/warehouse.duckdb)")
        sub.add_argument("--no-maps", action="store_true", help="skip the province boundary step")
        sub.set_defaults(func=_build)
    commands.add_parser("ensure", help="build the warehouse only if it is missing or out of date "
                        "(sources from $DV2030_SOURCES_DIR)").set_defaults(func=_ensure)


    export = commands.add_parser(
        "export-data", help="write the whole warehouse as a data package (CSV + Parquet + datapackage.json)")
    export.add_argument("-o", "--output", help="folder to write (default: data/package, unless only --zip is given)")
    export.add_argument("--zip", help="also (or only) write the package as this zip file")
    export.add_argument("--warehouse", help="warehouse to export (default: data/warehouse.duckdb)")
    export.set_defaults(func=_export_data)
    extract = commands.add_parser("extract", help="propose candidate targets from a plan document",
                                  add_help=False)
    extract.set_defaults(func=None)
    commands.add_parser("geo", help="obtain province boundaries and print a summary", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "extract":
        from .extract.cli import main as extract_main
        return extract_main(rest)
    if args.command == "geo":
        from .geo import main as geo_main
        return geo_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
