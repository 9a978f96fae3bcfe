"""Lead scoring and assignment settings (rules, thresholds, round-robin) and rescoring."""
