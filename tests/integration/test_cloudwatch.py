"""CloudWatch metrics (`monitoring`): PutMetricData, ListMetrics, GetMetricStatistics and
GetMetricData, in the protocols its clients send — `json` (boto3 and the aws CLI on this
machine), `smithy-rpc-v2-cbor` (newer SDKs) and `query`."""
import datetime
import json
import time

import boto3
import botocore.parsers
import botocore.serialize
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.config import Config
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from board import CLIENT as BOARD_CLIENT
from conftest import InvokableApi, _served, make_client
from helpers import ACCESS_KEY, REGION, SECRET_KEY, create_python_function, invoke_json, unique_name


@pytest.fixture(scope="module")
def cloudwatch(client_factory):
    return client_factory(service="cloudwatch")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def put_values(cloudwatch, namespace, name, values, dimensions=(), unit="Milliseconds"):
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions], "Values": values, "Unit": unit}])


def test_put_metric_data_then_statistics_sum_what_was_put(cloudwatch):
    namespace = unique_name("Custom/App")
    put_values(cloudwatch, namespace, "Latency", [10, 20, 30, 40], dimensions=[("Service", "orders")])
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "orders"}],
         "StatisticValues": {"SampleCount": 2, "Sum": 100, "Minimum": 5, "Maximum": 95}, "Unit": "Milliseconds"}])
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName="Latency", Dimensions=[{"Name": "Service", "Value": "orders"}],
        StartTime=now() - datetime.timedelta(minutes=5), EndTime=now() + datetime.timedelta(minutes=1), Period=3600,
        Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"])
    assert answer["Label"] == "Latency"
    [point] = answer["Datapoints"]
    assert (point["SampleCount"], point["Sum"], point["Minimum"], point["Maximum"]) == (6, 200, 5, 95)
    assert point["Average"] == pytest.approx(200 / 6)
    assert point["Unit"] == "Milliseconds"
    assert isinstance(point["Timestamp"], datetime.datetime)


def test_percentiles_come_from_the_values_put(cloudwatch):
    namespace = unique_name("Custom/App")
    put_values(cloudwatch, namespace, "Latency", list(range(1, 101)))
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName="Latency", StartTime=now() - datetime.timedelta(minutes=5),
        EndTime=now() + datetime.timedelta(minutes=1), Period=3600, ExtendedStatistics=["p50", "p99"])
    assert answer["Datapoints"][0]["ExtendedStatistics"] == {"p50": 50, "p99": 99}


def test_list_metrics_filters_by_namespace_name_and_dimension(cloudwatch):
    namespace = unique_name("Custom/App")
    put_values(cloudwatch, namespace, "Errors", [1], dimensions=[("Service", "a")], unit="Count")
    put_values(cloudwatch, namespace, "Errors", [1], dimensions=[("Service", "b")], unit="Count")
    put_values(cloudwatch, namespace, "Latency", [1], dimensions=[("Service", "a")])
    metrics = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert len(metrics) == 3
    assert cloudwatch.list_metrics(Namespace=namespace, MetricName="Errors", Dimensions=[{"Name": "Service", "Value": "b"}])["Metrics"] == [
        {"Namespace": namespace, "MetricName": "Errors", "Dimensions": [{"Name": "Service", "Value": "b"}]}]
    assert len(cloudwatch.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Service"}])["Metrics"]) == 3


def test_get_metric_data_answers_each_query_newest_first(cloudwatch):
    namespace = unique_name("Custom/App")
    minute = now().replace(second=0, microsecond=0)
    for offset, value in ((3, 1.0), (2, 2.0), (1, 4.0)):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": "Jobs", "Value": value, "Timestamp": minute - datetime.timedelta(minutes=offset), "Unit": "Count"}])
    answer = cloudwatch.get_metric_data(
        StartTime=minute - datetime.timedelta(minutes=10), EndTime=minute, MetricDataQueries=[
            {"Id": "jobs", "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": "Jobs"}, "Period": 60, "Stat": "Sum"}}])
    [result] = answer["MetricDataResults"]
    assert (result["Id"], result["Label"], result["StatusCode"]) == ("jobs", "Jobs", "Complete")
    assert result["Values"] == [4.0, 2.0, 1.0]
    assert result["Timestamps"] == sorted(result["Timestamps"], reverse=True)


def test_bad_windows_are_invalid_parameter_values_as_aws_answers(cloudwatch):
    with pytest.raises(ClientError) as raised:
        cloudwatch.get_metric_statistics(Namespace="X", MetricName="Y", StartTime=now(), EndTime=now() - datetime.timedelta(hours=1),
                                         Period=60, Statistics=["Sum"])
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as raised:
        cloudwatch.get_metric_statistics(Namespace="X", MetricName="Y", StartTime=now() - datetime.timedelta(days=3), EndTime=now(),
                                         Period=60, Statistics=["Sum"])
    assert "exceeds the limit of 1440" in raised.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as raised:
        cloudwatch.get_metric_statistics(Namespace="X", MetricName="Y", StartTime=now() - datetime.timedelta(hours=1), EndTime=now(),
                                         Period=60)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as raised:
        put_values(cloudwatch, "AWS/ApiGateway", "Count", [1])
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


def cbor_call(gatehouse, cloudwatch, operation, parameters):
    """One call in the smithy-rpc-v2-cbor protocol, made and read by botocore's own serializer and parser."""
    model = cloudwatch.meta.service_model.operation_model(operation)
    serialized = botocore.serialize.create_serializer("smithy-rpc-v2-cbor").serialize_to_request(parameters, model)
    url = gatehouse.url + serialized["url_path"]
    request = AWSRequest(method="POST", url=url, data=serialized["body"], headers=dict(serialized["headers"]))
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "monitoring", REGION).add_auth(request)
    response = requests.post(url, data=serialized["body"], headers=dict(request.headers.items()), timeout=30)
    parsed = botocore.parsers.create_parser("smithy-rpc-v2-cbor").parse(
        {"status_code": response.status_code, "headers": response.headers, "body": response.content}, model.output_shape)
    return response, parsed


def test_the_cbor_protocol_puts_and_reads_metrics(gatehouse, cloudwatch):
    namespace = unique_name("Custom/Cbor")
    response, _ = cbor_call(gatehouse, cloudwatch, "PutMetricData", {"Namespace": namespace, "MetricData": [
        {"MetricName": "Hits", "Values": [1.0, 2.0, 3.5], "Unit": "Count", "Timestamp": now()}]})
    assert response.status_code == 200
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    response, parsed = cbor_call(gatehouse, cloudwatch, "GetMetricStatistics", {
        "Namespace": namespace, "MetricName": "Hits", "StartTime": now() - datetime.timedelta(minutes=5),
        "EndTime": now() + datetime.timedelta(minutes=1), "Period": 300, "Statistics": ["Sum", "Maximum"]})
    assert response.headers["Content-Type"] == "application/cbor"
    [point] = parsed["Datapoints"]
    assert (point["Sum"], point["Maximum"], point["Unit"]) == (6.5, 3.5, "Count")
    assert isinstance(point["Timestamp"], datetime.datetime)


def test_a_cbor_error_names_its_code_for_query_era_clients(gatehouse, cloudwatch):
    response, parsed = cbor_call(gatehouse, cloudwatch, "GetMetricStatistics", {
        "Namespace": "X", "MetricName": "Y", "StartTime": now(), "EndTime": now() - datetime.timedelta(hours=1), "Period": 60,
        "Statistics": ["Sum"]})
    assert response.status_code == 400
    assert response.headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert parsed["Error"]["Code"] == "InvalidParameterValue"
    assert "StartTime must be less than" in parsed["Error"]["Message"]


def test_the_aws_cli_reads_statistics(aws_service_cli, cloudwatch):
    namespace = unique_name("Custom/Cli")
    put_values(cloudwatch, namespace, "Orders", [3, 4], unit="Count")
    start = (now() - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now() + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = aws_service_cli("cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name", "Orders",
                             "--start-time", start, "--end-time", end, "--period", "3600", "--statistics", "Sum")
    assert answer["Datapoints"][0]["Sum"] == 7.0


def test_the_query_protocol_answers_in_xml(gatehouse, cloudwatch):
    namespace = unique_name("Custom/Query")
    put_values(cloudwatch, namespace, "Orders", [1], unit="Count")
    body = f"Action=ListMetrics&Version=2010-08-01&Namespace={namespace}"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url=gatehouse.url + "/", data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "monitoring", REGION).add_auth(request)
    response = requests.post(gatehouse.url + "/", data=body, headers=dict(request.headers.items()), timeout=30)
    assert response.status_code == 200
    assert "<ListMetricsResponse" in response.text and "<ListMetricsResult>" in response.text
    assert f"<Namespace>{namespace}</Namespace>" in response.text and "<MetricName>Orders</MetricName>" in response.text


OPS_TOPIC = "arn:aws:sns:us-east-1:000000000000:ops"


@pytest.fixture(scope="module")
def ops_channel(board):
    """Where the ops topic's webhook posts alarm events."""
    return board.channel()


@pytest.fixture(scope="module")
def metered(ops_channel):
    """A server that turns its counters into datapoints and evaluates alarms every second (AWS:
    every minute), the ops topic's alarm actions posted to a channel of the board."""
    yield from _served({"GATEHOUSE_METRICS_INTERVAL_SECONDS": "1", "GATEHOUSE_ALARM_WEBHOOKS": f"{OPS_TOPIC}={ops_channel.url}"})


def loaded_api(server, load):
    """A REST API named anew, MOCK methods /ok (200), /missing (404), /broken (500) deployed on
    prod, invoked at each path of `load`; (its name, the statuses answered)."""
    apigw = make_client(server, "apigateway")
    name = unique_name("metered")
    api = InvokableApi(apigw, server, apigw.create_rest_api(name=name))
    api.mock("/ok", body='{"ok": true}')
    api.mock("/missing", status=404)
    api.mock("/broken", status=500)
    api.deploy("prod")
    return name, [api.invoke("prod", path).status_code for path in load]


def total_of(cloudwatch, namespace, metric, dimensions, statistic="Sum", expected=None):
    """The statistic summed over the last minutes' datapoints, waiting up to 10 s for `expected`."""
    deadline = time.monotonic() + 10
    while True:
        points = cloudwatch.get_metric_statistics(
            Namespace=namespace, MetricName=metric, Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()], Period=60,
            Statistics=[statistic], StartTime=now() - datetime.timedelta(minutes=5), EndTime=now() + datetime.timedelta(minutes=1))["Datapoints"]
        value = sum(point[statistic] for point in points)
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_a_rest_stage_counts_its_requests_by_status_and_latency(metered):
    name, statuses = loaded_api(metered, ["ok"] * 7 + ["missing"] * 2 + ["broken"])
    assert statuses == [200] * 7 + [404] * 2 + [500]
    cloudwatch = make_client(metered, "cloudwatch")
    dimensions = [{"Name": "ApiName", "Value": name}, {"Name": "Stage", "Value": "prod"}]

    totals = {"ApiName": name, "Stage": "prod"}
    assert total_of(cloudwatch, "AWS/ApiGateway", "Count", totals, expected=10) == 10
    assert total_of(cloudwatch, "AWS/ApiGateway", "4XXError", totals, expected=2) == 2
    assert total_of(cloudwatch, "AWS/ApiGateway", "5XXError", totals, expected=1) == 1
    assert total_of(cloudwatch, "AWS/ApiGateway", "Latency", totals, "SampleCount", expected=10) == 10
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/ApiGateway", MetricName="Latency", Dimensions=dimensions, Period=60, Statistics=["SampleCount"],
        StartTime=now() - datetime.timedelta(minutes=5), EndTime=now() + datetime.timedelta(minutes=1))["Datapoints"]
    assert points and all(point["Unit"] == "Milliseconds" for point in points)
    listed = cloudwatch.list_metrics(Namespace="AWS/ApiGateway", Dimensions=[{"Name": "ApiName", "Value": name}])["Metrics"]
    assert sorted(metric["MetricName"] for metric in listed) == ["4XXError", "5XXError", "Count", "Latency"]


def test_a_function_counts_invocations_errors_and_duration(metered):
    lam = make_client(metered, "lambda")
    name = create_python_function(lam, "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('no')\n    return 1\n",
                                  prefix="metered")
    for event in ({}, {}, {}, {"fail": True}):
        invoke_json(lam, name, event)
    cloudwatch = make_client(metered, "cloudwatch")

    def total(metric, statistic="Sum", expected=None):
        return total_of(cloudwatch, "AWS/Lambda", metric, {"FunctionName": name}, statistic, expected)

    assert total("Invocations", expected=4) == 4
    assert total("Errors", expected=1) == 1
    assert total("Duration", "SampleCount", expected=4) == 4
    assert total("ConcurrentExecutions", "Maximum", expected=1) == 1
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert total("AsyncEventsReceived", expected=1) == 1
    assert total("Invocations", expected=5) == 5
    # By alias: counted under the function and under its Resource too.
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    invoke_json(lam, name, {}, Qualifier="live")
    assert total("Invocations", expected=6) == 6
    assert total_of(cloudwatch, "AWS/Lambda", "Invocations", {"FunctionName": name, "Resource": f"{name}:live"}, expected=1) == 1
    # Past its reserved concurrency: a throttle.
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    once = boto3.client("lambda", endpoint_url=metered.url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as raised:
        once.invoke(FunctionName=name, Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert total("Throttles", expected=1) == 1


def test_prometheus_text_parses_and_counts_what_cloudwatch_counts(metered):
    from prometheus_client.parser import text_string_to_metric_families

    name, _ = loaded_api(metered, ["ok"] * 5 + ["missing"] * 3)
    response = requests.get(f"{metered.url}/_gatehouse/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}

    def value(family, sample_name, **labels):
        return next(sample.value for sample in families[family].samples
                    if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()))

    labels = {"api_name": name, "stage": "prod"}
    assert families["gatehouse_apigateway_count"].type == "counter"
    assert value("gatehouse_apigateway_count", "gatehouse_apigateway_count_total", **labels) == 8
    assert value("gatehouse_apigateway_4xxerror", "gatehouse_apigateway_4xxerror_total", **labels) == 3
    assert families["gatehouse_apigateway_latency_milliseconds"].type == "histogram"
    assert value("gatehouse_apigateway_latency_milliseconds", "gatehouse_apigateway_latency_milliseconds_count", **labels) == 8
    assert value("gatehouse_apigateway_latency_milliseconds", "gatehouse_apigateway_latency_milliseconds_bucket", le="+Inf", **labels) == 8


ALARM_HANDLER = BOARD_CLIENT + """
import os

def handler(event, context):
    leave(os.environ["EVENTS"], event)
"""


def wait_until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def test_an_alarm_goes_to_alarm_and_invokes_its_function_with_aws_event(metered, board):
    cloudwatch, lam = make_client(metered, "cloudwatch"), make_client(metered, "lambda")
    events = board.channel()
    function = create_python_function(lam, ALARM_HANDLER, prefix="onalarm", Environment={"Variables": {"EVENTS": events.url}})
    arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    namespace, name = unique_name("Custom/Alarms"), unique_name("queue-deep")
    cloudwatch.put_metric_alarm(
        AlarmName=name, AlarmDescription="too many jobs", Namespace=namespace, MetricName="Depth", Statistic="Maximum", Period=60,
        EvaluationPeriods=1, Threshold=3, ComparisonOperator="GreaterThanThreshold", AlarmActions=[arn], OKActions=[OPS_TOPIC],
        Dimensions=[{"Name": "Queue", "Value": "jobs"}])
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert (alarm["StateValue"], alarm["StateReason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    assert alarm["AlarmArn"] == f"arn:aws:cloudwatch:{REGION}:000000000000:alarm:{name}"
    assert (alarm["ActionsEnabled"], alarm["TreatMissingData"], alarm["AlarmActions"]) == (True, "missing", [arn])

    cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Depth", "Dimensions": [{"Name": "Queue", "Value": "jobs"}], "Value": 5}])
    alarmed = wait_until(lambda: cloudwatch.describe_alarms(AlarmNames=[name], StateValue="ALARM")["MetricAlarms"])
    assert alarmed and alarmed[0]["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [5]")
    [event] = wait_until(events.records)
    assert (event["source"], event["alarmArn"], event["region"]) == ("aws.cloudwatch", alarm["AlarmArn"], REGION)
    assert event["alarmData"]["alarmName"] == name
    assert (event["alarmData"]["state"]["value"], event["alarmData"]["previousState"]["value"]) == ("ALARM", "INSUFFICIENT_DATA")
    assert event["alarmData"]["configuration"] == {"description": "too many jobs", "metrics": [{
        "id": "m1", "returnData": True, "metricStat": {
            "metric": {"namespace": namespace, "name": "Depth", "dimensions": {"Queue": "jobs"}}, "period": 60, "stat": "Maximum"}}]}
    assert [a["AlarmName"] for a in cloudwatch.describe_alarms(ActionPrefix=arn)["MetricAlarms"]] == [name]


def test_set_alarm_state_runs_the_new_states_actions_and_delete_is_all_or_nothing(metered, ops_channel):
    cloudwatch = make_client(metered, "cloudwatch")
    name = unique_name("manual")
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace=unique_name("Custom/Quiet"), MetricName="Nothing", Statistic="Sum", Period=60, EvaluationPeriods=2,
        Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold", OKActions=[OPS_TOPIC], TreatMissingData="ignore")
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="testing the pager", StateReasonData='{"by": "ci"}')
    posted = wait_until(lambda: [e for e in ops_channel.records() if e["alarmData"]["alarmName"] == name])
    assert posted[0]["alarmData"]["state"] == {
        "value": "OK", "reason": "testing the pager", "reasonData": '{"by": "ci"}', "timestamp": posted[0]["alarmData"]["state"]["timestamp"]}
    time.sleep(2)  # evaluations with no data and TreatMissingData=ignore keep the state
    assert cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"] == "OK"
    with pytest.raises(ClientError) as raised:
        cloudwatch.delete_alarms(AlarmNames=[name, "no-such-alarm"])
    assert raised.value.response["Error"]["Code"] == "ResourceNotFound"
    assert cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    cloudwatch.delete_alarms(AlarmNames=[name])
    assert cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []
    with pytest.raises(ClientError) as raised:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="x")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFound"


def test_a_cached_stage_counts_hits_and_misses(metered):
    apigw = make_client(metered, "apigateway")
    name = unique_name("cached")
    api = InvokableApi(apigw, metered, apigw.create_rest_api(name=name))
    api.mock("/ok", body='{"ok": true}')
    api.deploy("prod")
    apigw.update_stage(restApiId=api.id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"}, {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"}])
    time.sleep(0.3)
    for _ in range(3):
        assert api.invoke("prod", "ok").status_code == 200
    cloudwatch = make_client(metered, "cloudwatch")
    dimensions = {"ApiName": name, "Stage": "prod"}
    assert total_of(cloudwatch, "AWS/ApiGateway", "CacheMissCount", dimensions, expected=1) == 1
    assert total_of(cloudwatch, "AWS/ApiGateway", "CacheHitCount", dimensions, expected=2) == 2


def test_an_http_api_stage_counts_requests_integration_latency_and_bytes(metered):
    lam, v2 = make_client(metered, "lambda"), make_client(metered, "apigatewayv2")
    function = create_python_function(lam, "def handler(event, context):\n    return {'statusCode': 200, 'body': 'hello'}\n",
                                      prefix="httpmetered", apigateway_may_invoke=True)
    arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    api = v2.create_api(Name=unique_name("httpmetered"), ProtocolType="HTTP", Target=arn)
    for _ in range(3):
        response = requests.post(f"{metered.url}/anything", data=b"12345", headers={"Host": f"{api['ApiId']}.execute-api.localhost"}, timeout=30)
        assert response.status_code == 200 and response.text == "hello"
    cloudwatch = make_client(metered, "cloudwatch")
    dimensions = {"ApiId": api["ApiId"], "Stage": "$default"}
    assert total_of(cloudwatch, "AWS/ApiGateway", "Count", dimensions, expected=3) == 3
    assert total_of(cloudwatch, "AWS/ApiGateway", "5xx", dimensions) == 0
    assert total_of(cloudwatch, "AWS/ApiGateway", "IntegrationLatency", dimensions, "SampleCount", expected=3) == 3
    assert total_of(cloudwatch, "AWS/ApiGateway", "DataProcessed", dimensions, expected=30) == 30
    # Detailed metrics by route, once the stage's route settings enable them.
    v2.update_stage(ApiId=api["ApiId"], StageName="$default", DefaultRouteSettings={"DetailedMetricsEnabled": True})
    time.sleep(0.5)
    requests.get(f"{metered.url}/x", headers={"Host": f"{api['ApiId']}.execute-api.localhost"}, timeout=30)
    assert total_of(cloudwatch, "AWS/ApiGateway", "Count", {**dimensions, "Route": "$default"}, expected=1) == 1


def test_a_websocket_stage_counts_connects_messages_and_errors(metered):
    import websocket

    from test_websocket_apis import create_ws_api, deploy, mock_integration, route

    v2 = make_client(metered, "apigatewayv2")
    api_id = create_ws_api(v2)["ApiId"]
    integration = mock_integration(v2, api_id)
    route(v2, api_id, "$connect", integration)
    route(v2, api_id, "ping", integration, two_way=True)
    deploy(v2, api_id, "live")
    ws = websocket.create_connection(f"ws://127.0.0.1:{metered.port}/{api_id}/live", timeout=5)
    for _ in range(2):
        ws.send('{"action": "ping"}')
        assert json.loads(ws.recv())["echo"] == "ping"
    ws.send('{"action": "nowhere"}')  # no route, no $default: refused by the gateway
    assert "Forbidden" in ws.recv()
    ws.close()
    cloudwatch = make_client(metered, "cloudwatch")
    dimensions = {"ApiId": api_id, "Stage": "live"}
    assert total_of(cloudwatch, "AWS/ApiGateway", "ConnectCount", dimensions, expected=1) == 1
    assert total_of(cloudwatch, "AWS/ApiGateway", "MessageCount", dimensions, expected=3) == 3
    assert total_of(cloudwatch, "AWS/ApiGateway", "ClientError", dimensions, expected=1) == 1
    assert total_of(cloudwatch, "AWS/ApiGateway", "ExecutionError", dimensions) == 0


def test_get_metric_data_does_simple_math_across_queries(cloudwatch):
    namespace = unique_name("Custom/Math")
    minute = now().replace(second=0, microsecond=0)
    for offset, (errors, requests_) in ((2, (1.0, 10.0)), (1, (3.0, 20.0))):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": "Errors", "Value": errors, "Timestamp": minute - datetime.timedelta(minutes=offset)},
            {"MetricName": "Requests", "Value": requests_, "Timestamp": minute - datetime.timedelta(minutes=offset)}])

    def stat(id_, name):
        return {"Id": id_, "ReturnData": False,
                "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": name}, "Period": 60, "Stat": "Sum"}}

    answer = cloudwatch.get_metric_data(
        StartTime=minute - datetime.timedelta(minutes=10), EndTime=minute, ScanBy="TimestampAscending", MetricDataQueries=[
            stat("e", "Errors"), stat("r", "Requests"),
            {"Id": "rate", "Expression": "100 * e / r", "Label": "Error rate"},
            {"Id": "all", "Expression": "SUM(METRICS())"},
            {"Id": "peak", "Expression": "MAX([e, r])"}])
    results = {result["Id"]: result for result in answer["MetricDataResults"]}
    assert set(results) == {"rate", "all", "peak"}
    assert (results["rate"]["Label"], results["rate"]["Values"]) == ("Error rate", [10.0, 15.0])
    assert results["all"]["Values"] == [11.0, 23.0]
    assert results["peak"]["Values"] == [10.0, 20.0]
    with pytest.raises(ClientError) as raised:
        cloudwatch.get_metric_data(StartTime=minute - datetime.timedelta(minutes=10), EndTime=minute, MetricDataQueries=[
            stat("e", "Errors"), {"Id": "bad", "Expression": "e / nothing"}])
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_detailed_metrics_count_by_resource_and_method_where_enabled(metered):
    apigw = make_client(metered, "apigateway")
    name = unique_name("detailed")
    api = InvokableApi(apigw, metered, apigw.create_rest_api(name=name))
    api.mock("/ok", body="{}")
    api.mock("/other", body="{}")
    api.deploy("prod")
    apigw.update_stage(restApiId=api.id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/~1ok/GET/metrics/enabled", "value": "true"}])
    time.sleep(0.3)
    for path in ["ok", "ok", "other"]:
        assert api.invoke("prod", path).status_code == 200
    cloudwatch = make_client(metered, "cloudwatch")
    detailed = {"ApiName": name, "Stage": "prod", "Resource": "/ok", "Method": "GET"}
    assert total_of(cloudwatch, "AWS/ApiGateway", "Count", detailed, expected=2) == 2
    assert total_of(cloudwatch, "AWS/ApiGateway", "Count", {"ApiName": name, "Stage": "prod"}, expected=3) == 3
    assert total_of(cloudwatch, "AWS/ApiGateway", "Count", {**detailed, "Resource": "/other"}) == 0
