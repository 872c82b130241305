"""The data plane never goes back to an older deployment.

One writer redeploys a stage over and over, each deployment answering a higher counter, while
other writers make unrelated configuration changes (REST APIs created, deployed and deleted, API
keys created and deleted, another API's stage variables changed) and a reader keeps calling the
stage. Every answer is a 200; the counter the reader sees never decreases; and a deployment is
live by the time CreateDeployment answers: any request sent after CreateDeployment(N) returned
answers N or later (and none answers N before CreateDeployment(N) was sent).
"""
import json
import threading
import time

import requests

from conftest import InvokableApi, make_client
from helpers import unique_name

DEPLOYMENTS = 30
STAGE = "live"
# A bound on the whole test, so that a stuck server fails it rather than hanging the suite.
DEADLINE_S = 25.0


def _counter_template(n):
    return json.dumps({"n": n})


def test_the_data_plane_never_goes_back_to_an_older_deployment(fresh_gatehouse):
    server = fresh_gatehouse
    setup = make_client(server)

    counted = InvokableApi(setup, server, setup.create_rest_api(name=unique_name("order")))
    counted.mock("/n", "GET", body=_counter_template(0))
    counted.deploy(STAGE)
    url = counted.url(STAGE, "n")
    first = requests.get(url, timeout=10)
    assert (first.status_code, first.json()) == (200, {"n": 0}), first.text
    resource = counted.resource("/n")

    other = InvokableApi(setup, server, setup.create_rest_api(name=unique_name("order-other")))
    other.mock("/x", "GET", body="$stageVariables.x")
    other.deploy("vars", variables={"x": "0"})

    stop = threading.Event()
    started_at = time.monotonic()
    errors = []  # (thread, repr(exception))
    # N -> monotonic time CreateDeployment(N) was sent / answered
    sent, answered = {0: 0.0}, {0: 0.0}
    # The writer's own first GET after each CreateDeployment: (N, status, body)
    after_deploy = []
    # The reader's requests: (sent, received, status, n or None, body)
    seen = []

    def guarded(name, body):
        def run():
            try:
                body()
            except Exception as error:  # noqa: BLE001 - reported by the assertions below
                errors.append((name, repr(error)))
                stop.set()
        return threading.Thread(target=run, name=name, daemon=True)

    def deployer():
        client = make_client(server)
        session = requests.Session()
        try:
            for n in range(1, DEPLOYMENTS + 1):
                if stop.is_set() or time.monotonic() - started_at > DEADLINE_S:
                    raise AssertionError(f"stopped before deployment {n}")
                client.put_integration_response(
                    restApiId=counted.id, resourceId=resource, httpMethod="GET", statusCode="200",
                    responseTemplates={"application/json": _counter_template(n)})
                sent[n] = time.monotonic()
                client.create_deployment(restApiId=counted.id, stageName=STAGE, description=f"n={n}")
                answered[n] = time.monotonic()
                response = session.get(url, timeout=10)
                after_deploy.append((n, response.status_code, response.text))
        finally:
            stop.set()

    def reader():
        session = requests.Session()
        while not stop.is_set():
            t_sent = time.monotonic()
            try:
                response = session.get(url, timeout=10)
            except requests.RequestException as error:
                seen.append((t_sent, time.monotonic(), None, None, repr(error)))
                continue
            t_received = time.monotonic()
            try:
                n = response.json()["n"]
            except (ValueError, KeyError, TypeError):
                n = None
            seen.append((t_sent, t_received, response.status_code, n, response.text))

    def churn_apis():
        client = make_client(server)
        while not stop.is_set():
            api = InvokableApi(client, server, client.create_rest_api(name=unique_name("order-churn")))
            api.mock("/c", "GET", body="churn")
            api.deploy("s")
            client.delete_rest_api(restApiId=api.id)

    def churn_keys():
        client = make_client(server)
        while not stop.is_set():
            key = client.create_api_key(name=unique_name("order-key"), enabled=True)
            client.delete_api_key(apiKey=key["id"])

    def churn_stage_variables():
        client = make_client(server)
        i = 0
        while not stop.is_set():
            i += 1
            client.update_stage(restApiId=other.id, stageName="vars", patchOperations=[
                {"op": "replace", "path": "/variables/x", "value": str(i)}])

    threads = [guarded(name, body) for name, body in [
        ("reader", reader), ("churn-apis", churn_apis), ("churn-keys", churn_keys),
        ("churn-stage-variables", churn_stage_variables), ("deployer", deployer)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, DEADLINE_S + 15 - (time.monotonic() - started_at)))
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    assert not errors, f"threads failed: {errors}"
    assert len(after_deploy) == DEPLOYMENTS

    # The stage ends at the last deployment; the other API's stage saw its variable changes.
    last = requests.get(url, timeout=10)
    assert (last.status_code, last.json()) == (200, {"n": DEPLOYMENTS})
    assert requests.get(other.url("vars", "x"), timeout=10).status_code == 200

    # The first GET after each CreateDeployment(N) answered N.
    wrong = [(n, status, body) for n, status, body in after_deploy if (status, body) != (200, _counter_template(n))]
    assert not wrong, f"GET right after CreateDeployment(N) did not answer N: {wrong[:5]}"

    # Every reader request was a 200 carrying a counter.
    assert len(seen) > DEPLOYMENTS, f"the reader made only {len(seen)} requests"
    failed = [entry for entry in seen if entry[2] != 200 or entry[3] is None]
    assert not failed, f"{len(failed)} of {len(seen)} reader requests failed, e.g. {failed[:5]}"

    # The counter never decreased.
    sequence = [n for _, _, _, n, _ in seen]
    backwards = [(i, sequence[i - 1], sequence[i]) for i in range(1, len(sequence)) if sequence[i] < sequence[i - 1]]
    assert not backwards, f"the counter went backwards (index, before, after): {backwards[:10]}"

    # A request sent after CreateDeployment(N) answered saw N or later, and none saw N before
    # CreateDeployment(N) was sent.
    stale, early = [], []
    for t_sent, t_received, _, n, _ in seen:
        newest_answered = max(k for k, t in answered.items() if t <= t_sent)
        newest_sent = max(k for k, t in sent.items() if t <= t_received)
        if n < newest_answered:
            stale.append((n, newest_answered))
        if n > newest_sent:
            early.append((n, newest_sent))
    assert not stale, f"requests sent after CreateDeployment(N) answered saw an older N (seen, N): {stale[:10]}"
    assert not early, f"requests saw N before CreateDeployment(N) was sent (seen, newest sent): {early[:10]}"
