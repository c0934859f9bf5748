"""Merge review screens (filled below)."""
