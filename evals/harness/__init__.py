"""One evaluation harness: ``alqabi eval [SUITE...]`` runs suites against a store, writes a run
JSON and a self-contained HTML report, compares with a previous run and gates on thresholds."""
