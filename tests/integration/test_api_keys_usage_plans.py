"""API keys, usage plans, usage-plan keys, usage, and their enforcement on the data plane:
key checks (403 Forbidden), plan throttles (429 Too Many Requests), quotas (429 Limit Exceeded),
stage methodSettings throttles and GetUsage counts."""
import datetime
import time

import pytest
from botocore.exceptions import ClientError

from helpers import assert_aws_error, unique_name

FORBIDDEN = {"message": "Forbidden"}
TOO_MANY = {"message": "Too Many Requests"}
LIMIT_EXCEEDED = {"message": "Limit Exceeded"}


def today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


@pytest.fixture
def keyed(apigw, invokable):
    """GET /keyed requires an API key, GET /open does not; deployed to `dev` and `beta`."""
    invokable.mock("/keyed", "GET", body='{"ok": true}')
    apigw.update_method(restApiId=invokable.id, resourceId=invokable.resource("/keyed"), httpMethod="GET",
                        patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    invokable.mock("/open", "GET", body='{"open": true}')
    invokable.deploy("dev")
    invokable.deploy("beta")
    return invokable


def make_key(apigw, enabled=True, **kwargs):
    return apigw.create_api_key(name=unique_name("key"), enabled=enabled, **kwargs)


def make_plan(apigw, api_id, stage="dev", **kwargs):
    return apigw.create_usage_plan(name=unique_name("plan"), apiStages=[{"apiId": api_id, "stage": stage}], **kwargs)


def planned_key(apigw, api_id, **plan_kwargs):
    """A usage plan on `api_id`'s dev stage (with `plan_kwargs`) holding a new enabled key;
    returns the plan, the key and the headers that send it."""
    plan = make_plan(apigw, api_id, **plan_kwargs)
    key = make_key(apigw)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    return plan, key, {"x-api-key": key["value"]}


# ---------------------------------------------------------------------------------------------
# control plane


def test_create_api_key_generates_a_40_character_value_and_defaults_to_disabled(apigw):
    key = apigw.create_api_key(name=unique_name("key"))
    assert key["enabled"] is False
    assert len(key["value"]) == 40 and key["value"].isalnum()
    assert len(key["id"]) == 10
    assert key["stageKeys"] == []
    fetched = apigw.get_api_key(apiKey=key["id"])
    assert "value" not in fetched
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]


def test_api_key_values_are_checked_and_unique(apigw):
    with pytest.raises(ClientError) as short:
        apigw.create_api_key(name="short", value="tooshort")
    assert_aws_error(short.value, 400, "BadRequestException", "API Key value should be at least 20 characters")
    value = "v" * 20 + unique_name("x")
    apigw.create_api_key(name="first", value=value)
    with pytest.raises(ClientError) as duplicate:
        apigw.create_api_key(name="second", value=value)
    assert_aws_error(duplicate.value, 409, "ConflictException", "API Key already exists")


def test_get_api_keys_filters_by_name_and_hides_values(apigw):
    prefix = unique_name("filter")
    for n in range(3):
        apigw.create_api_key(name=f"{prefix}-{n}")
    listed = apigw.get_api_keys(nameQuery=prefix)["items"]
    assert sorted(k["name"] for k in listed) == [f"{prefix}-0", f"{prefix}-1", f"{prefix}-2"]
    assert all("value" not in k for k in listed)
    assert all("value" in k for k in apigw.get_api_keys(nameQuery=prefix, includeValues=True)["items"])


def test_update_and_delete_api_key(apigw):
    key = make_key(apigw, enabled=False)
    updated = apigw.update_api_key(apiKey=key["id"], patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "true"},
        {"op": "replace", "path": "/description", "value": "for tests"}])
    assert updated["enabled"] is True and updated["description"] == "for tests"
    assert "value" not in updated and updated["tags"] == {}
    apigw.delete_api_key(apiKey=key["id"])
    with pytest.raises(ClientError) as missing:
        apigw.get_api_key(apiKey=key["id"])
    assert_aws_error(missing.value, 404, "NotFoundException", "Invalid API Key identifier specified")


def test_an_api_key_patch_on_another_path_names_the_paths_it_takes(apigw):
    """AWS (recorded): the API key's own wording and order of its patch paths."""
    key = apigw.create_api_key(name=unique_name("paths"))
    with pytest.raises(ClientError) as error:
        apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/id", "value": "x"}])
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid patch path '/id' specified for op 'replace'. Must be one of: [/description, /enabled, /name, /customerId]")
    apigw.delete_api_key(apiKey=key["id"])


def test_import_api_keys_from_csv(apigw, keyed):
    plan = make_plan(apigw, keyed.id)
    value = "imported" + unique_name("k").replace("-", "") + "x" * 20
    csv = f"Name,key,Description,Enabled,UsagePlanIds\nimported,{value},from a file,true,{plan['id']}\n"
    result = apigw.import_api_keys(body=csv.encode(), format="csv")
    assert len(result["ids"]) == 1
    key = apigw.get_api_key(apiKey=result["ids"][0], includeValue=True)
    assert (key["name"], key["value"], key["enabled"], key["description"]) == ("imported", value, True, "from a file")
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == result["ids"]
    assert keyed.invoke("dev", "keyed", headers={"x-api-key": value}).status_code == 200


def test_usage_plan_crud_and_patch_paths(apigw, keyed):
    plan = make_plan(apigw, keyed.id, throttle={"rateLimit": 2.0, "burstLimit": 1},
                     quota={"limit": 10, "period": "DAY"})
    assert plan["quota"] == {"limit": 10, "offset": 0, "period": "DAY"}
    assert plan["apiStages"] == [{"apiId": keyed.id, "stage": "dev"}]
    assert len(plan["id"]) == 6
    updated = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "replace", "path": "/throttle/rateLimit", "value": "5"},
        {"op": "replace", "path": "/quota/period", "value": "MONTH"},
        {"op": "add", "path": "/apiStages", "value": f"{keyed.id}:beta"},
        {"op": "replace", "path": f"/apiStages/{keyed.id}:beta/throttle//keyed/GET/rateLimit", "value": "0.5"},
    ])
    assert updated["throttle"] == {"rateLimit": 5.0, "burstLimit": 1}
    assert updated["quota"]["period"] == "MONTH"
    beta = [s for s in updated["apiStages"] if s["stage"] == "beta"][0]
    assert beta["throttle"] == {"/keyed/GET": {"rateLimit": 0.5}}
    assert apigw.get_usage_plan(usagePlanId=plan["id"])["tags"] == {}

    # AWS (recorded) deletes a plan that still has API stages.
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    with pytest.raises(ClientError) as missing:
        apigw.get_usage_plan(usagePlanId=plan["id"])
    assert_aws_error(missing.value, 404, "NotFoundException", "Invalid Usage Plan ID specified")


def test_usage_plan_stages_must_exist(apigw, keyed):
    with pytest.raises(ClientError) as error:
        make_plan(apigw, keyed.id, stage="nope")
    assert_aws_error(error.value, 404, "NotFoundException", f"API Stage not found: {keyed.id}:nope")


def test_usage_plan_keys(apigw, keyed):
    plan = make_plan(apigw, keyed.id)
    key = make_key(apigw)
    added = apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert added == {"id": key["id"], "type": "API_KEY", "name": key["name"], "value": key["value"],
                     "ResponseMetadata": added["ResponseMetadata"]}
    assert apigw.get_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])["value"] == key["value"]
    with pytest.raises(ClientError) as twice:
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert twice.value.response["Error"]["Code"] == "ConflictException"
    other = make_plan(apigw, keyed.id)
    with pytest.raises(ClientError) as same_stage:
        apigw.create_usage_plan_key(usagePlanId=other["id"], keyId=key["id"], keyType="API_KEY")
    assert same_stage.value.response["Error"]["Code"] == "ConflictException"
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [plan["id"]]
    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []


# ---------------------------------------------------------------------------------------------
# data plane


def test_key_required_method_answers_403_forbidden_without_a_valid_key(apigw, keyed):
    plan = make_plan(apigw, keyed.id)
    good = make_key(apigw)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=good["id"], keyType="API_KEY")
    disabled = make_key(apigw, enabled=False)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=disabled["id"], keyType="API_KEY")
    planless = make_key(apigw)
    for headers in ({}, {"x-api-key": "not-a-key-at-all-0000000"}, {"x-api-key": disabled["value"]},
                    {"x-api-key": planless["value"]}):
        response = keyed.invoke("dev", "keyed", headers=headers)
        assert response.status_code == 403, headers
        assert response.json() == FORBIDDEN
        assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"
    # The key's plan covers dev, not beta.
    assert keyed.invoke("beta", "keyed", headers={"x-api-key": good["value"]}).status_code == 403
    assert keyed.invoke("dev", "keyed", headers={"x-api-key": good["value"]}).json() == {"ok": True}
    assert keyed.invoke("dev", "open").status_code == 200


def test_enabling_a_key_applies_to_the_next_request(apigw, keyed):
    plan = make_plan(apigw, keyed.id)
    key = make_key(apigw, enabled=False)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert keyed.invoke("dev", "keyed", headers={"x-api-key": key["value"]}).status_code == 403
    apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}])
    assert keyed.invoke("dev", "keyed", headers={"x-api-key": key["value"]}).status_code == 200


def test_usage_plan_throttle_answers_429_after_the_burst_and_refills(apigw, keyed):
    plan, key, headers = planned_key(apigw, keyed.id, throttle={"rateLimit": 2.0, "burstLimit": 2})
    statuses = [keyed.invoke("dev", "keyed", headers=headers).status_code for _ in range(5)]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]
    throttled = keyed.invoke("dev", "keyed", headers=headers)
    assert throttled.status_code == 429
    assert throttled.json() == TOO_MANY
    assert throttled.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    time.sleep(1.1)  # two tokens a second
    assert keyed.invoke("dev", "keyed", headers=headers).status_code == 200
    # Methods without apiKeyRequired are neither throttled nor counted by the plan.
    assert all(keyed.invoke("dev", "open", headers=headers).status_code == 200 for _ in range(5))


def test_per_method_plan_throttle(apigw, keyed):
    plan = apigw.create_usage_plan(name=unique_name("plan"), apiStages=[
        {"apiId": keyed.id, "stage": "dev", "throttle": {"/keyed/GET": {"rateLimit": 0.1, "burstLimit": 1}}}])
    key = make_key(apigw)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    headers = {"x-api-key": key["value"]}
    assert [keyed.invoke("dev", "keyed", headers=headers).status_code for _ in range(2)] == [200, 429]


def test_quota_answers_429_limit_exceeded_and_get_usage_counts(apigw, keyed):
    plan, key, headers = planned_key(apigw, keyed.id, quota={"limit": 3, "period": "DAY"})
    assert [keyed.invoke("dev", "keyed", headers=headers).status_code for _ in range(3)] == [200, 200, 200]
    over = keyed.invoke("dev", "keyed", headers=headers)
    assert over.status_code == 429
    assert over.json() == LIMIT_EXCEEDED
    assert over.headers["x-amzn-ErrorType"] == "LimitExceededException"

    usage = apigw.get_usage(usagePlanId=plan["id"], startDate=today(), endDate=today())
    assert usage["usagePlanId"] == plan["id"]
    assert usage["items"] == {key["id"]: [[3, 0]]}

    reset = apigw.update_usage(usagePlanId=plan["id"], keyId=key["id"],
                               patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}])
    assert reset["items"][key["id"]][0][1] == 1
    assert keyed.invoke("dev", "keyed", headers=headers).status_code == 200
    assert keyed.invoke("dev", "keyed", headers=headers).status_code == 429


def test_quota_offset_is_taken_off_the_first_period(apigw, keyed):
    plan, key, headers = planned_key(apigw, keyed.id, quota={"limit": 3, "offset": 2, "period": "WEEK"})
    assert plan["quota"] == {"limit": 3, "offset": 2, "period": "WEEK"}
    assert [keyed.invoke("dev", "keyed", headers=headers).status_code for _ in range(2)] == [200, 429]


def test_get_usage_lists_each_day_of_the_range(apigw, keyed):
    plan, key, headers = planned_key(apigw, keyed.id, quota={"limit": 100, "period": "MONTH"})
    keyed.invoke("dev", "keyed", headers=headers)
    now = datetime.datetime.now(datetime.timezone.utc)
    start = (now - datetime.timedelta(days=2)).strftime("%Y-%m-%d")
    days = apigw.get_usage(usagePlanId=plan["id"], startDate=start, endDate=today(), keyId=key["id"])["items"][key["id"]]
    assert len(days) == 3
    assert days[-1][0] == 1


def test_stage_method_settings_throttle_the_stage(apigw, keyed):
    apigw.update_stage(restApiId=keyed.id, stageName="beta", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"}])
    statuses = [keyed.invoke("beta", "open").status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    throttled = keyed.invoke("beta", "open")
    assert throttled.status_code == 429 and throttled.json() == TOO_MANY
    assert keyed.invoke("dev", "open").status_code == 200  # other stages are unaffected
