"""Question answering over the guidance and FAQ: FAQ match, extractive answer, refusals."""
