"""A fix for Beam's Dask runner, applied only when `--runner dask` is chosen.

Beam's `apply_dofn_to_bundle` (apache_beam/runners/dask/transform_evaluator.py, 2.77)
collects a bundle's outputs *before* calling ``finish_bundle``, so whatever a DoFn emits
there is lost: `beam.BatchElements` flushes its last partial batch in ``finish_bundle``, and
the run's accounting check caught the missing reports. This module's version collects after
``finish_bundle``. It is a module-level function so Dask pickles it by reference and workers
import this module, not the original.
"""

from __future__ import annotations


def apply_dofn_to_bundle(items, do_fn_invoker_args, do_fn_invoker_kwargs, tagged_receivers):
    """Invoke a DoFn on one Dask partition, keeping what finish_bundle emits."""
    from apache_beam.runners.common import DoFnInvoker

    invoker = DoFnInvoker.create_invoker(*do_fn_invoker_args, **do_fn_invoker_kwargs)
    invoker.invoke_setup()
    invoker.invoke_start_bundle()
    for it in items:
        invoker.invoke_process(it)
    invoker.invoke_finish_bundle()
    results = [v.value for v in tagged_receivers.values]
    invoker.invoke_teardown()
    return results


def patch_dask_runner() -> None:
    from apache_beam.runners.dask import transform_evaluator

    transform_evaluator.apply_dofn_to_bundle = apply_dofn_to_bundle
