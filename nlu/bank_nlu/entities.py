"""Entities as Rasa's RegexEntityExtractor and EntitySynonymMapper find them, from their stored artifacts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PatternEntities:
    patterns: list[dict[str, str]]
    synonyms: dict[str, str] = field(default_factory=dict)
    case_sensitive: bool = False

    def __post_init__(self) -> None:
        flags = 0 if self.case_sensitive else re.IGNORECASE
        self._compiled = [(p["name"], re.compile(p["pattern"], flags)) for p in self.patterns]

    def extract(self, text: str) -> list[dict[str, Any]]:
        entities = []
        for name, pattern in self._compiled:
            for match in pattern.finditer(text):
                value = text[match.start() : match.end()]
                entities.append(
                    {
                        "entity": name,
                        "value": self.synonyms.get(value.lower(), value),
                        "start": match.start(),
                        "end": match.end(),
                        "confidence": None,
                    }
                )
        return entities
