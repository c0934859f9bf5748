"""The inalterable sales ledger: numbered, hash-chained entries (`chain`), appended by the
sale's own services (`services`), signed periodic closings (`closings`), the chain's check
and the archive (`selectors`, `archive`). docs/ledger.md says why and how."""
