"""Handoffs through the local stack: how soon an agent can see one, and the claim race over HTTP.

For each of HANDOFFS customers: the customer asks for a person (web chat API), and an agent polling
the queue API as fast as it can measures when the handoff appears ("visible"). The console polls
every 2 s, so what an agent sees on screen is visible + up to 2 s (median about 1 s more).
Then CLAIMANTS agents (the three demo agents, each with their own token, many threads) claim one
handoff at once, ROUNDS times: exactly one must win each round.
Prints one JSON line: {"handoffs", "visible_p50_ms", "visible_p99_ms", "console_poll_s", "claim_rounds",
"claimants", "winners_per_round", "claim_p50_ms"}. Run with `make bench-handoff`.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from local.agent_issuer import DEMO_AGENTS
from local.stack import LocalStack, StackConfig

CONSOLE_POLL_S = 2.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _ask_for_person(session: requests.Session, base: str) -> float:
    """Returns the moment (perf_counter) the customer's request was answered."""
    started = session.post(f"{base}/v1/conversations", json={"channel": "web"}, timeout=10).json()
    url = f"{base}/v1/conversations/{started['conversation_id']}/messages"
    body = {"text": "/human_handoff", "client_message_id": str(uuid.uuid4())}
    session.post(url, json=body, headers={"Authorization": f"Bearer {started['token']}"}, timeout=10).raise_for_status()
    return time.perf_counter()


def main() -> None:
    handoffs = int(os.environ.get("HANDOFFS", "30"))
    rounds = int(os.environ.get("ROUNDS", "10"))
    claimants = int(os.environ.get("CLAIMANTS", "50"))
    with LocalStack(StackConfig(port=0, workers_per_function=4)) as stack:
        base = stack.url
        tokens = [stack.agent_issuer.issue(agent.username) for agent in DEMO_AGENTS]
        agent = requests.Session()
        agent.headers["Authorization"] = f"Bearer {tokens[-1]}"
        visible = []
        for _ in range(handoffs):
            known = {h["handoff_id"] for h in agent.get(f"{base}/v1/agent/handoffs", timeout=10).json()["handoffs"]}
            asked = _ask_for_person(requests.Session(), base)
            while True:
                listed = agent.get(f"{base}/v1/agent/handoffs", timeout=10).json()["handoffs"]
                new = [h for h in listed if h["handoff_id"] not in known]
                if new:
                    visible.append((time.perf_counter() - asked) * 1000)
                    break
        winners, claim_ms = [], []
        for _ in range(rounds):
            listed = agent.get(f"{base}/v1/agent/handoffs", timeout=10).json()["handoffs"]
            target = listed[0]["handoff_id"]
            gate = threading.Barrier(claimants)

            def claim(i: int, target: str = target, gate: threading.Barrier = gate) -> int:
                headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
                gate.wait()
                t0 = time.perf_counter()
                status = requests.post(f"{base}/v1/agent/handoffs/{target}/claim", headers=headers, timeout=30)
                claim_ms.append((time.perf_counter() - t0) * 1000)
                return status.status_code

            with ThreadPoolExecutor(claimants) as pool:
                codes = list(pool.map(claim, range(claimants)))
            assert set(codes) <= {200, 409}, codes
            # An agent's own threads that see the handoff already theirs get 200 too (a retried claim is
            # fine), so a winner is an agent, not an answer.
            won = {DEMO_AGENTS[i % len(tokens)].name for i, code in enumerate(codes) if code == 200}
            winners.append(len(won))
            holder = agent.get(f"{base}/v1/agent/handoffs/{target}", timeout=10).json()["handoff"]["agent_name"]
            assert won == {holder}, (won, holder)
            token = tokens[[a.name for a in DEMO_AGENTS].index(holder)]
            resolved = requests.post(
                f"{base}/v1/agent/handoffs/{target}/resolve",
                json={"disposition": "duplicate"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            resolved.raise_for_status()
    print(
        json.dumps(
            {
                "handoffs": handoffs,
                "visible_p50_ms": round(statistics.median(visible), 1),
                "visible_p99_ms": round(_percentile(visible, 0.99), 1),
                "console_poll_s": CONSOLE_POLL_S,
                "claim_rounds": rounds,
                "claimants": claimants,
                "winners_per_round": sorted(set(winners)),
                "claim_p50_ms": round(statistics.median(claim_ms), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
