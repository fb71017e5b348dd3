"""Court practice: similar-case search, deviation flags and advisory outcome prediction."""
