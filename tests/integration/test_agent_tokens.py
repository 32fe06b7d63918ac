"""AgentTokenVerifier against user-pool keys served over HTTP, as Cognito (or the local run) serves them."""

import socket
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.agent_tokens import AgentIdentity, AgentTokenVerifier
from core.errors import AgentSignInUnavailable, InvalidAgentToken
from local.agent_issuer import LOCAL_CLIENT_ID, LOCAL_POOL_ID, LocalAgentIssuer
from tests.fakes import JwksEndpoint

JWKS_PATH = "/.well-known/jwks.json"


@pytest.fixture(scope="module")
def endpoint():
    served = JwksEndpoint()
    yield served
    served.shutdown()


@pytest.fixture(scope="module")
def issuer(endpoint):
    pool = LocalAgentIssuer(f"{endpoint.url}/local/cognito/{LOCAL_POOL_ID}")
    endpoint.publish(pool.issuer, pool.jwks())
    return pool


@pytest.fixture
def verifier(issuer):
    return AgentTokenVerifier(issuer.issuer, LOCAL_CLIENT_ID)


class ForgingPool:
    """A pool whose private key the test holds, to sign claims the local issuer would never produce."""

    def __init__(self, endpoint: JwksEndpoint, kid: str = "forging-kid") -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid
        self.issuer = f"{endpoint.url}/forging/{uuid.uuid4()}"
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        endpoint.publish(self.issuer, {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]})

    def sign(self, **overrides: object) -> str:
        now = int(time.time())
        claims = {
            "sub": "a1b2",
            "iss": self.issuer,
            "client_id": LOCAL_CLIENT_ID,
            "token_use": "access",
            "username": "alice",
            "iat": now,
            "exp": now + 600,
            **overrides,
        }
        return jwt.encode({k: v for k, v in claims.items() if v is not None}, self.key, "RS256", {"kid": self.kid})


def test_a_token_from_sign_in_verifies_to_the_agent_who_signed_in(issuer, verifier):
    _, body = issuer.initiate_auth(
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": LOCAL_CLIENT_ID,
            "AuthParameters": {"USERNAME": "bilal", "PASSWORD": "bilal-demo-pass"},
        }
    )
    assert verifier.verify(body["AuthenticationResult"]["AccessToken"]) == AgentIdentity(
        agent_id=issuer.sub_of("bilal"), username="bilal", groups=("agents",)
    )


def test_a_token_expired_beyond_the_leeway_is_refused(issuer, verifier):
    with pytest.raises(InvalidAgentToken, match="expired"):
        verifier.verify(issuer.issue("alice", lifetime_s=-60))


def test_a_token_expired_within_the_leeway_is_still_accepted(issuer, verifier):
    assert verifier.verify(issuer.issue("alice", lifetime_s=-5)).username == "alice"


def test_a_token_from_another_issuer_is_refused_even_with_a_valid_signature(issuer):
    other = AgentTokenVerifier(
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
        LOCAL_CLIENT_ID,
        jwks_url=issuer.issuer + JWKS_PATH,
    )
    with pytest.raises(InvalidAgentToken):
        other.verify(issuer.issue("alice"))


def test_a_token_for_another_app_client_is_refused(issuer):
    with pytest.raises(InvalidAgentToken, match="another app client"):
        AgentTokenVerifier(issuer.issuer, "another-app-client").verify(issuer.issue("alice"))


def test_an_id_token_is_not_an_access_token(issuer, verifier):
    _, body = issuer.initiate_auth(
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": LOCAL_CLIENT_ID,
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "alice-demo-pass"},
        }
    )
    with pytest.raises(InvalidAgentToken):
        verifier.verify(body["AuthenticationResult"]["IdToken"])


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"token_use": "id"}, "not an access token"),
        ({"username": None}, "claims are wrong"),
        ({"exp": None}, "claims are wrong"),
        ({"aud": LOCAL_CLIENT_ID}, "claims are wrong"),
        ({"cognito:groups": "agents"}, "wrong shape"),
        ({"iat": int(time.time()) + 3600}, "claims are wrong"),
    ],
)
def test_a_well_signed_token_with_the_wrong_claims_is_refused(endpoint, overrides, reason):
    pool = ForgingPool(endpoint)
    with pytest.raises(InvalidAgentToken, match=reason):
        AgentTokenVerifier(pool.issuer, LOCAL_CLIENT_ID).verify(pool.sign(**overrides))


def test_a_token_signed_by_another_key_under_the_pools_kid_is_refused(endpoint, issuer, verifier):
    impostor = ForgingPool(endpoint, kid=issuer.kid)
    with pytest.raises(InvalidAgentToken, match="signature"):
        verifier.verify(impostor.sign(iss=issuer.issuer, sub=issuer.sub_of("alice"), **{"cognito:groups": ["agents"]}))


def test_a_token_naming_a_key_the_pool_does_not_have_is_refused(endpoint, verifier):
    with pytest.raises(InvalidAgentToken, match="not signed by a key of this user pool"):
        verifier.verify(ForgingPool(endpoint, kid="not-in-the-pool").sign())


def test_a_known_key_keeps_working_while_the_key_endpoint_is_down(endpoint, issuer):
    pool = LocalAgentIssuer(f"{endpoint.url}/outage/{LOCAL_POOL_ID}")
    endpoint.publish(pool.issuer, pool.jwks())
    verifier = AgentTokenVerifier(pool.issuer, LOCAL_CLIENT_ID)
    verifier.verify(pool.issue("chen"))
    del endpoint.bodies[f"/outage/{LOCAL_POOL_ID}{JWKS_PATH}"]
    assert verifier.verify(pool.issue("chen")).username == "chen"


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{JWKS_PATH}"


@pytest.mark.parametrize("body", [None, b"<html>Service Unavailable</html>", b'{"keys": []}'])
def test_a_key_endpoint_that_fails_makes_sign_in_unavailable_not_the_token_invalid(endpoint, issuer, body):
    path = f"/broken/{uuid.uuid4()}{JWKS_PATH}"
    if body is not None:
        endpoint.bodies[path] = body
    verifier = AgentTokenVerifier(issuer.issuer, LOCAL_CLIENT_ID, jwks_url=endpoint.url + path)
    with pytest.raises(AgentSignInUnavailable):
        verifier.verify(issuer.issue("alice"))


def test_an_unreachable_key_endpoint_makes_sign_in_unavailable(issuer):
    verifier = AgentTokenVerifier(issuer.issuer, LOCAL_CLIENT_ID, jwks_url=closed_port_url())
    with pytest.raises(AgentSignInUnavailable):
        verifier.verify(issuer.issue("alice"))
