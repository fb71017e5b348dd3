"""Court acts: the synthetic generator, the extractor for real acts and JSONL loading."""

from indexer.cases.extract import extract_act, load_cases_jsonl
from indexer.cases.generator import generate_cases, write_cases_jsonl

__all__ = ["extract_act", "generate_cases", "load_cases_jsonl", "write_cases_jsonl"]
