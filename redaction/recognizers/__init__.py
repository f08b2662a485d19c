"""The project's Presidio recognizers (one small class each)."""
