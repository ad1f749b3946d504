"""Classic centre-line tracing: below training (the cloning teacher) and parsing (--method trace)."""
