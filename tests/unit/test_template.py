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


@pytest.fixture(scope="module")
def translated():
    """The CloudFormation SAM makes of the template once `sam package` has filled in the code locations."""
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

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        return transform(packaged, {}, NoManagedPolicies())


def test_the_sam_translator_transforms_the_packaged_template(translated):
    assert "ChatApiFunctionRole" in translated["Resources"]


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


# Where customer data is stored, queued or sent: no wildcard action and no "any resource" on these. (Not KMS: the key
# policy's kms:* for the account root is what keeps the key manageable, as in AWS's default key policy.)
DATA_SERVICES = {"dynamodb", "sqs", "sns", "s3", "secretsmanager", "sms-voice", "events"}
DATA_KEY = ({"Ref": "DataKey"}, {"Fn::GetAtt": ["DataKey", "Arn"]})


def policy_statements(node, where=""):
    """Every statement of every policy document in a template (roles, key, queue and topic policies ...)."""
    if isinstance(node, dict):
        if isinstance(node.get("Statement"), list):
            yield from ((where, statement) for statement in node["Statement"])
        for key, value in node.items():
            yield from policy_statements(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from policy_statements(value, f"{where}[{index}]")


def test_no_policy_grants_a_wildcard_action_or_any_resource_on_a_data_service(translated):
    statements = list(policy_statements(translated["Resources"]))
    assert len(statements) > 20  # the functions' roles are there, not only the key policy
    for where, statement in statements:
        if statement["Effect"] != "Allow":
            continue
        assert "NotAction" not in statement and "NotResource" not in statement, where
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "*" not in actions, where
        on_data = [a for a in actions if a.split(":")[0] in DATA_SERVICES]
        assert not [a for a in on_data if "*" in a], where
        assert not (on_data and statement.get("Resource") in ("*", ["*"])), where


def test_the_functions_own_statements_name_their_resources():
    for name, function in TEMPLATE.resources("AWS::Serverless::Function").items():
        for _, statement in policy_statements(function["Properties"].get("Policies", [])):
            assert statement["Resource"] not in ("*", ["*"]), name


def test_every_table_is_encrypted_with_the_customer_key_and_recoverable():
    for name, table in TEMPLATE.tables().items():
        assert table["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Ref": "DataKey"},
        }, name
        assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert table["BillingMode"] == "PAY_PER_REQUEST", name


@pytest.mark.parametrize(
    ("kind", "key_property"),
    [
        ("AWS::SQS::Queue", "KmsMasterKeyId"),
        ("AWS::SNS::Topic", "KmsMasterKeyId"),
        ("AWS::SecretsManager::Secret", "KmsKeyId"),
        ("AWS::Logs::LogGroup", "KmsKeyId"),
        ("AWS::Events::EventBus", "KmsKeyIdentifier"),
    ],
)
def test_every_queue_topic_secret_log_group_and_event_bus_is_encrypted_with_the_customer_key(kind, key_property):
    resources = TEMPLATE.resources(kind)
    assert resources
    for name, resource in resources.items():
        assert resource["Properties"].get(key_property) in DATA_KEY, name


def test_the_customer_key_rotates():
    assert TEMPLATE.document["Resources"]["DataKey"]["Properties"]["EnableKeyRotation"] is True


def test_the_nlu_function_is_a_container_image_built_from_nlu():
    nlu = TEMPLATE.document["Resources"]["NluFunction"]
    assert nlu["Properties"]["PackageType"] == "Image"
    assert (ROOT / nlu["Metadata"]["DockerContext"] / nlu["Metadata"]["Dockerfile"]).is_file()
