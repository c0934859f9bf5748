"""The newsletter sign-up form a venue embeds on its own website, with double opt-in: nobody
becomes a consenting contact before confirming from their mailbox."""
