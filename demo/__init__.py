"""Demo and evaluation data: what the project generates to show and measure itself."""
