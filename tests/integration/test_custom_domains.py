"""Custom domain names: the REST `domainnames` and `basepathmappings` operations, v2 API mappings,
and requests routed by their `Host` — the root mapping, single and multi-level base paths
(the longest wins), a mapping that lets the caller name the stage, and a path no mapping takes."""
import json
import shutil
import subprocess

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import InvokableApi, _binary, _free_port, _launch, _server_environment, make_client
from helpers import assert_aws_error, unique_name

CONTEXT = '{"path": "$context.path", "domain": "$context.domainName", "stage": "$context.stage", "resource": "$context.resourcePath"}'


def domain_name():
    return unique_name("api").lower() + ".example.test"


@pytest.fixture
def domains(apigw):
    made = []

    def make(**kwargs):
        name = domain_name()
        made.append(name)
        return apigw.create_domain_name(domainName=name, **kwargs)

    yield make
    for name in made:
        try:
            apigw.delete_domain_name(domainName=name)
        except apigw.exceptions.NotFoundException:
            pass


@pytest.fixture
def staged(apigw, invokable):
    """The test's API with GET /items answering what it saw, on stages dev and prod."""
    invokable.mock("/items", body=CONTEXT)
    invokable.deploy("dev")
    invokable.deploy("prod")
    return invokable


def get(server, host, path, **kwargs):
    return requests.get(server.url + path, headers={"Host": host, **kwargs.pop("headers", {})}, timeout=10, **kwargs)


def test_domain_names_are_created_listed_and_deleted(apigw, domains):
    edge = domains(certificateArn="arn:aws:acm:us-east-1:000000000000:certificate/abc")
    assert edge["domainNameStatus"] == "AVAILABLE"
    assert edge["distributionDomainName"].endswith(".cloudfront.net")
    assert edge["endpointConfiguration"]["types"] == ["EDGE"]
    regional = domains(regionalCertificateArn="arn:aws:acm:us-east-1:000000000000:certificate/def",
                       endpointConfiguration={"types": ["REGIONAL"]})
    assert regional["regionalDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    names = {item["domainName"] for item in apigw.get_domain_names()["items"]}
    assert {edge["domainName"], regional["domainName"]} <= names
    assert apigw.get_domain_name(domainName=edge["domainName"])["domainName"] == edge["domainName"]
    with pytest.raises(ClientError) as error:
        apigw.create_domain_name(domainName=edge["domainName"])
    assert_aws_error(error, 409, "ConflictException", "The domain name you provided already exists.")
    answer = apigw.delete_domain_name(domainName=regional["domainName"])
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as error:
        apigw.get_domain_name(domainName=regional["domainName"])
    assert_aws_error(error, 404, "NotFoundException", "Invalid domain name identifier specified")


def test_base_path_mappings_are_checked_and_kept(apigw, domains, staged):
    name = domains()["domainName"]
    root = apigw.create_base_path_mapping(domainName=name, restApiId=staged.id, stage="prod")
    assert (root["basePath"], root["restApiId"], root["stage"]) == ("(none)", staged.id, "prod")
    assert root["ResponseMetadata"]["HTTPStatusCode"] == 201
    open_stage = apigw.create_base_path_mapping(domainName=name, restApiId=staged.id, basePath="v1")
    assert "stage" not in open_stage
    for kwargs, status, code, message in [
        ({"restApiId": "nope0000", "basePath": "x"}, 400, "BadRequestException", "Invalid REST API identifier specified"),
        ({"restApiId": staged.id, "basePath": "x", "stage": "nope"}, 400, "BadRequestException", "Invalid stage identifier specified"),
        ({"restApiId": staged.id, "basePath": "v1"}, 409, "ConflictException", "Base path already exists for this domain name"),
    ]:
        with pytest.raises(ClientError) as error:
            apigw.create_base_path_mapping(domainName=name, **kwargs)
        assert_aws_error(error, status, code, message)
    assert {m["basePath"] for m in apigw.get_base_path_mappings(domainName=name)["items"]} == {"(none)", "v1"}
    assert apigw.get_base_path_mapping(domainName=name, basePath="(none)")["stage"] == "prod"
    moved = apigw.update_base_path_mapping(domainName=name, basePath="v1", patchOperations=[
        {"op": "replace", "path": "/basePath", "value": "v9"}])
    assert moved["basePath"] == "v9"
    with pytest.raises(ClientError) as error:
        apigw.get_base_path_mapping(domainName=name, basePath="v1")
    assert_aws_error(error, 404, "NotFoundException", "Invalid base path mapping identifier specified")
    assert apigw.delete_base_path_mapping(domainName=name, basePath="v9")["ResponseMetadata"]["HTTPStatusCode"] == 202


def test_requests_route_by_host_and_the_longest_base_path(apigw, gatehouse, domains, staged):
    name = domains()["domainName"]
    apigw.create_base_path_mapping(domainName=name, restApiId=staged.id, stage="prod")
    apigw.create_base_path_mapping(domainName=name, restApiId=staged.id, basePath="v1")
    apigw.create_base_path_mapping(domainName=name, restApiId=staged.id, basePath="v2/orders", stage="dev")
    cases = [
        (name, "/items", "prod", "/items"),
        (name + f":{gatehouse.port}", "/items", "prod", "/items"),
        (name.upper(), "/items", "prod", "/items"),
        (name, "/v1/dev/items", "dev", "/v1/dev/items"),
        (name, "/v2/orders/items", "dev", "/v2/orders/items"),
    ]
    for host, path, stage, seen_path in cases:
        response = get(gatehouse, host, path)
        assert response.status_code == 200, (host, path, response.text)
        assert json.loads(response.text) == {"path": seen_path, "domain": host.split(":")[0], "stage": stage, "resource": "/items"}
    # "v1x" is not "v1": the root mapping takes it, and its API has no such resource.
    missing = get(gatehouse, name, "/v1x/items")
    assert (missing.status_code, missing.json()) == (403, {"message": "Missing Authentication Token"})


def test_a_path_no_mapping_takes_is_forbidden(apigw, gatehouse, domains, staged):
    name = domains()["domainName"]
    apigw.create_base_path_mapping(domainName=name, restApiId=staged.id, basePath="v1", stage="dev")
    assert get(gatehouse, name, "/v1/items").status_code == 200
    for path in ("/items", "/v2/items"):
        response = get(gatehouse, name, path)
        assert (response.status_code, response.json()) == (403, {"message": "Forbidden"}), path
        assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"
    apigw.delete_base_path_mapping(domainName=name, basePath="v1")
    assert get(gatehouse, name, "/v1/items").status_code == 403


def test_v2_api_mappings_route_http_and_rest_apis(apigw, client_factory, gatehouse, upstream, staged):
    v2 = client_factory(service="apigatewayv2")
    name = domain_name()
    v2.create_domain_name(DomainName=name)
    try:
        http_api = v2.create_api(Name=unique_name("domain"), ProtocolType="HTTP", Target=upstream.url + "/via-domain")["ApiId"]
        v2.create_api_mapping(DomainName=name, ApiId=http_api, Stage="$default", ApiMappingKey="up")
        v2.create_api_mapping(DomainName=name, ApiId=staged.id, Stage="dev", ApiMappingKey="rest")
        proxied = get(gatehouse, name, "/up/anything")
        assert proxied.status_code == 200, proxied.text
        assert proxied.headers["X-Upstream"] == "yes"
        rest = get(gatehouse, name, "/rest/items")
        assert rest.status_code == 200, rest.text
        assert json.loads(rest.text)["stage"] == "dev"
        v2.delete_api(ApiId=http_api)
    finally:
        v2.delete_domain_name(DomainName=name)


def make_certificate(directory, name):
    """A CA and a certificate for `name` it signs (openssl); returns (ca, certificate, key) paths."""
    ca_key, ca, key, csr, certificate = (str(directory / f) for f in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
    extensions = directory / "san.ext"
    extensions.write_text(f"subjectAltName=DNS:{name}\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", certificate, "-days", "2",
        "-extfile", str(extensions))
    return ca, certificate, key


def test_a_custom_domain_answers_https_with_its_own_certificate(tmp_path):
    name = "api.example.test"
    ca, certificate, key = make_certificate(tmp_path, name)
    port = _free_port()
    server, workdir = _launch({"GATEHOUSE_TLS_PORT": str(port), "GATEHOUSE_TLS_CERTIFICATE": certificate,
                               "GATEHOUSE_TLS_PRIVATE_KEY": key})
    try:
        apigw = make_client(server)
        api = InvokableApi(apigw, server, apigw.create_rest_api(name="tls"))
        api.mock("/items", body=CONTEXT)
        api.deploy("prod")
        apigw.create_domain_name(domainName=name, regionalCertificateArn="arn:aws:acm:us-east-1:000000000000:certificate/x",
                                 endpointConfiguration={"types": ["REGIONAL"]})
        apigw.create_base_path_mapping(domainName=name, restApiId=api.id, stage="prod")
        answer = subprocess.run(
            ["curl", "-sS", "--noproxy", "*", "--cacert", ca, "--resolve", f"{name}:{port}:127.0.0.1", f"https://{name}:{port}/items"],
            capture_output=True, text=True, timeout=30)
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout) == {"path": "/items", "domain": name, "stage": "prod", "resource": "/items"}
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_a_tls_listener_with_a_bad_certificate_is_refused_at_start(tmp_path):
    missing = str(tmp_path / "missing.pem")
    process = subprocess.run(
        [str(_binary()), "serve", "--port", str(_free_port()), "--data-dir", str(tmp_path / "data")],
        env={**_server_environment(), "GATEHOUSE_TLS_PORT": str(_free_port()), "GATEHOUSE_TLS_CERTIFICATE": missing,
             "GATEHOUSE_TLS_PRIVATE_KEY": missing},
        capture_output=True, text=True, timeout=30)
    assert process.returncode != 0
    assert f"the TLS listener's certificate {missing}" in process.stderr
