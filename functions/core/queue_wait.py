"""How long a customer will wait for a person: their place in the queue times the seconds a place has
taken lately for that skill, measured from the waits of the customers served before them.

A first claim is one measurement: (claimed - enqueued) / the place the customer was given when queued.
It folds in everything that sets the pace (how many agents are at work, how long they take, how many
customers jumped ahead by priority) without tracking any of them. Until a skill has enough recent
measurements, the configured seconds per place stand in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.handoff import Handoff, QueueEstimate, Skill, estimate_wait
from core.ports import HandoffStore


@dataclass
class WaitEstimator:
    store: HandoffStore
    default_seconds_per_place: int = 180  # until a skill has min_samples waits in the window
    window: timedelta = timedelta(hours=2)  # long enough for a quiet queue, short enough to follow a shift change
    min_samples: int = 5
    fastest: int = 15  # seconds a place: bounds that keep one odd wait (a claim left open, a clock skew) from
    slowest: int = 1800  # promising seconds or hours
    # The pace moves over minutes, and a queued customer's page asks for an estimate every few seconds: one
    # warm function instance reads each skill's measurements at most this often.
    reread_after: timedelta = timedelta(minutes=1)
    _read: dict[Skill, tuple[datetime, int]] = field(default_factory=dict, init=False, repr=False)

    def seconds_per_place(self, skill: Skill, now: datetime) -> int:
        read = self._read.get(skill)
        if read is None or not timedelta(0) <= now - read[0] < self.reread_after:
            read = self._read[skill] = (now, self._measured(skill, now))
        return read[1]

    def _measured(self, skill: Skill, now: datetime) -> int:
        samples, seconds = self.store.queue_waits(skill, since=now - self.window)
        if samples < self.min_samples:
            return self.default_seconds_per_place
        return min(self.slowest, max(self.fastest, round(seconds / samples)))

    def estimate(self, handoff: Handoff, now: datetime) -> QueueEstimate:
        return self.estimate_at(handoff.skill, self.store.waiting_ahead(handoff) + 1, now)

    def estimate_at(self, skill: Skill, position: int, now: datetime) -> QueueEstimate:
        return estimate_wait(position, self.seconds_per_place(skill, now))

    def record_claim(self, before: Handoff, now: datetime) -> None:
        """Measure a first claim; claims after a transfer or an expired lease have no place to measure."""
        if before.queued_position is None:
            return
        waited = max(0.0, (now - before.enqueued_at).total_seconds())
        self.store.record_queue_wait(before.skill, waited / before.queued_position, now)
