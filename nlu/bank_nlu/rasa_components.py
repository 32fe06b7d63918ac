"""The Rasa graph component that trains and runs the intent classifier inside Rasa's tooling.

`rasa train nlu` and `rasa test nlu` use it like any Rasa classifier; the serving runtime
(bank_nlu.model) reads the same artifacts without importing Rasa.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bank_nlu.intent_model import IntentModel
from bank_nlu.training import TrainingConfig, train_intent_model

RANKING_SIZE = 10


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {field.name: field.default for field in fields(TrainingConfig)}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        self._config = TrainingConfig(**{k: v for k, v in config.items() if k in self.get_default_config()})
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> SentenceIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceIntentClassifier:
        with model_storage.read_from(resource) as directory:
            model = IntentModel.load(lambda name: (directory / name).read_bytes())
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        artifacts = train_intent_model([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples], self._config)
        with self._model_storage.write_to(self._resource) as directory:
            for name, content in artifacts.items():
                (directory / name).write_bytes(content)
        self._model = IntentModel.load(artifacts.__getitem__)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self._model is None or not message.get(TEXT):
                continue
            ranking = [{"name": name, "confidence": p} for name, p in self._model.rank(message.get(TEXT), RANKING_SIZE)]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
