"""Shared core: config, schemas, text normalisation, embedders and the store.

Imports nothing else of ours; every other package may import it.
"""
