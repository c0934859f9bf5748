"""What the venue does with a person's data: their export, their erasure (anonymisation), the
retention rule, and the public page that explains it. See docs/privacy.md."""
