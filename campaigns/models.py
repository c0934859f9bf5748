"""The campaigns app's models (the lead merges this into the models package)."""

from campaigns.dropoff.models import *  # noqa: F403
