"""The integrity rate: how much of the contact base the venue can rely on and reach.
See docs/privacy.md ("Integrity rate") for the criteria and how the rate is computed."""
