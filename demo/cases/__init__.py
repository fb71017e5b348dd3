"""Synthetic court acts: the generator, its fact patterns and wording, and the corpus writer."""

from demo.cases.generator import generate_cases, write_cases_jsonl

__all__ = ["generate_cases", "write_cases_jsonl"]
