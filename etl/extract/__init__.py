"""Candidate targets from a plan document (text, HTML, DOCX or PDF), for review before loading.

    from etl.extract import extract_document, extract_candidates
    result = extract_document(uploaded_bytes, "plan.docx")   # cleaned text + metadata + candidates
    frame = result.frame()                                      # review table (pandas)

No Streamlit here; nothing is written to disk.
"""
from .extractor import (CSV_COLUMNS, CURATED_COLUMNS, Candidate, DocumentInfo, Extraction, candidates_frame,
                        curated_rows, document_info, extract_candidates, extract_document, extract_text,
                        format_value)
from .numbers import Quantity, TimeRef, find_quantities, find_time_refs, parse_number, parse_quantity
from .text import (MAX_BYTES, SUPPORTED_EXTENSIONS, DocumentError, UnreadableDocument, UnsupportedDocument,
                   clean_text, load_document, parse_structure)

__all__ = [
    "CSV_COLUMNS", "CURATED_COLUMNS", "curated_rows", "Candidate", "DocumentInfo", "Extraction", "candidates_frame", "document_info",
    "extract_candidates", "extract_document", "extract_text", "format_value", "Quantity", "TimeRef",
    "find_quantities", "find_time_refs", "parse_number", "parse_quantity", "MAX_BYTES", "SUPPORTED_EXTENSIONS",
    "DocumentError", "UnreadableDocument", "UnsupportedDocument", "clean_text", "load_document",
    "parse_structure",
]
