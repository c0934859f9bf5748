"""Goals and milestones: a venue sets a few key indicators (analytics.indicators) with a
target and dates; the Goals page shows the progress of each, and a monthly digest email
tells the venue's admins (docs/analytics.md, "Goals and the monthly digest")."""
