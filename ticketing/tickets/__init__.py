"""Tickets as documents: the signed QR payload (`payload`, no Django), the venue's signing key
(`keys`), the PDF (`pdf`), the calendar file (`calendar`) and the confirmation email
(`emails`). See docs/tickets.md."""
