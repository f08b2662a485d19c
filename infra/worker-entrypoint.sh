#!/bin/sh
# Beam SDK worker (Dataflow custom container, or the worker pool of a self-hosted runner).
# Workers resolve the pseudonym key from TRIAGE_PSEUDONYM_KEY in DoFn.setup. On Kubernetes the
# variable comes from a Secret; on Dataflow (no per-worker environment) it is read here from
# Secret Manager with the worker's service account. The secret's *name*, not its value, is in
# TRIAGE_KEY_SECRET (projects/P/secrets/S/versions/latest). The key is never written to disk.
set -eu
if [ -z "${TRIAGE_PSEUDONYM_KEY:-}" ] && [ -n "${TRIAGE_KEY_SECRET:-}" ]; then
  TRIAGE_PSEUDONYM_KEY="$(python -c 'import os; from google.cloud import secretmanager as sm; print(sm.SecretManagerServiceClient().access_secret_version(name=os.environ["TRIAGE_KEY_SECRET"]).payload.data.decode(), end="")')"
  export TRIAGE_PSEUDONYM_KEY
fi
exec /opt/apache/beam/boot "$@"
