"""Stored sentence embeddings of statements, for the optional semantic statement model.

``store.py`` reads, computes and deletes the vectors; ``service.py`` computes them when a
profile is saved or imported (large imports on the RQ worker, ``jobs.py``) and refreshes them
all (``flask embeddings``, ``cli.py``). Matching runs read them through ``store`` too
(``matches/runs.py``). See docs/matching.md, "Stored embeddings".
"""
