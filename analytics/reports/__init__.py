"""Season and period reports for the board and funders (PDF and XLSX), and the culture
ministry's ticketing returns (SIBIL). Everything here reads analytics' aggregates (and, for
the audience sections, analytics.audience when it is there); nothing writes but the SIBIL
settings (analytics.reports.sibil)."""
