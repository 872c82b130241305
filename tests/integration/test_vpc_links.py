"""VPC links: REST `vpclinks` (PENDING on create, then AVAILABLE or FAILED) and private
integrations of REST and HTTP APIs reaching a configured upstream set — round robin, the
integration uri's host, a refusing member skipped, every member down answered 500."""
import http.server
import json
import threading

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import InvokableApi, _free_port, _served, make_client
from helpers import assert_aws_error, unique_name

ACCOUNT = "000000000000"


def nlb(name):
    return f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/net/{name}/50dc6c495c0c9188"


def listener(name):
    return f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/net/{name}/50dc6c495c0c9188/f1f2"


class Named(http.server.BaseHTTPRequestHandler):
    """Answers which upstream it is, and the path and Host it was asked for."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"upstream": self.server.name, "path": self.path, "host": self.headers["Host"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def upstreams():
    servers = []
    for name in ("a", "b"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Named)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield {s.name: f"127.0.0.1:{s.server_address[1]}" for s in servers}
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def linked(upstreams):
    """A Gatehouse whose configuration names three upstream sets: two live members, one live
    member behind a dead one, and only dead ones."""
    dead = f"127.0.0.1:{_free_port()}"
    sets = f"web-nlb={upstreams['a']}|{upstreams['b']};mixed-nlb={dead}|{upstreams['a']};dead-nlb={dead}"
    yield from _served({"GATEHOUSE_UPSTREAMS": sets})


@pytest.fixture(scope="module")
def client(linked):
    return make_client(linked)


def create_link(client, target):
    return client.create_vpc_link(name=unique_name("link"), targetArns=[target])


def test_a_vpc_link_is_pending_then_available(client):
    created = create_link(client, nlb("web-nlb"))
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["status"] == "PENDING"
    link = client.get_vpc_link(vpcLinkId=created["id"])
    assert (link["status"], link["targetArns"]) == ("AVAILABLE", [nlb("web-nlb")])
    assert created["id"] in {item["id"] for item in client.get_vpc_links()["items"]}
    renamed = client.update_vpc_link(vpcLinkId=created["id"], patchOperations=[{"op": "replace", "path": "/name", "value": "renamed"}])
    assert renamed["name"] == "renamed"
    assert client.delete_vpc_link(vpcLinkId=created["id"])["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as error:
        client.get_vpc_link(vpcLinkId=created["id"])
    assert_aws_error(error, 404, "NotFoundException", "Invalid VPC link identifier specified")


def test_a_link_to_an_unknown_load_balancer_fails(client):
    link = client.get_vpc_link(vpcLinkId=create_link(client, nlb("nowhere"))["id"])
    assert link["status"] == "FAILED"
    assert "nowhere" in link["statusMessage"]


def private_api(client, linked, link_id, uri="http://web.internal/items", connection_id=None):
    api = InvokableApi(client, linked, client.create_rest_api(name=unique_name("private")))
    resource = api.method("/items")
    client.put_integration(restApiId=api.id, resourceId=resource, httpMethod="GET", type="HTTP_PROXY", integrationHttpMethod="GET",
                           uri=uri, connectionType="VPC_LINK", connectionId=connection_id or link_id)
    api.deploy("dev", variables={"linkId": link_id})
    return api


def test_requests_go_round_robin_with_the_uri_host(client, linked):
    api = private_api(client, linked, create_link(client, nlb("web-nlb"))["id"])
    answers = [api.invoke("dev", "items").json() for _ in range(10)]
    assert sorted(a["upstream"] for a in answers) == ["a"] * 5 + ["b"] * 5
    assert {(a["path"], a["host"]) for a in answers} == {("/items", "web.internal")}


def test_the_link_may_come_from_a_stage_variable(client, linked):
    link = create_link(client, nlb("web-nlb"))["id"]
    api = private_api(client, linked, link, connection_id="${stageVariables.linkId}")
    assert api.invoke("dev", "items").status_code == 200


def test_a_refusing_member_is_skipped(client, linked):
    api = private_api(client, linked, create_link(client, nlb("mixed-nlb"))["id"])
    answers = [api.invoke("dev", "items") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 6
    assert {a.json()["upstream"] for a in answers} == {"a"}


def test_every_member_down_is_an_integration_failure(client, linked):
    api = private_api(client, linked, create_link(client, nlb("dead-nlb"))["id"])
    answer = api.invoke("dev", "items")
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal server error"})


def test_an_http_api_private_integration_reaches_the_set(linked):
    v2 = make_client(linked, "apigatewayv2")
    link = v2.create_vpc_link(Name=unique_name("v2link"), SubnetIds=["subnet-1"])["VpcLinkId"]
    api = v2.create_api(Name=unique_name("private"), ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(
        ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", ConnectionType="VPC_LINK", ConnectionId=link,
        IntegrationUri=listener("web-nlb"), PayloadFormatVersion="1.0")["IntegrationId"]
    v2.create_route(ApiId=api, RouteKey="GET /orders/{id}", Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    url = f"{linked.url}/orders/7"
    answers = [requests.get(url, headers={"Host": f"{api}.execute-api.localhost"}, timeout=10) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4, answers[0].text
    assert sorted(a.json()["upstream"] for a in answers) == ["a", "a", "b", "b"]
    assert {a.json()["path"] for a in answers} == {"/orders/7"}
