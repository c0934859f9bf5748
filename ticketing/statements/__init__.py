"""Receipts statements rendered: CSV and PDF of the `Statement` that
ticketing.selectors.statements computes (the screen renders the same object)."""

from .render import cell_text, statement_csv, statement_filename, statement_pdf

__all__ = ["cell_text", "statement_csv", "statement_filename", "statement_pdf"]
