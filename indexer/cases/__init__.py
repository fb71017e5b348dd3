"""Court acts: the extractor for real acts and JSONL loading."""

from indexer.cases.extract import extract_act, load_cases_jsonl

__all__ = ["extract_act", "load_cases_jsonl"]
