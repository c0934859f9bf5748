"""The integrity rate: how much of the contact base the venue can rely on and reach.
See docs/integrity.md for the criteria and how the rate is computed."""
