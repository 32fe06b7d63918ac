"""Reads template.yaml, the single source of truth, for the local run and the tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        found = _path_pattern(self.path).match(path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class ZipFunction:
    name: str
    handler: str
    code_dir: Path
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


@cache
def _path_pattern(path: str) -> re.Pattern[str]:
    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith("+"):
            return f"(?P<{name[:-1]}>.+)"
        return f"(?P<{name}>[^/]+)"

    return re.compile("^" + re.sub(r"\{([^}]+)\}", placeholder, path) + "$")


@dataclass(frozen=True)
class Template:
    document: dict[str, Any]

    @classmethod
    def load(cls, path: Path = TEMPLATE_PATH) -> Template:
        return cls(yaml_parse(path.read_text()))

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.document["Resources"].items() if r["Type"] == kind}

    def tables(self) -> dict[str, dict[str, Any]]:
        return {name: r["Properties"] for name, r in self.resources("AWS::DynamoDB::Table").items()}

    def routes(self) -> list[Route]:
        routes = []
        for name, function in self.resources("AWS::Serverless::Function").items():
            for event in (function["Properties"].get("Events") or {}).values():
                if event["Type"] == "HttpApi":
                    props = event["Properties"]
                    routes.append(Route(props["Method"].upper(), props["Path"], name))
        # Literal segments win over placeholders, as in API Gateway.
        return sorted(routes, key=lambda r: (r.path.count("{"), -len(r.path)))

    def queues(self) -> dict[str, dict[str, Any]]:
        return {name: r.get("Properties") or {} for name, r in self.resources("AWS::SQS::Queue").items()}

    def queue_consumers(self) -> dict[str, str]:
        """Functions fed by an SQS queue: function -> the queue's logical id."""
        consumers = {}
        for name, function in self.resources("AWS::Serverless::Function").items():
            for event in (function["Properties"].get("Events") or {}).values():
                if event["Type"] == "SQS":
                    consumers[name] = event["Properties"]["Queue"]["Fn::GetAtt"][0]
        return consumers

    def schedules(self) -> dict[str, int]:
        """Functions run on a schedule, with their period in seconds (only `rate(...)` expressions)."""
        periods = {}
        units = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}
        for name, function in self.resources("AWS::Serverless::Function").items():
            for event in (function["Properties"].get("Events") or {}).values():
                if event["Type"] in ("Schedule", "ScheduleV2"):
                    rate = re.fullmatch(r"rate\((\d+) (\w+)\)", event["Properties"]["ScheduleExpression"])
                    if rate:
                        periods[name] = int(rate[1]) * units[rate[2]]
        return periods

    def zip_functions(self) -> dict[str, ZipFunction]:
        globals_ = self.document.get("Globals", {}).get("Function", {})
        functions = {}
        for name, resource in self.resources("AWS::Serverless::Function").items():
            props = {**globals_, **resource["Properties"]}
            if props.get("PackageType") == "Image":
                continue
            variables = {
                **(globals_.get("Environment", {}).get("Variables") or {}),
                **(resource["Properties"].get("Environment", {}).get("Variables") or {}),
            }
            functions[name] = ZipFunction(
                name=name,
                handler=props["Handler"],
                code_dir=ROOT / props["CodeUri"],
                environment=self._resolve_variables(variables),
            )
        return functions

    def _resolve_variables(self, variables: dict[str, Any]) -> dict[str, str]:
        resolved = {}
        for key, value in variables.items():
            local_value = self._resolve(value)
            if local_value is not None:
                resolved[key] = local_value
        return resolved

    def _resolve(self, value: Any) -> str | None:
        """Locally a table or function is named by its logical id; secrets are configured by the local run."""
        if not isinstance(value, dict):
            return str(value)
        if "Ref" in value:
            target = value["Ref"]
            if target in self.document.get("Parameters", {}):
                return str(self.document["Parameters"][target].get("Default", ""))
            kind = self.document["Resources"].get(target, {}).get("Type", "")
            return None if kind == "AWS::SecretsManager::Secret" else target
        return None
