"""template.yaml is the single source of truth: it must lint, translate, and match the code."""

import copy
import importlib
import subprocess
import sys

import pytest
from samtranslator.translator.transform import transform

from local.template import ROOT, TEMPLATE_PATH, Template

TEMPLATE = Template.load()


def test_cfn_lint_reports_no_errors():
    result = subprocess.run(
        [sys.executable, "-m", "cfnlint", str(TEMPLATE_PATH)], capture_output=True, text=True, check=False
    )
    errors = [line for line in result.stdout.splitlines() if line.startswith("E")]
    assert errors == [], result.stdout


def test_the_sam_translator_transforms_the_packaged_template(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    packaged = copy.deepcopy(TEMPLATE.document)
    for resource in packaged["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            props = resource["Properties"]
            if props.get("PackageType") == "Image":  # what `sam package` fills in
                props["ImageUri"] = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nlu:rasa-3.6"
            else:
                props["CodeUri"] = "s3://artifacts/functions.zip"

    class NoManagedPolicies:
        def load(self):
            return {}

    output = transform(packaged, {}, NoManagedPolicies())
    assert "ChatApiFunctionRole" in output["Resources"]


@pytest.mark.parametrize("route", TEMPLATE.routes(), ids=lambda r: r.route_key)
def test_every_route_is_served_by_a_handler_that_declares_it(route):
    function = TEMPLATE.zip_functions()[route.function]
    paths = importlib.import_module(function.module).app.get_openapi_schema().paths
    assert getattr(paths[route.path], route.method.lower()) is not None


def test_every_handler_route_is_declared_in_the_template():
    declared = {(r.function, r.method, r.path) for r in TEMPLATE.routes()}
    for name, function in TEMPLATE.zip_functions().items():
        module = importlib.import_module(function.module)
        if not hasattr(module, "app"):  # scheduled, SNS and SQS functions have no routes
            continue
        paths = module.app.get_openapi_schema().paths
        for path, item in paths.items():
            for method in ("get", "post", "put", "delete"):
                if getattr(item, method) is not None:
                    assert (name, method.upper(), path) in declared


def test_function_policies_grant_no_wildcard_actions():
    for name, function in TEMPLATE.resources("AWS::Serverless::Function").items():
        for policy in function["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not any(a == "*" or a.endswith(":*") for a in actions), name
                assert statement["Resource"] != "*", name


def test_every_table_is_encrypted_with_the_customer_key_and_recoverable():
    for name, table in TEMPLATE.tables().items():
        assert table["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Ref": "DataKey"},
        }, name
        assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert table["BillingMode"] == "PAY_PER_REQUEST", name


def test_the_nlu_function_is_a_container_image_built_from_nlu():
    nlu = TEMPLATE.document["Resources"]["NluFunction"]
    assert nlu["Properties"]["PackageType"] == "Image"
    assert (ROOT / nlu["Metadata"]["DockerContext"] / nlu["Metadata"]["Dockerfile"]).is_file()
