"""The extract: publishing it (``publish.py``), its views (``views.py``, which also holds the
one reader-side rule for dimension columns), the data dictionary, the run lock and the run
summary."""
