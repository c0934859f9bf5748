"""The pieces of `python manage.py bench_segments` (crm/management/commands/bench_segments.py):
`standard` (the six standard segments and the venue's catalogue), `generate` (the base, row
by row, with a fixed seed), `load` (COPY, indexes rebuilt, VACUUM ANALYZE) and `measure`
(warm, cold, plans, freshness)."""
