"""`triage run` as a Beam job: the job and its PTransforms, their step bodies, the options.

``job.py`` reads like the data-flow diagram; ``stages.py`` holds the PTransforms;
``clustered.py``, ``joined.py`` and ``attributed.py`` are the bodies of the global steps
(they call the libraries, ``clustering/`` and ``joins/``, on whole batches); ``inputs.py``
reads the contract's inputs; ``schedule.py`` runs the job daily.
"""
