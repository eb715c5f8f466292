"""Checking that each citation is a verbatim excerpt of its source document."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from .curated import Issue

_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFC and collapsed whitespace: sources break lines mid-sentence and pad table cells."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def load_sources(documents: pd.DataFrame, sources_dir: Path, issues: list[Issue]) -> dict[str, str]:
    """document_id -> folded source text, for documents that name a source file."""
    texts: dict[str, str] = {}
    for _, doc in documents.iterrows():
        name = doc["source_file"]
        if not isinstance(name, str) or not name:
            continue
        path = sources_dir / name
        if not path.is_file():
            issues.append(Issue(doc["_file"], int(doc["_row"]), "source_file",
                                f"source text '{name}' not found in {sources_dir}"))
            continue
        texts[doc["document_id"]] = fold(path.read_text(encoding="utf-8", errors="replace"))
    return texts


def verify_citations(frame: pd.DataFrame, texts: dict[str, str], issues: list[Issue]) -> pd.Series:
    """True where the citation occurs in its source, NA where the document has no source text."""
    verified = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    for idx, row in frame.iterrows():
        text = texts.get(row["document_id"])
        if text is None:
            continue
        found = fold(row["citation"] or "") in text
        verified[idx] = found
        if not found:
            issues.append(Issue(row["_file"], int(row["_row"]), "citation",
                                f"citation not found in the source of {row['document_id']} "
                                f"(after NFC and whitespace folding): \"{row['citation'][:80]}…\""))
    return verified
