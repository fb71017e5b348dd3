"""Court acts: reading real acts and case cards (``extract``, ``fields``, ``ingest``) and JSONL
loading. Nothing is imported here, so that ``alqabi cases extract --help`` stays light."""
