"""Hypothesis stateful tests: random sequences of staff and traveller actions
against the ticket state machine, and random routes and duty rosters against
the escalation rules. Pure core: no hub, no clock."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import IllegalTransition
from kiosk.core.escalation import alert_delays, fallback_delay
from kiosk.core.site import EscalationStep, Route
from kiosk.core.ticket import CLOSED_STATES, TRANSITIONS, Ticket, TicketEvent, TicketState

STAFF = st.sampled_from(["anna", "ben", "chen"])
GROUPS = st.sampled_from(["platform", "control"])


class TicketLifecycle(RuleBasedStateMachine):
    """Whatever people press, in whatever order, the ticket only moves along the
    drawn transitions, has at most one accepter, and a closed ticket stays closed."""

    def __init__(self) -> None:
        super().__init__()
        self.ticket = Ticket("t" * 32, "kiosk", "p3", Category.UNWELL, Urgency.URGENT, 0.0)
        self.clock = 0.0
        self.accepts_won = 0

    def _try(self, event: TicketEvent, **kw: str | int | None) -> None:
        self.clock += 1.0
        before = self.ticket
        try:
            after = before.apply(event, at=self.clock, **kw)  # type: ignore[arg-type]
        except IllegalTransition:
            return  # refused: nothing changed, which the invariants below check
        assert TRANSITIONS[(before.state, event)] is after.state
        self.ticket = after
        if event is TicketEvent.ACCEPT:
            self.accepts_won += 1

    @rule(actor=STAFF)
    def deliver(self, actor: str) -> None:
        self._try(TicketEvent.DELIVER, actor=actor)

    @rule(actor=STAFF, eta=st.integers(0, 120))
    def accept(self, actor: str, eta: int) -> None:
        holder = self.ticket.accepted_by
        self._try(TicketEvent.ACCEPT, actor=actor, eta_minutes=eta)
        if holder is not None:
            assert self.ticket.accepted_by == holder  # a second accept never overwrites

    @rule(actor=STAFF, group=GROUPS)
    def hand_over(self, actor: str, group: str) -> None:
        holder = self.ticket.accepted_by
        self._try(TicketEvent.HAND_OVER, actor=actor, group=group)
        if holder is not None and actor != holder:
            assert self.ticket.accepted_by == holder  # only the accepter hands it on

    @rule(actor=STAFF)
    def not_found(self, actor: str) -> None:
        self._try(TicketEvent.NOT_FOUND, actor=actor)

    @rule()
    def resolve(self) -> None:
        self._try(TicketEvent.RESOLVE)

    @rule()
    def cancel(self) -> None:
        self._try(TicketEvent.CANCEL)

    @precondition(lambda self: self.clock > 3)
    @rule()
    def expire(self) -> None:
        self._try(TicketEvent.EXPIRE)

    @invariant()
    def one_accepter_exactly_when_accepted(self) -> None:
        accepted = self.ticket.state is TicketState.ACCEPTED
        assert (self.ticket.accepted_by is not None) == accepted or self.ticket.is_open is False

    @invariant()
    def closed_is_final(self) -> None:
        if self.ticket.state in CLOSED_STATES:
            for event in TicketEvent:
                try:
                    self.ticket.apply(event, at=self.clock + 1, actor="anna", group="control")
                except IllegalTransition:
                    continue
                raise AssertionError(f"{event} reopened a {self.ticket.state} ticket")


TestTicketLifecycle = TicketLifecycle.TestCase
TestTicketLifecycle.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)


@st.composite
def routes(draw: st.DrawFn) -> Route:
    groups = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=5, unique=True))
    delays = sorted(draw(st.lists(st.integers(0, 600), min_size=len(groups), max_size=len(groups))))
    steps = tuple(EscalationStep(g, d) for g, d in zip(groups, delays, strict=True))
    return Route("r", ("p3",), (), steps, fallback_after_seconds=draw(st.integers(0, 600)))


class EscalationRules(RuleBasedStateMachine):
    """Staff go on and off duty at random; the alert times stay sane."""

    def __init__(self) -> None:
        super().__init__()
        self.route: Route | None = None
        self.on_duty: set[str] = set()

    @rule(route=routes())
    def new_route(self, route: Route) -> None:
        self.route = route
        self.on_duty = {s.group_id for s in route.steps}

    @rule(group=st.sampled_from("abcdef"))
    def off_duty(self, group: str) -> None:
        self.on_duty.discard(group)

    @rule(group=st.sampled_from("abcdef"))
    def on_duty_again(self, group: str) -> None:
        self.on_duty.add(group)

    @invariant()
    def alerts_are_in_step_order_never_later_than_configured(self) -> None:
        if self.route is None:
            return
        staffed = frozenset(self.on_duty)
        delays = alert_delays(self.route, staffed)
        assert set(delays) == {s.group_id for s in self.route.steps}
        ordered = [delays[s.group_id] for s in self.route.steps]
        assert ordered == sorted(ordered)  # a later step is never alerted before an earlier one
        for step in self.route.steps:
            assert 0 <= delays[step.group_id] <= step.after_seconds
        first = self.route.steps[0]
        assert delays[first.group_id] == first.after_seconds  # the first step waits for nobody
        assert fallback_delay(self.route, staffed) >= max(delays.values())

    @invariant()
    def everyone_on_duty_means_the_configured_times(self) -> None:
        if self.route is None:
            return
        everyone = frozenset(s.group_id for s in self.route.steps)
        delays = alert_delays(self.route, everyone)
        for step in self.route.steps:
            assert delays[step.group_id] == step.after_seconds


TestEscalationRules = EscalationRules.TestCase
TestEscalationRules.settings = settings(max_examples=150, stateful_step_count=20, deadline=None)
