"""The extract: publishing it (``publish.py``), its views and data dictionary, the run lock,
the run summary, and the one way every reader opens it (``reader.py``)."""
