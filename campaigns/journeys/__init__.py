"""Journeys: automated messages and tasks that follow a spectator's life at the venue.

A Journey is a trigger (a domain event or a time-based condition), a delay relative to the
trigger's anchor time, conditions (a segment) and an action. Each time a trigger fires for a
contact a JourneyRun row is written, unique per (journey, contact, occurrence): the database,
not the scheduler, guarantees that a step runs at most once per contact per trigger
occurrence. The per-venue tick (`campaigns.run_due_journeys`) picks due runs with
SELECT … FOR UPDATE SKIP LOCKED, checks conditions and consent, acts and marks them done.
See docs/journeys.md."""
