"""Flows as data: the schema bot designers write in functions/flows/*.yml, and its loader.

The shape follows Rasa's flows: a flow has `steps`, each a `collect`, `confirm`, `action`, `say`,
`set_slots` or `link`, run in order unless `next` (or an action's `outcomes`) names another step.
A bad flow fails to load with an error naming the file, the flow, the step and the problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.models import AuthLevel

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

END = "END"
StepId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class FlowSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(FlowSchema):
    id: StepId
    next: str | None = None  # a step id or END; default: the following step


class Collect(Step):
    collect: str  # the slot filled
    ask: str
    type: Literal["card", "account", "amount", "date", "claim_number", "transaction", "text", "choice", "expiry"]
    choices: str | None = None  # a named provider of quick replies (the customer's cards, accounts ...)
    options: tuple[str, ...] = ()  # fixed choices for type "choice"
    invalid: str = "Sorry, that doesn't look right."
    max_tries: int = Field(default=3, ge=1, le=5)


class Confirm(Step):
    confirm: str
    on_no: str = END


class Action(Step):
    action: str  # a named backend operation
    outcomes: dict[str, str] = Field(default_factory=dict)  # outcome -> step id


class Say(Step):
    say: str
    quick_replies: tuple[str, ...] = ()  # intent names offered as buttons


class SetSlots(Step):
    set_slots: dict[str, Any]


class Link(Step):
    link: str  # another flow, which takes over


class Handoff(Step):
    handoff: Literal["customer_asked", "complaint", "sensitive_change", "flow_gave_up", "business_rule"]  # reason
    say: str = "I've asked a colleague to take over. They'll see everything we've said, so you won't need to repeat it."


AnyStep = Collect | Confirm | Action | Say | SetSlots | Link | Handoff


class Flow(FlowSchema):
    name: str
    description: str
    intents: tuple[str, ...] = ()  # none: only proactive outreach opens it (core.proactive)
    auth: AuthLevel = AuthLevel.ANONYMOUS
    skill: str = "general"
    steps: tuple[AnyStep, ...] = Field(min_length=1)
    give_up: str = "I'm sorry this isn't working. A colleague will help you with it."

    @model_validator(mode="after")
    def _targets_exist(self) -> Flow:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"step ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        for step in self.steps:
            targets = [step.next] if step.next else []
            if isinstance(step, Action):
                targets += step.outcomes.values()
            if isinstance(step, Confirm):
                targets.append(step.on_no)
            for target in targets:
                if target != END and target not in ids:
                    raise ValueError(f"step {step.id!r} goes to {target!r}, which is not a step of this flow")
        return self

    def step(self, step_id: str) -> AnyStep:
        return next(s for s in self.steps if s.id == step_id)

    def after(self, step: AnyStep) -> str:
        if step.next:
            return step.next
        position = self.steps.index(step)
        return self.steps[position + 1].id if position + 1 < len(self.steps) else END


class FlowError(ValueError):
    """A flow file that cannot be loaded; the message names file, flow, step and problem."""


def _step_kind(raw: dict[str, Any]) -> type[Step]:
    for key, kind in (("handoff", Handoff), ("collect", Collect), ("confirm", Confirm), ("action", Action),
                      ("say", Say), ("set_slots", SetSlots), ("link", Link)):  # fmt: skip
        if key in raw:
            return kind
    raise ValueError("a step needs one of collect, confirm, action, say, set_slots, link or handoff")


def _parse_flow(name: str, raw: Any, where: str) -> Flow:
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list):
        raise FlowError(f"{where}: flow {name!r}: needs a mapping with a list of steps")
    steps = []
    for index, raw_step in enumerate(raw["steps"]):
        label = raw_step.get("id", f"#{index + 1}") if isinstance(raw_step, dict) else f"#{index + 1}"
        try:
            if not isinstance(raw_step, dict):
                raise ValueError("a step must be a mapping")
            steps.append(_step_kind(raw_step).model_validate(raw_step))
        except (ValidationError, ValueError) as error:
            raise FlowError(f"{where}: flow {name!r}: step {label!r}: {_first_problem(error)}") from error
    try:
        return Flow.model_validate({**raw, "name": name, "steps": steps})
    except ValidationError as error:
        raise FlowError(f"{where}: flow {name!r}: {_first_problem(error)}") from error


def _first_problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        return f"{location}: {first['msg']}" if location else str(first["msg"])
    return str(error)


def load_flows(files: Iterable[Path]) -> dict[str, Flow]:
    """Every flow of every file, validated; raises FlowError on the first problem."""
    flows: dict[str, Flow] = {}
    for path in sorted(files):
        try:
            document = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            raise FlowError(f"{path.name}: not valid YAML: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("flows"), dict):
            raise FlowError(f"{path.name}: needs a top-level `flows:` mapping")
        for name, raw in document["flows"].items():
            if name in flows:
                raise FlowError(f"{path.name}: flow {name!r}: defined twice")
            flows[name] = _parse_flow(str(name), raw, path.name)
    _check_links_and_intents(flows)
    return flows


def _check_links_and_intents(flows: dict[str, Flow]) -> None:
    starters: dict[str, str] = {}
    for flow in flows.values():
        for step in flow.steps:
            if isinstance(step, Link) and step.link not in flows:
                raise FlowError(f"flow {flow.name!r}: step {step.id!r}: links to unknown flow {step.link!r}")
        for intent in flow.intents:
            if intent in starters:
                raise FlowError(f"flow {flow.name!r}: intent {intent!r} already starts flow {starters[intent]!r}")
            starters[intent] = flow.name
