"""Contact imports (CSV/XLSX → contacts, every row accounted for) and exports.

- `reading`: the file's rows, whatever its encoding, delimiter or format;
- `mapping`: which column holds which field (guessed from French or English headers);
- `rows`: one row's values checked and normalised (or the reason it is rejected);
- `matching`: the base's contact a row is, if any (the one place the dedup engine plugs in);
- `services`: create an import, run it batch by batch (resumable, idempotent), rejected rows;
- `exports`: any queryset of contacts as CSV or XLSX, logged in the audit trail.
"""
