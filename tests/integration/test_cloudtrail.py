"""The audit trail: every control-plane call recorded as CloudTrail records it, and
`cloudtrail LookupEvents` finding them by attribute and time, newest first, secrets hidden."""
import datetime
import json

import pytest
from botocore.exceptions import ClientError

from helpers import ACCESS_KEY, ACCOUNT_ID, REGION, create_python_function, unique_name


@pytest.fixture(scope="module")
def cloudtrail(client_factory):
    return client_factory(service="cloudtrail")


def test_a_create_rest_api_is_found_by_name_and_by_event_name(apigw, cloudtrail):
    name = unique_name("audited")
    api = apigw.create_rest_api(name=name, description="audit me")
    [event] = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name}])["Events"]
    assert (event["EventName"], event["EventSource"], event["Username"], event["AccessKeyId"]) == (
        "CreateRestApi", "apigateway.amazonaws.com", "root", ACCESS_KEY)
    assert event["ReadOnly"] == "false"
    assert {"ResourceName": api["id"]} in event["Resources"]
    assert isinstance(event["EventTime"], datetime.datetime)
    record = json.loads(event["CloudTrailEvent"])
    assert record["eventName"] == "CreateRestApi" and record["awsRegion"] == REGION
    assert record["userIdentity"] == {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT_ID}:root", "accountId": ACCOUNT_ID,
                                      "accessKeyId": ACCESS_KEY, "principalId": ACCOUNT_ID}
    assert record["requestParameters"] == {"name": name, "description": "audit me"}
    assert record["sourceIPAddress"] == "127.0.0.1" and "Boto3" in record["userAgent"]
    by_id = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": event["EventId"]}])["Events"]
    assert [e["EventId"] for e in by_id] == [event["EventId"]]
    recent = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateRestApi"}], MaxResults=5)
    assert recent["Events"][0]["EventId"] == event["EventId"]  # newest first
    apigw.delete_rest_api(restApiId=api["id"])


def test_secrets_are_hidden_and_failures_keep_their_error(lambda_client, cloudtrail):
    name = create_python_function(lambda_client, "def handler(e, c):\n    return 1\n", prefix="audited",
                                  Environment={"Variables": {"DB_PASSWORD": "hunter2"}})
    [event] = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name}],
                                       MaxResults=50)["Events"][-1:]
    record = json.loads(event["CloudTrailEvent"])
    assert record["eventName"] == "CreateFunction"
    assert record["requestParameters"]["Environment"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert record["requestParameters"]["Code"]["ZipFile"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert "hunter2" not in event["CloudTrailEvent"]
    with pytest.raises(ClientError):
        lambda_client.get_function(FunctionName=name + "-missing")
    [failed] = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name + "-missing"}])["Events"]
    record = json.loads(failed["CloudTrailEvent"])
    assert (failed["ReadOnly"], record["errorCode"]) == ("true", "ResourceNotFoundException")
    lambda_client.delete_function(FunctionName=name)


def test_lookup_pages_and_refuses_what_aws_refuses(apigw, cloudtrail):
    for _ in range(3):
        apigw.get_account()
    first = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetAccount"}], MaxResults=2)
    assert len(first["Events"]) == 2 and first["NextToken"]
    second = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetAccount"}], MaxResults=2,
                                      NextToken=first["NextToken"])
    assert {e["EventId"] for e in first["Events"]}.isdisjoint(e["EventId"] for e in second["Events"])
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    assert cloudtrail.lookup_events(StartTime=later, EndTime=later + datetime.timedelta(hours=1))["Events"] == []
    with pytest.raises(ClientError) as raised:
        cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "A"},
                                                   {"AttributeKey": "EventName", "AttributeValue": "B"}])
    assert raised.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    with pytest.raises(ClientError) as raised:
        cloudtrail.lookup_events(StartTime=later, EndTime=later - datetime.timedelta(hours=2))
    assert raised.value.response["Error"]["Code"] == "InvalidTimeRangeException"
