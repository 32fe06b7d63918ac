"""The serving runtime: loads a Rasa NLU model archive and parses text, without importing Rasa.

It reads the archive's predict schema, finds the nodes of the shipped pipeline (our intent
classifier, Rasa's RegexEntityExtractor and EntitySynonymMapper) and loads their artifacts.
A model that needs any other component is refused with UnsupportedModel, so the caller can fall
back to Rasa's own Agent.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

from bank_nlu.entities import PatternEntities
from bank_nlu.intent_model import IntentModel

CLASSIFIER = "bank_nlu.rasa_components.SentenceIntentClassifier"
REGEX_EXTRACTOR = "rasa.nlu.extractors.regex_entity_extractor.RegexEntityExtractor"
SYNONYM_MAPPER = "rasa.nlu.extractors.entity_synonyms.EntitySynonymMapper"
# Nodes that add nothing to the parse result the runtime returns.
PASSIVE = {
    "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
    "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
    "rasa.graph_components.providers.domain_provider.DomainProvider",
    "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider",
    "rasa.core.policies.rule_policy.RulePolicy",
    "rasa.graph_components.adders.nlu_prediction_to_history_adder.NLUPredictionToHistoryAdder",
    "rasa.graph_components.providers.domain_for_core_training_provider.DomainForCoreTrainingProvider",
    "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble",
    "rasa.graph_components.providers.nlu_training_data_provider.NLUTrainingDataProvider",
    "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
}
RANKING_SIZE = 10
NO_INTENT = "nlu_fallback"  # Rasa's name for "no intent recognised"


class UnsupportedModel(Exception):
    """The archive needs components only Rasa itself can run."""


class _Archive:
    """A Rasa model archive, packed (.tar.gz) or unpacked into a directory (faster to load: no gunzip)."""

    def __init__(self, path: Path) -> None:
        if path.is_dir():
            self._files = {str(f.relative_to(path)): f.read_bytes() for f in path.rglob("*") if f.is_file()}
            return
        with tarfile.open(path, "r:gz") as archive:
            self._files = {
                member.name.lstrip("/"): archive.extractfile(member).read()  # type: ignore[union-attr]
                for member in archive.getmembers()
                if member.isfile()
            }

    def read(self, name: str) -> bytes:
        return self._files[name]

    def resource(self, node: dict[str, Any]) -> Any:
        prefix = f"components/{node['resource']['name']}/"
        return lambda name: self.read(prefix + name)

    def has(self, node: dict[str, Any], name: str) -> bool:
        return f"components/{node['resource']['name']}/{name}" in self._files


class NluModel:
    def __init__(self, classifier: IntentModel, entities: PatternEntities) -> None:
        self.classifier = classifier
        self.entities = entities

    @classmethod
    def load(cls, path: str | Path) -> NluModel:
        archive = _Archive(Path(path))
        nodes = json.loads(archive.read("metadata.json"))["predict_schema"]["nodes"]
        by_class: dict[str, dict[str, Any]] = {}
        for name, node in nodes.items():
            if node["uses"] not in PASSIVE | {CLASSIFIER, REGEX_EXTRACTOR, SYNONYM_MAPPER}:
                raise UnsupportedModel(f"node {name} uses {node['uses']}")
            by_class[node["uses"]] = node
        if CLASSIFIER not in by_class:
            raise UnsupportedModel(f"the model has no {CLASSIFIER}")
        return cls(IntentModel.load(archive.resource(by_class[CLASSIFIER])), _entities(archive, by_class))

    def parse(self, text: str) -> dict[str, Any]:
        if not text.strip():  # nothing to understand: never let a blank message read as "yes"
            return {"intent": {"name": NO_INTENT, "confidence": 0.0}, "intent_ranking": [], "entities": []}
        ranking = [{"name": name, "confidence": p} for name, p in self.classifier.rank(text, RANKING_SIZE)]
        return {"intent": ranking[0], "intent_ranking": ranking, "entities": self.entities.extract(text)}


def _entities(archive: _Archive, by_class: dict[str, dict[str, Any]]) -> PatternEntities:
    extractor, mapper = by_class.get(REGEX_EXTRACTOR), by_class.get(SYNONYM_MAPPER)
    patterns = json.loads(archive.resource(extractor)("regex.json")) if extractor and archive.has(extractor, "regex.json") else []
    synonyms = json.loads(archive.resource(mapper)("synonyms.json")) if mapper and archive.has(mapper, "synonyms.json") else {}
    case_sensitive = bool(extractor and extractor["config"].get("case_sensitive", False))
    return PatternEntities(patterns, synonyms, case_sensitive)
