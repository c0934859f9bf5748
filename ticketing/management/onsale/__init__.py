"""The parts of `manage.py bench_onsale` (ticketing/management/commands/bench_onsale.py): the
buyers and their HTTP client, the server it starts, the SQL baseline."""
