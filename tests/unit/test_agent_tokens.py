"""The local agent sign-in and the agent-token checks that need no JWKS fetch (sockets stay off here)."""

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from adapters.agent_tokens import AgentTokenVerifier
from adapters.app_tokens import AppTokenVerifier
from core.errors import InvalidAgentToken, InvalidAppToken
from local.agent_issuer import DEMO_AGENTS, LOCAL_CLIENT_ID, LOCAL_POOL_ID, LocalAgentIssuer

ISSUER_URL = f"http://127.0.0.1:8000/local/cognito/{LOCAL_POOL_ID}"
# Nothing listens on the discard port: a verifier that fetched keys would fail with AgentSignInUnavailable instead.
UNFETCHED_JWKS = "http://127.0.0.1:9/.well-known/jwks.json"


@pytest.fixture(scope="module")
def issuer():
    return LocalAgentIssuer(ISSUER_URL)


def sign_in(issuer, username="alice", password="alice-demo-pass", client_id=LOCAL_CLIENT_ID, flow="USER_PASSWORD_AUTH"):
    return issuer.initiate_auth(
        {"AuthFlow": flow, "ClientId": client_id, "AuthParameters": {"USERNAME": username, "PASSWORD": password}}
    )


def public_key(issuer):
    return jwt.PyJWK(issuer.jwks()["keys"][0])


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade_jwt(header, claims, key=b""):
    """PyJWT refuses to sign these (alg none, a PEM as HMAC secret), which is why an attacker writes them by hand."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest() if key else b""
    return f"{signing_input}.{b64(signature)}"


def access_claims(issuer):
    return jwt.decode(issuer.issue("alice"), options={"verify_signature": False})


def test_a_demo_agent_signs_in_with_tokens_shaped_like_cognitos(issuer):
    status, body = sign_in(issuer)
    assert status == 200
    result = body["AuthenticationResult"]
    assert (result["ExpiresIn"], result["TokenType"], body["ChallengeParameters"]) == (3600, "Bearer", {})
    access = jwt.decode(result["AccessToken"], public_key(issuer), algorithms=["RS256"], issuer=ISSUER_URL)
    assert access["token_use"] == "access"
    assert access["client_id"] == LOCAL_CLIENT_ID
    assert (access["sub"], access["username"], access["cognito:groups"]) == (
        issuer.sub_of("alice"),
        "alice",
        ["agents"],
    )
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert "aud" not in access
    assert access["exp"] - access["iat"] == 3600
    identity = jwt.decode(result["IdToken"], public_key(issuer), algorithms=["RS256"], audience=LOCAL_CLIENT_ID)
    assert identity["token_use"] == "id"
    assert (identity["cognito:username"], identity["name"], identity["email"]) == (
        "alice",
        "Alice Moreno",
        "alice@agents.example",
    )
    assert jwt.get_unverified_header(result["AccessToken"])["kid"] == issuer.kid


@pytest.mark.parametrize(("username", "password"), [("alice", "bilal-demo-pass"), ("mallory", "alice-demo-pass")])
def test_a_wrong_password_and_an_unknown_agent_get_the_same_refusal(issuer, username, password):
    assert sign_in(issuer, username, password) == (
        400,
        {"__type": "NotAuthorizedException", "message": "Incorrect username or password."},
    )


def test_an_unknown_app_client_is_refused_as_cognito_refuses_it(issuer):
    status, body = sign_in(issuer, client_id="someone-elses-client")
    assert status == 400
    assert body == {
        "__type": "ResourceNotFoundException",
        "message": "User pool client someone-elses-client does not exist.",
    }


@pytest.mark.parametrize(
    ("flow", "message"),
    [
        ("USER_SRP_AUTH", "USER_SRP_AUTH flow not enabled for this client"),
        ("ADMIN_USER_PASSWORD_AUTH", "Initiate Auth method not supported."),
        ("PASSWORD_PLEASE", "1 validation error detected: Value 'PASSWORD_PLEASE' at 'authFlow'"),
    ],
)
def test_a_flow_other_than_user_password_auth_is_refused(issuer, flow, message):
    status, body = sign_in(issuer, flow=flow)
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert body["message"].startswith(message)


def test_a_sign_in_without_a_username_is_refused(issuer):
    status, body = issuer.initiate_auth({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": LOCAL_CLIENT_ID})
    assert (status, body["__type"]) == (400, "InvalidParameterException")


def test_every_demo_agent_can_sign_in_and_keeps_its_sub_across_issuers(issuer):
    other = LocalAgentIssuer("http://127.0.0.1:9999/local/cognito/eu-west-1_LocalPool")
    for agent in DEMO_AGENTS:
        assert sign_in(issuer, agent.username, agent.password)[0] == 200
        assert issuer.sub_of(agent.username) == other.sub_of(agent.username)
    assert len({issuer.sub_of(agent.username) for agent in DEMO_AGENTS}) == len(DEMO_AGENTS)


def test_the_published_key_set_holds_no_private_key_material(issuer):
    (key,) = issuer.jwks()["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}
    assert (key["kty"], key["alg"], key["use"], key["kid"]) == ("RSA", "RS256", "sig", issuer.kid)


def test_an_unsigned_token_is_refused_before_any_key_is_fetched(issuer):
    token = handmade_jwt({"alg": "none", "typ": "JWT", "kid": issuer.kid}, access_claims(issuer))
    with pytest.raises(InvalidAgentToken, match="RS256"):
        AgentTokenVerifier(ISSUER_URL, LOCAL_CLIENT_ID, jwks_url=UNFETCHED_JWKS).verify(token)


def test_an_hs256_token_keyed_with_the_public_key_is_refused(issuer):
    pem = public_key(issuer).key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    token = handmade_jwt({"alg": "HS256", "typ": "JWT", "kid": issuer.kid}, access_claims(issuer), key=pem)
    with pytest.raises(InvalidAgentToken, match="RS256"):
        AgentTokenVerifier(ISSUER_URL, LOCAL_CLIENT_ID, jwks_url=UNFETCHED_JWKS).verify(token)


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_something_that_is_not_a_jwt_is_refused(token):
    with pytest.raises(InvalidAgentToken):
        AgentTokenVerifier(ISSUER_URL, LOCAL_CLIENT_ID, jwks_url=UNFETCHED_JWKS).verify(token)


def test_a_customer_app_token_is_not_an_agent_token():
    token = AppTokenVerifier("app-token-test-key-long-enough-for-hs256").issue("C-1001")
    with pytest.raises(InvalidAgentToken):
        AgentTokenVerifier(ISSUER_URL, LOCAL_CLIENT_ID, jwks_url=UNFETCHED_JWKS).verify(token)


def test_an_agent_access_token_is_not_a_customer_app_token(issuer):
    with pytest.raises(InvalidAppToken):
        AppTokenVerifier("app-token-test-key-long-enough-for-hs256").verify(issuer.issue("chen"))
