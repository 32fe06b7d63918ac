"""The flow engine: runs the flows in functions/flows/ one customer message at a time.

State between turns is a stack of flow frames on the conversation (bounded: a few frames of a few
slots). A message either answers the step the top frame waits on, or digresses: a cancel drops the
flow, a question is answered and the waiting step asked again, a new task is stacked on top and the
interrupted one resumed when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, Field

from core.banking import Money
from core.dialogue import DialoguePolicy, ResponseCatalogue
from core.dialogue import respond as catalogue_respond
from core.errors import ServiceBusy
from core.flows import END, Action, Collect, Confirm, Flow, FlowError, Handoff, Link, Say, SetSlots
from core.models import AuthLevel, Customer, DialogueState, HandoffRequest, NluResult, QuickReply, Reply
from core.operations import OperationContext, Operations, Slots
from core.sentiment import FrustrationPolicy, frustration_rising
from core.slots import parse_amount, parse_claim_number, parse_date, parse_expiry, parse_last4
from core.step_up import StepUp

CONFIRM_BUTTONS = {"affirm": "Yes", "deny": "No"}
MAX_FRAMES = 3
MAX_STEPS_PER_TURN = 40
YES = ("yes", "yeah", "yep", "y", "ok", "okay", "sure", "please do", "go ahead", "confirm")
NO = ("no", "nope", "n", "don't", "do not")
_ANSWERS = ("inform", "affirm", "deny")
_AUTH_ORDER = [AuthLevel.ANONYMOUS, AuthLevel.IDENTIFIED, AuthLevel.VERIFIED]


class FlowFrame(BaseModel):
    flow: str
    step: str
    slots: Slots = Field(default_factory=dict)
    tries: int = 0
    asked: bool = False  # the current step's question was sent and awaits an answer
    offered: dict[str, Slots] = Field(default_factory=dict)  # payload -> value of the quick replies shown


VERIFY = "__verify__"  # the frame of a step-up in progress (step_up.StepUp), on top of the stack


class TurnOutput(list[Reply]):
    """The replies of one turn and, when the bot hands the customer to a person, why."""

    handoff: HandoffRequest | None = None

    def __init__(self) -> None:
        super().__init__()
        self.started: list[str] = []  # flows started this turn


@dataclass(frozen=True)
class Turn:
    """What the engine knows about the message being answered."""

    text: str  # redacted, as stored
    nlu: NluResult | None
    customer: Customer | None
    conversation_id: str
    client_message_id: str
    now: datetime
    raw_text: str = ""  # unredacted, for a phone number or code; never stored
    home_currency: str = "GBP"

    @property
    def today(self) -> date:
        return self.now.date()


@dataclass
class FlowEngine:
    flows: dict[str, Flow]
    catalogue: ResponseCatalogue
    operations: Operations
    policy: DialoguePolicy = field(default_factory=DialoguePolicy)
    step_up: StepUp | None = None
    frustration: FrustrationPolicy = field(default_factory=FrustrationPolicy)

    def __post_init__(self) -> None:
        self._starters = {intent: flow for flow in self.flows.values() for intent in flow.intents}
        check_references(self.flows, self.operations)

    def respond(self, turn: Turn, state: DialogueState) -> tuple[tuple[Reply, ...], DialogueState]:
        state = state.model_copy(deep=True)
        frames = [FlowFrame.model_validate(f) for f in state.frames]
        replies = TurnOutput()
        intent = self._confident_intent(turn)
        state.nlu_failures = state.nlu_failures + 1 if turn.nlu is None else 0
        if reason := self._escalation(state):
            self._escalate(reason, frames, replies)
        elif frames and frames[-1].flow == VERIFY:
            state.verified_customer_id = self._verify(turn, intent, frames, replies)
        elif frames:
            self._continue(turn, intent, frames, replies)
        elif intent in self._starters:
            self._start(self._starters[intent], turn, frames, replies)
        else:
            answered, state = catalogue_respond(turn.nlu, state, self.catalogue, self.policy)
            replies.extend(answered)
            return tuple(replies), state
        state.frames = [f.model_dump() for f in frames]
        state.last_task = next((f for f in reversed(replies.started) if not self._hands_over(f)), state.last_task)
        if replies.handoff and self._hands_over(replies.handoff.flow) and state.last_task:
            # "A person, please" after a task: the agent's context and skill are the task's, not the request's.
            task = self.flows[state.last_task]
            replies.handoff.flow, replies.handoff.skill = task.name, task.skill
        if replies.handoff and self._hands_over(replies.handoff.flow):
            replies.handoff.flow = None  # no task: "talk to a person" is the request, not what they were doing
        state.handoff_request = replies.handoff or state.handoff_request
        state.turns += 1
        state.low_confidence_streak = 0
        if intent not in (None, *_ANSWERS):  # the last thing asked for, not a yes or a code
            state.last_intent = intent
        return tuple(replies), state

    def open_flow(self, name: str, slots: Slots, turn: Turn) -> tuple[tuple[Reply, ...], DialogueState]:
        """A flow we start without a customer message (proactive outreach): its first steps are the message,
        and it waits for the customer's answer like any other flow."""
        flow = self.flows[name]
        frames = [FlowFrame(flow=name, step=flow.steps[0].id, slots=dict(slots))]
        replies = TurnOutput()
        self._run(turn, frames, replies, fresh_message=False)
        return tuple(replies), DialogueState(frames=[f.model_dump() for f in frames], last_task=name)

    def _hand_over(self, request: HandoffRequest, interrupted: list[FlowFrame]) -> None:
        """A person takes over: the bot drops its task stack, and the agent learns the task that was interrupted."""
        task = next((f for f in reversed(interrupted) if f.flow != VERIFY), None)
        if task and self._hands_over(request.flow):
            request.flow, request.slots, request.skill = task.flow, task.slots, self.flows[task.flow].skill
        interrupted.clear()

    def _hands_over(self, flow_name: str | None) -> bool:
        """A flow that only hands over (talk to a person, complaint) is a request, not a task."""
        flow = self.flows.get(flow_name or "")
        first = flow.steps[0] if flow else None
        return flow is None or (isinstance(first, Handoff) and first.handoff in ("customer_asked", "complaint"))

    def _escalation(self, state: DialogueState) -> str | None:
        """A reason to hand over before anything else: rising frustration, or an NLU that keeps failing."""
        if frustration_rising(state.sentiment, self.frustration):
            return "negative_sentiment"
        return "nlu_unavailable" if state.nlu_failures >= self.policy.max_nlu_failures else None

    def _escalate(self, reason: str, frames: list[FlowFrame], replies: TurnOutput) -> None:
        texts = {
            "negative_sentiment": self.catalogue.handoff_frustrated,
            "nlu_unavailable": self.catalogue.handoff_nlu_down,
        }
        task = next((f for f in reversed(frames) if f.flow != VERIFY), None)
        flow = self.flows[task.flow] if task else None
        replies.append(Reply(text=texts.get(reason, self.catalogue.handoff_backend_down)))
        replies.handoff = HandoffRequest(
            reason=reason,
            flow=flow.name if flow else None,
            skill=flow.skill if flow else "general",
            slots=task.slots if task else {},
        )
        frames.clear()

    def title_of(self, intent: str) -> str | None:
        """The button title a customer chose, for an intent payload ("/affirm" was "Yes")."""
        return CONFIRM_BUTTONS.get(intent) or self.catalogue.intent_titles.get(intent)

    def _confident_intent(self, turn: Turn) -> str | None:
        nlu = turn.nlu
        return nlu.intent.name if nlu and nlu.intent.confidence >= self.policy.confidence_threshold else None

    # --- starting, digressing, resuming -------------------------------------------------------
    def _start(self, flow: Flow, turn: Turn, frames: list[FlowFrame], replies: TurnOutput) -> None:
        if _level(turn.customer) < _AUTH_ORDER.index(flow.auth):
            self._begin_step_up(flow, turn, frames, replies)
            return
        if len(frames) >= MAX_FRAMES:
            frames.pop(0)  # the oldest interrupted task is dropped rather than growing the state
        frame = FlowFrame(flow=flow.name, step=flow.steps[0].id)
        frames.append(frame)
        replies.started.append(flow.name)
        self._prefill(flow, turn, frame)
        self._run(turn, frames, replies, fresh_message=True)

    def _begin_step_up(self, flow: Flow, turn: Turn, frames: list[FlowFrame], replies: TurnOutput) -> None:
        if self.step_up is None:
            replies.append(Reply(text=self.catalogue.verification_needed))
            return
        customer_id = turn.customer.customer_id if turn.customer else None
        reply, kept = self.step_up.begin(turn.conversation_id, customer_id, flow.name, turn.now)
        replies.append(reply)
        if kept:
            frames.append(FlowFrame(flow=VERIFY, step=kept["stage"], slots=kept))

    def _verify(self, turn: Turn, intent: str | None, frames: list[FlowFrame], replies: TurnOutput) -> str | None:
        """One answer to the step-up; the verified customer's id when the code was right."""
        frame = frames.pop()
        if intent in self._starters and self._hands_over(self._starters[intent].name):
            self._start(self._starters[intent], turn, frames, replies)  # a person can help without the code
            return None
        if intent == "cancel" or self.step_up is None:
            replies.append(Reply(text="OK, I won't check your identity now."))
            self._resume(turn, frames, replies)
            return None
        reply, kept, customer_id = self.step_up.answer(
            turn.conversation_id, frame.slots, turn.raw_text or turn.text, turn.now
        )
        if reply:
            replies.append(reply)
        if kept:
            frames.append(FlowFrame(flow=VERIFY, step=kept["stage"], slots=kept))
        if customer_id:
            replies.append(Reply(text="Thank you, that's you verified."))
            verified = replace(
                turn, customer=Customer(customer_id=customer_id, auth_level=AuthLevel.VERIFIED), nlu=None
            )
            self._start(self.flows[frame.slots["pending_flow"]], verified, frames, replies)
        return customer_id

    def _prefill(self, flow: Flow, turn: Turn, frame: FlowFrame) -> None:
        """Slots the opening message already gives ("freeze my card ending 4242") are not asked again."""
        for step in flow.steps:
            if isinstance(step, Collect) and step.type not in ("text", "expiry"):
                value = self._value(step, turn, frame, asked=False)
                if value is not None:
                    frame.slots[step.collect] = value

    def _continue(self, turn: Turn, intent: str | None, frames: list[FlowFrame], replies: TurnOutput) -> None:
        frame = frames[-1]
        flow = self.flows[frame.flow]
        if intent == "cancel":
            frames.pop()
            replies.append(Reply(text=f"OK, I've stopped: {flow.description.lower()}."))
            self._resume(turn, frames, replies)
            return
        if self._answers_waiting_step(turn, frame, flow) or not self._digress(turn, intent, frame, frames, replies):
            self._run(turn, frames, replies, fresh_message=True)

    def _answers_waiting_step(self, turn: Turn, frame: FlowFrame, flow: Flow) -> bool:
        step = flow.step(frame.step)
        if isinstance(step, Confirm):
            return _yes_no(turn) is not None
        if isinstance(step, Collect):
            return self._value(step, turn, frame, asked=True) is not None
        return True

    def _digress(
        self, turn: Turn, intent: str | None, frame: FlowFrame, frames: list[FlowFrame], replies: TurnOutput
    ) -> bool:
        """Handle a message that is about something else; False if it is just a wrong answer."""
        if intent in self.catalogue.responses and intent not in ("affirm", "deny", "inform"):
            replies.extend(self.catalogue.responses[intent])
            replies.append(Reply(text=f"Back to {self.flows[frame.flow].description.lower()}:"))
            frame.asked = False
            self._run(turn, frames, replies, fresh_message=False)
            return True
        if intent in self._starters and self._starters[intent].name != frame.flow:
            self._start(self._starters[intent], turn, frames, replies)
            return True
        return False

    def _resume(self, turn: Turn, frames: list[FlowFrame], replies: TurnOutput) -> None:
        if frames:
            replies.append(Reply(text=f"Now, back to {self.flows[frames[-1].flow].description.lower()}."))
            frames[-1].asked = False
            self._run(turn, frames, replies, fresh_message=False)

    # --- running steps ------------------------------------------------------------------------
    def _run(self, turn: Turn, frames: list[FlowFrame], replies: TurnOutput, fresh_message: bool) -> None:
        frame = frames[-1]
        flow = self.flows[frame.flow]
        for _ in range(MAX_STEPS_PER_TURN):
            if frame.step == END:
                frames.pop()
                if replies.handoff:
                    self._hand_over(replies.handoff, frames)
                    return
                self._resume(turn, frames, replies)
                return
            if self._waits(turn, flow, frame, replies, fresh_message):
                return
        replies.append(Reply(text=flow.give_up))
        frames.pop()

    def _waits(self, turn: Turn, flow: Flow, frame: FlowFrame, replies: TurnOutput, use_message: bool) -> bool:
        """Execute the current step; True when it needs the customer's next message."""
        step = flow.step(frame.step)
        if isinstance(step, Collect):
            return self._collect(step, turn, flow, frame, replies, use_message)
        if isinstance(step, Confirm):
            return self._confirm(step, turn, flow, frame, replies, use_message)
        if isinstance(step, Action):
            self._act(step, turn, flow, frame, replies)
        elif isinstance(step, Say):
            quick = tuple(
                QuickReply(title=self.catalogue.intent_titles.get(i, i), payload=f"/{i}") for i in step.quick_replies
            )
            replies.append(Reply(text=render(step.say, frame.slots), quick_replies=quick))
            frame.step = flow.after(step)
        elif isinstance(step, SetSlots):
            frame.slots.update(step.set_slots)
            frame.step = flow.after(step)
        elif isinstance(step, Handoff):
            replies.append(Reply(text=step.say))
            replies.handoff = HandoffRequest(reason=step.handoff, flow=flow.name, skill=flow.skill, slots=frame.slots)
            frame.step = END
        elif isinstance(step, Link):
            frame.flow, frame.step, frame.asked = step.link, self.flows[step.link].steps[0].id, False
        return False

    def _collect(
        self, step: Collect, turn: Turn, flow: Flow, frame: FlowFrame, replies: TurnOutput, use_message: bool
    ) -> bool:
        if step.collect in frame.slots:
            frame.step = flow.after(step)
            return False
        value = self._value(step, turn, frame, asked=frame.asked) if use_message else None
        if value is not None:
            frame.slots[step.collect] = value
            frame.step, frame.tries, frame.asked, frame.offered = flow.after(step), 0, False, {}
            return False
        if frame.asked and use_message:
            frame.tries += 1
            if frame.tries >= step.max_tries:
                self._give_up(flow, frame, replies)
                return False
            replies.append(Reply(text=render(step.invalid, {**frame.slots, "input": turn.text[:40]})))
        replies.append(self._ask(step, turn, frame))
        frame.asked = True
        return True

    def _ask(self, step: Collect, turn: Turn, frame: FlowFrame) -> Reply:
        quick: tuple[QuickReply, ...] = ()
        if step.choices and turn.customer:
            options = self.operations.choices(step.choices, turn.customer.customer_id)
            frame.offered = {payload: value for _, payload, value in options}
            quick = tuple(QuickReply(title=title, payload=payload) for title, payload, _ in options)
        elif step.options:
            frame.offered = {option: {"value": option} for option in step.options}
            quick = tuple(QuickReply(title=o, payload=o) for o in step.options)
        return Reply(text=render(step.ask, frame.slots), quick_replies=quick)

    def _confirm(
        self, step: Confirm, turn: Turn, flow: Flow, frame: FlowFrame, replies: TurnOutput, use_message: bool
    ) -> bool:
        answer = _yes_no(turn) if frame.asked and use_message else None
        if answer is None:
            buttons = tuple(QuickReply(title=title, payload=f"/{intent}") for intent, title in CONFIRM_BUTTONS.items())
            replies.append(Reply(text=render(step.confirm, frame.slots), quick_replies=buttons))
            frame.asked = True
            return True
        frame.step, frame.asked = (flow.after(step) if answer else step.on_no), False
        return False

    def _act(self, step: Action, turn: Turn, flow: Flow, frame: FlowFrame, replies: TurnOutput) -> None:
        if turn.customer is None:
            self._give_up(flow, frame, replies)
            return
        context = OperationContext(
            customer_id=turn.customer.customer_id,
            idempotency_key=f"{turn.conversation_id}:{turn.client_message_id}:{step.id}",
            today=turn.today,
        )
        try:
            outcome, updates = self.operations.run(step.action, frame.slots, context)
        except ServiceBusy:  # the core-banking backend is down or throttling: a person can still help
            replies.append(Reply(text=self.catalogue.handoff_backend_down))
            replies.handoff = HandoffRequest(
                reason="backend_unavailable", flow=flow.name, skill=flow.skill, slots=frame.slots
            )
            frame.step = END
            return
        frame.slots.update(updates)
        if outcome in step.outcomes:
            frame.step = step.outcomes[outcome]
        elif outcome == "ok":
            frame.step = flow.after(step)
        else:
            replies.append(Reply(text=updates.get("error") or "Sorry, I couldn't do that just now."))
            frame.step = END

    def _give_up(self, flow: Flow, frame: FlowFrame, replies: TurnOutput) -> None:
        replies.handoff = HandoffRequest(reason="flow_gave_up", flow=flow.name, skill=flow.skill, slots=frame.slots)
        replies.append(
            Reply(text=flow.give_up, quick_replies=(QuickReply(title="Talk to a person", payload="/human_handoff"),))
        )
        frame.step = END

    # --- slot values --------------------------------------------------------------------------
    def _value(self, step: Collect, turn: Turn, frame: FlowFrame, asked: bool) -> Any:
        """The slot value this message gives; raw text counts only as an answer to the question asked."""
        text = turn.text.strip() if asked else ""
        nlu = turn.nlu
        if text in frame.offered:
            return frame.offered[text]
        if step.type in ("card", "account", "transaction", "choice"):
            return self._pick(step, turn, frame, text)
        if step.type == "amount":
            found = parse_amount(text, nlu, turn.home_currency) if text or _has(nlu, "amount") else None
            return (
                {
                    "amount": str(found[0]),
                    "currency": found[1],
                    "display": str(Money(amount=found[0], currency=found[1])),
                }
                if found
                else None
            )
        if step.type == "date":
            found_date = parse_date(text, nlu, turn.today) if text or _has(nlu, "date") else None
            return found_date.isoformat() if found_date else None
        if step.type == "claim_number":
            return parse_claim_number(text, nlu) if text or _has(nlu, "claim_number") else None
        if step.type == "expiry":
            return parse_expiry(text) if text else None
        return text if len(text) >= 3 else None

    def _pick(self, step: Collect, turn: Turn, frame: FlowFrame, text: str) -> Slots | None:
        """Match the message to one of the customer's cards, accounts or transactions."""
        hint = {"card": "card_last_four", "account": "account_type"}.get(step.type, "")
        if not (step.choices and turn.customer) or not (text or _has(turn.nlu, hint)):
            return None
        options = self.operations.choices(step.choices, turn.customer.customer_id)
        if step.type == "card":
            last4 = parse_last4(text, turn.nlu) if text or _has(turn.nlu, "card_last_four") else None
            return next((value for _, payload, value in options if payload == last4), None)
        wanted = " ".join([text.lower(), *(turn.nlu.entity_values("account_type") if turn.nlu else [])])
        if step.type == "account":
            return next((v for _, _, v in options if v["kind"] in wanted or v["name"].lower() in wanted), None)
        return next(
            (v for title, payload, v in options if text and (text == payload or text.lower() in title.lower())), None
        )


def check_references(flows: dict[str, Flow], operations: Operations) -> None:
    """Every action and choices provider a flow names must exist: a typo fails at load, not mid-chat."""
    for flow in flows.values():
        for step in flow.steps:
            if isinstance(step, Action) and step.action not in operations.names():
                raise FlowError(f"flow {flow.name!r}: step {step.id!r}: unknown action {step.action!r}")
            if isinstance(step, Collect) and step.choices and step.choices not in operations.providers():
                raise FlowError(f"flow {flow.name!r}: step {step.id!r}: unknown choices {step.choices!r}")
            if isinstance(step, Collect) and step.type in ("card", "account", "transaction") and not step.choices:
                raise FlowError(f"flow {flow.name!r}: step {step.id!r}: a {step.type} needs `choices`")


def _has(nlu: NluResult | None, entity: str) -> bool:
    return bool(nlu and nlu.entity_values(entity))


def _level(customer: Customer | None) -> int:
    return _AUTH_ORDER.index(customer.auth_level) if customer else 0


def _yes_no(turn: Turn) -> bool | None:
    if turn.nlu and turn.nlu.intent.name in ("affirm", "deny") and turn.nlu.intent.confidence >= 0.5:
        return turn.nlu.intent.name == "affirm"
    text = turn.text.strip().lower().rstrip(".!")
    return True if text in YES else False if text in NO else None


class _Namespace(SimpleNamespace):
    def __getattr__(self, name: str) -> str:  # only called for a field the slot does not have
        return ""


def _namespaced(value: Any) -> Any:
    return _Namespace(**{k: _namespaced(v) for k, v in value.items()}) if isinstance(value, dict) else value


def render(template: str, slots: Slots) -> str:
    """Fill {slot} and {slot.field} placeholders; a missing slot renders empty rather than failing."""

    class _Missing(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return ""

    try:
        return template.format_map(_Missing({k: _namespaced(v) for k, v in slots.items()}))
    except (AttributeError, IndexError, ValueError):
        return template
