// Sign-in against the agents' Cognito user pool and calls to the agent API with the access token.
// The pool and the API come from config.json next to the page, so the same files deploy anywhere.

const SESSION_KEY = "agent-console-session";

export class SignedOut extends Error {}

export async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const data = await response.json();
  return { cognito: data.cognito_endpoint, clientId: data.client_id, api: (data.api || "").replace(/\/+$/, "") };
}

export const storedSession = () => {
  const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  return session && session.expiresAt > Date.now() ? session : null;
};
export const forgetSession = () => sessionStorage.removeItem(SESSION_KEY);

// Cognito's InitiateAuth with the username-password flow, exactly as the user pool expects it.
export async function signIn(config, username, password) {
  let response;
  try {
    response = await fetch(config.cognito, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
      },
      body: JSON.stringify({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: config.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    });
  } catch (error) {
    throw new Error("The sign-in service cannot be reached. Check your connection and try again.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `Sign-in failed (HTTP ${response.status})`);
  const result = data.AuthenticationResult;
  if (!result) throw new Error(`Sign-in needs a step this console does not support (${data.ChallengeName}).`);
  const session = { token: result.AccessToken, expiresAt: Date.now() + result.ExpiresIn * 1000 };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

// Server messages name a handoff by its id, which means nothing to an agent.
const plain = (message) => message.replace(/Handoff [0-9a-f-]{36}/i, "This conversation");

// A client for the agent API; a 401 calls onSignedOut and rejects with SignedOut.
export function agentApi(config, session, onSignedOut) {
  async function call(method, path, body) {
    const headers = { Authorization: `Bearer ${session.token}` };
    if (body) headers["Content-Type"] = "application/json";
    const response = await fetch(config.api + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    if (response.status === 401) {
      onSignedOut("Your session has ended. Please sign in again.");
      throw new SignedOut();
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw Object.assign(new Error(plain(data.message || `HTTP ${response.status}`)), { status: response.status });
    }
    return data;
  }

  // A dropped connection or a busy answer (503) is retried with the same body, so the same client id:
  // the API processes the message once.
  async function postWithRetry(path, body) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call("POST", path, body);
      } catch (error) {
        if (error instanceof SignedOut || (error.status && error.status !== 503) || attempt === 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
      }
    }
  }

  return { get: (path) => call("GET", path), post: (path, body) => call("POST", path, body || {}), postWithRetry };
}
