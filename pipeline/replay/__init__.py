"""The postmortem replay: contract-conformant inputs with a known truth (`triage simulate`)."""
