"""Segments: saved, dynamic selections of contacts (definition tree, services, selectors)."""
