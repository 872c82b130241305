"""WAF (`wafv2`, scope REGIONAL): IP sets and web ACLs with lock tokens, associated with a REST
stage by its ARN, evaluated first on every request — a blocked request answers 403
{"message":"Forbidden"} — and changes live without redeploying the API, as on AWS."""
import time

import pytest
from botocore.exceptions import ClientError

from conftest import InvokableApi
from helpers import REGION, unique_name

VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


@pytest.fixture(scope="module")
def wafv2(client_factory):
    return client_factory(service="wafv2")


@pytest.fixture
def guarded_api(apigw, gatehouse):
    api = InvokableApi(apigw, gatehouse, apigw.create_rest_api(name=unique_name("guarded")))
    api.mock("/pets", body='{"pets": []}')
    api.deploy("prod")
    yield api
    apigw.delete_rest_api(restApiId=api.id)


def stage_arn(api, stage="prod"):
    return f"arn:aws:apigateway:{REGION}::/restapis/{api.id}/stages/{stage}"


def byte_match(text, field, position="CONTAINS", transformations=("URL_DECODE", "LOWERCASE")):
    return {"ByteMatchStatement": {"SearchString": text.encode(), "FieldToMatch": field, "PositionalConstraint": position,
                                   "TextTransformations": [{"Priority": i, "Type": t} for i, t in enumerate(transformations)]}}


def rule(name, priority, statement, action="Block"):
    return {"Name": name, "Priority": priority, "Statement": statement, "Action": {action: {}}, "VisibilityConfig": VISIBILITY}


def status_becomes(api, path, expected, headers=None, timeout=5):
    deadline = time.monotonic() + timeout
    while (response := api.invoke("prod", path, headers=headers)).status_code != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return response


def test_ip_sets_keep_their_lock_tokens(wafv2):
    name = unique_name("office")
    summary = wafv2.create_ip_set(Name=name, Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=["10.0.0.0/8"])["Summary"]
    assert summary["ARN"] == f"arn:aws:wafv2:{REGION}:000000000000:regional/ipset/{name}/{summary['Id']}"
    got = wafv2.get_ip_set(Name=name, Scope="REGIONAL", Id=summary["Id"])
    assert got["IPSet"]["Addresses"] == ["10.0.0.0/8"] and got["LockToken"] == summary["LockToken"]
    next_token = wafv2.update_ip_set(Name=name, Scope="REGIONAL", Id=summary["Id"], Addresses=["192.0.2.0/24"],
                                     LockToken=got["LockToken"])["NextLockToken"]
    assert next_token != got["LockToken"]
    with pytest.raises(ClientError) as raised:
        wafv2.update_ip_set(Name=name, Scope="REGIONAL", Id=summary["Id"], Addresses=[], LockToken=got["LockToken"])
    assert raised.value.response["Error"]["Code"] == "WAFOptimisticLockException"
    with pytest.raises(ClientError) as raised:
        wafv2.create_ip_set(Name=name, Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=[])
    assert raised.value.response["Error"]["Code"] == "WAFDuplicateItemException"
    with pytest.raises(ClientError) as raised:
        wafv2.create_ip_set(Name=unique_name("bad"), Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=["10.0.0.300/8"])
    assert raised.value.response["Error"]["Code"] == "WAFInvalidParameterException"
    assert name in [s["Name"] for s in wafv2.list_ip_sets(Scope="REGIONAL")["IPSets"]]
    wafv2.delete_ip_set(Name=name, Scope="REGIONAL", Id=summary["Id"], LockToken=next_token)
    with pytest.raises(ClientError) as raised:
        wafv2.get_ip_set(Name=name, Scope="REGIONAL", Id=summary["Id"])
    assert raised.value.response["Error"]["Code"] == "WAFNonexistentItemException"


def test_a_web_acl_blocks_an_ip_and_a_probe_and_its_changes_are_live(wafv2, guarded_api):
    ips = wafv2.create_ip_set(Name=unique_name("blocked"), Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=["127.0.0.0/8"])["Summary"]
    acl = wafv2.create_web_acl(
        Name=unique_name("front"), Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY, Rules=[
            rule("sqli-probe", 1, byte_match("union select", {"QueryString": {}})),
            rule("admin-path", 2, byte_match("/admin", {"UriPath": {}}, "STARTS_WITH", ("NONE",))),
            rule("bad-agent", 3, {"AndStatement": {"Statements": [
                byte_match("curl", {"SingleHeader": {"Name": "user-agent"}}),
                {"NotStatement": {"Statement": byte_match("GET", {"Method": {}}, "EXACTLY", ("NONE",))}}]}}),
        ])["Summary"]
    assert guarded_api.invoke("prod", "pets").status_code == 200
    wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn(guarded_api))
    assert wafv2.get_web_acl_for_resource(ResourceArn=stage_arn(guarded_api))["WebACL"]["Name"] == acl["Name"]
    assert wafv2.list_resources_for_web_acl(WebACLArn=acl["ARN"])["ResourceArns"] == [stage_arn(guarded_api)]

    # A SQL-injection probe in the query string, URL-encoded and in capitals: blocked.
    blocked = status_becomes(guarded_api, "pets?q=1%20UNION%20SELECT%20password", 403)
    assert (blocked.status_code, blocked.json()) == (403, {"message": "Forbidden"})
    assert blocked.headers["x-amzn-ErrorType"] == "ForbiddenException"
    assert guarded_api.invoke("prod", "pets?q=union").status_code == 200
    assert guarded_api.invoke("prod", "pets", method="POST", headers={"User-Agent": "curl/8"}).status_code == 403
    assert guarded_api.invoke("prod", "pets", headers={"User-Agent": "curl/8"}).status_code == 200

    # Add the caller's own address: every request blocked, without a redeployment.
    got = wafv2.get_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"])
    rules = got["WebACL"]["Rules"] + [rule("blocked-ips", 0, {"IPSetReferenceStatement": {"ARN": ips["ARN"]}})]
    wafv2.update_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"], DefaultAction={"Allow": {}}, Rules=rules,
                         VisibilityConfig=VISIBILITY, LockToken=got["LockToken"])
    assert status_becomes(guarded_api, "pets", 403).status_code == 403

    # In use: neither the ACL nor its IP set can go; once disassociated, requests pass again.
    with pytest.raises(ClientError) as raised:
        wafv2.delete_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"],
                             LockToken=wafv2.get_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"])["LockToken"])
    assert raised.value.response["Error"]["Code"] == "WAFAssociatedItemException"
    with pytest.raises(ClientError) as raised:
        wafv2.delete_ip_set(Name=ips["Name"], Scope="REGIONAL", Id=ips["Id"], LockToken=ips["LockToken"])
    assert raised.value.response["Error"]["Code"] == "WAFAssociatedItemException"
    wafv2.disassociate_web_acl(ResourceArn=stage_arn(guarded_api))
    assert status_becomes(guarded_api, "pets", 200).status_code == 200
    assert wafv2.get_web_acl_for_resource(ResourceArn=stage_arn(guarded_api)).get("WebACL") is None


def test_a_blocking_default_and_allow_and_count_rules(wafv2, guarded_api):
    acl = wafv2.create_web_acl(
        Name=unique_name("allowlist"), Scope="REGIONAL", DefaultAction={"Block": {}}, VisibilityConfig=VISIBILITY, Rules=[
            rule("count-everything", 0, byte_match("/", {"UriPath": {}}), action="Count"),
            rule("let-pets-in", 1, byte_match("/pets", {"UriPath": {}}, "ENDS_WITH", ("NONE",)), action="Allow"),
        ])["Summary"]
    wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn(guarded_api))
    assert status_becomes(guarded_api, "other", 403).status_code == 403
    assert guarded_api.invoke("prod", "pets").status_code == 200
    wafv2.disassociate_web_acl(ResourceArn=stage_arn(guarded_api))


def test_associations_need_a_stage_arn_and_existing_resources(wafv2, guarded_api):
    acl = wafv2.create_web_acl(Name=unique_name("x"), Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY)["Summary"]
    with pytest.raises(ClientError) as raised:
        wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn="arn:aws:s3:::some-bucket-name")
    assert raised.value.response["Error"]["Code"] == "WAFInvalidParameterException"
    with pytest.raises(ClientError) as raised:
        wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn(guarded_api, "nostage"))
    assert raised.value.response["Error"]["Code"] == "WAFNonexistentItemException"
    with pytest.raises(ClientError) as raised:
        wafv2.create_web_acl(Name=unique_name("y"), Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY, Rules=[
            rule("ghost", 0, {"IPSetReferenceStatement": {"ARN": f"arn:aws:wafv2:{REGION}:000000000000:regional/ipset/none/0"}})])
    assert raised.value.response["Error"]["Code"] == "WAFNonexistentItemException"
    with pytest.raises(ClientError) as raised:
        wafv2.list_web_acls(Scope="CLOUDFRONT")
    assert raised.value.response["Error"]["Code"] == "WAFInvalidParameterException"


def test_custom_responses_and_forwarded_addresses(wafv2, guarded_api):
    ips = wafv2.create_ip_set(Name=unique_name("proxied"), Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=["198.51.100.0/24"])["Summary"]
    acl = wafv2.create_web_acl(
        Name=unique_name("custom"), Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY,
        CustomResponseBodies={"slow-down": {"ContentType": "APPLICATION_JSON", "Content": '{"error": "go away"}'}},
        Rules=[{**rule("by-forwarded-ip", 0, {"IPSetReferenceStatement": {"ARN": ips["ARN"], "IPSetForwardedIPConfig": {
            "HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH", "Position": "FIRST"}}}),
            "Action": {"Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "slow-down",
                                                    "ResponseHeaders": [{"Name": "reason", "Value": "listed"}]}}}}])["Summary"]
    wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn(guarded_api))
    listed = {"X-Forwarded-For": "198.51.100.7, 10.0.0.1"}
    blocked = status_becomes(guarded_api, "pets", 429, headers=listed)
    assert (blocked.status_code, blocked.json(), blocked.headers["x-amzn-waf-reason"]) == (429, {"error": "go away"}, "listed")
    assert blocked.headers["Content-Type"] == "application/json"
    assert guarded_api.invoke("prod", "pets", headers={"X-Forwarded-For": "10.0.0.1, 198.51.100.7"}).status_code == 200  # FIRST only
    assert guarded_api.invoke("prod", "pets", headers={"X-Forwarded-For": "not-an-ip"}).status_code == 200  # NO_MATCH fallback
    assert guarded_api.invoke("prod", "pets").status_code == 200
    wafv2.disassociate_web_acl(ResourceArn=stage_arn(guarded_api))


def test_regex_pattern_sets_regex_and_size_statements(wafv2, guarded_api):
    patterns = wafv2.create_regex_pattern_set(
        Name=unique_name("probes"), Scope="REGIONAL", RegularExpressionList=[{"RegexString": r"\.\./"}, {"RegexString": r"(?i)<script"}])["Summary"]
    with pytest.raises(ClientError) as raised:
        wafv2.create_regex_pattern_set(Name=unique_name("bad"), Scope="REGIONAL", RegularExpressionList=[{"RegexString": "(unclosed"}])
    assert raised.value.response["Error"]["Code"] == "WAFInvalidParameterException"
    acl = wafv2.create_web_acl(
        Name=unique_name("patterns"), Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY, Rules=[
            rule("traversal-or-script", 0, {"RegexPatternSetReferenceStatement": {
                "ARN": patterns["ARN"], "FieldToMatch": {"QueryString": {}}, "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"}]}}),
            rule("numeric-id-only", 1, {"NotStatement": {"Statement": {"RegexMatchStatement": {
                "RegexString": "^[0-9]*$", "FieldToMatch": {"SingleHeader": {"Name": "x-id"}}, "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}}),
            rule("small-bodies", 2, {"SizeConstraintStatement": {
                "FieldToMatch": {"Body": {}}, "ComparisonOperator": "GT", "Size": 16, "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}),
        ])["Summary"]
    wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn(guarded_api))
    assert status_becomes(guarded_api, "pets?file=..%2F..%2Fetc%2Fpasswd", 403).status_code == 403
    assert guarded_api.invoke("prod", "pets?q=%3CScript%3Ealert(1)").status_code == 403
    assert guarded_api.invoke("prod", "pets?q=scripts").status_code == 200
    assert guarded_api.invoke("prod", "pets", headers={"x-id": "12ab"}).status_code == 403
    assert guarded_api.invoke("prod", "pets", headers={"x-id": "1234"}).status_code == 200
    assert guarded_api.invoke("prod", "pets", method="GET", data=b"x" * 17).status_code == 403
    assert guarded_api.invoke("prod", "pets", method="GET", data=b"x" * 16).status_code == 200
    with pytest.raises(ClientError) as raised:
        wafv2.delete_regex_pattern_set(Name=patterns["Name"], Scope="REGIONAL", Id=patterns["Id"], LockToken=patterns["LockToken"])
    assert raised.value.response["Error"]["Code"] == "WAFAssociatedItemException"
    wafv2.disassociate_web_acl(ResourceArn=stage_arn(guarded_api))
