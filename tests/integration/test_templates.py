"""SAM and CloudFormation templates: `gatehouse deploy` (create, apply the difference, dry run,
parameters, outputs, removal, unknown types reported) and `gatehouse serve --template --watch`
(the repo's examples/sam-app served, and a saved handler live within a second or two)."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import REPO_ROOT, _binary, _free_port

EXAMPLE = REPO_ROOT / "examples" / "sam-app"


@pytest.fixture
def app(tmp_path):
    """A copy of examples/sam-app to deploy and edit."""
    target = tmp_path / "sam-app"
    shutil.copytree(EXAMPLE, target)
    return target


def deploy(gatehouse, app, *args, stack="demo", check=True):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GATEHOUSE_"))}
    environment.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
    done = subprocess.run([str(_binary()), "deploy", str(app / "template.yaml"), "--endpoint-url", gatehouse.url, "--stack-name", stack, *args],
                          capture_output=True, text=True, timeout=120, env=environment)
    if check:
        assert done.returncode == 0, done.stderr + done.stdout
    return done


def actions(output):
    """`{logical id: action}` from a deploy's report."""
    found = {}
    for line in output.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) >= 2 and parts[0] in ("create", "update", "replace", "delete"):
            found[parts[1]] = parts[0]
    return found


def urls(output):
    found = {}
    for line in output.splitlines():
        if line.startswith("  Serverless") and ": " in line:
            name, url = line.strip().split(": ", 1)
            found[name] = url
    return found


def hello(gatehouse, output, name="ann"):
    return requests.get(f"{urls(output)['ServerlessRestApi']}hello/{name}", timeout=30)


def items(gatehouse, output):
    api = urls(output)["ServerlessHttpApi"].split("//")[1].split(".")[0]
    return requests.get(f"{gatehouse.url}/items", headers={"Host": f"{api}.execute-api.localhost"}, timeout=30)


def test_a_sam_template_deploys_and_serves(gatehouse, app):
    first = deploy(gatehouse, app).stdout
    assert actions(first) == {
        "HelloFunctionRole": "create", "HelloFunction": "create", "ItemsFunctionRole": "create", "ItemsFunction": "create",
        "ServerlessRestApi": "create", "ServerlessHttpApi": "create",
        "HelloFunctionServerlessRestApiPermission": "create", "ItemsFunctionServerlessHttpApiPermission": "create"}
    assert "  HelloFunctionArn: arn:aws:lambda:us-east-1:000000000000:function:demo-HelloFunction" in first
    answer = hello(gatehouse, first)
    assert (answer.status_code, answer.json()) == (200, {"message": "Hello, ann!"})
    assert items(gatehouse, first).json() == {"items": ["apple", "pear"], "path": "/items"}
    # Nothing changed: nothing is touched.
    assert actions(deploy(gatehouse, app).stdout) == {}
    # A parameter and a handler change update the functions in place, and only them; a dry run
    # says which of their properties change.
    (app / "hello" / "app.py").write_text((app / "hello" / "app.py").read_text().replace("{name}!", "{name}, again!"))
    dry = deploy(gatehouse, app, "--parameter-overrides", "Greeting=Hi", "--dry-run").stdout
    assert "update     HelloFunction (Environment.Variables.GREETING, code)" in dry
    assert "update     ItemsFunction (Environment.Variables.GREETING)" in dry
    assert hello(gatehouse, first).json() == {"message": "Hello, ann!"}
    again = deploy(gatehouse, app, "--parameter-overrides", "Greeting=Hi").stdout
    assert actions(again) == {"HelloFunction": "update", "ItemsFunction": "update"}
    assert hello(gatehouse, again).json() == {"message": "Hi, ann, again!"}


def test_dry_run_removal_and_unknown_types(gatehouse, app):
    deploy(gatehouse, app, stack="changes")
    template = (app / "template.yaml").read_text()
    start = template.index("  ItemsFunction:")
    end = template.index("Outputs:")
    changed = template[:start] + "  Queue:\n    Type: AWS::SQS::Queue\n\n" + template[end:]
    (app / "template.yaml").write_text(changed)
    dry = deploy(gatehouse, app, "--dry-run", stack="changes").stdout
    assert dry.startswith("Changes (dry run, nothing applied):")
    assert actions(dry) == {"ItemsFunction": "delete", "ItemsFunctionRole": "delete", "ServerlessHttpApi": "delete",
                            "ItemsFunctionServerlessHttpApiPermission": "delete"}
    assert "skipped    Queue (AWS::SQS::Queue is not a resource type Gatehouse makes)" in dry
    applied = deploy(gatehouse, app, stack="changes").stdout
    assert actions(applied) == actions(dry)
    assert "ServerlessHttpApi" not in urls(applied)
    assert hello(gatehouse, applied).status_code == 200


def test_a_missing_parameter_is_a_clear_error(gatehouse, app):
    template = (app / "template.yaml").read_text().replace("    Default: Hello\n", "")
    (app / "template.yaml").write_text(template)
    done = deploy(gatehouse, app, stack="noparam", check=False)
    assert done.returncode != 0
    assert "parameter Greeting has no value: pass --parameter-overrides Greeting=" in done.stderr


def test_serve_template_watch_picks_up_a_saved_handler(app):
    workdir = tempfile.mkdtemp(prefix="gatehouse-it-")
    port = _free_port()
    log = open(os.path.join(workdir, "template.log"), "wb")
    process = subprocess.Popen(
        [str(_binary()), "serve", "--port", str(port), "--data-dir", os.path.join(workdir, "data"), "--template", str(app / "template.yaml"),
         "--watch"], stdout=log, stderr=log, cwd=str(app),
        env={k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")})
    try:
        deadline = time.monotonic() + 60
        record = app / ".gatehouse" / "stacks" / "sam-app.json"
        while not record.exists() or "ServerlessHttpApi" not in record.read_text():
            assert time.monotonic() < deadline, open(os.path.join(workdir, "template.log")).read()
            time.sleep(0.2)
        api = json.loads(record.read_text())["ServerlessRestApi"]["physicalID"]
        url = f"http://127.0.0.1:{port}/restapis/{api}/Prod/_user_request_/hello/bob"
        # The record is written resource by resource: the API may exist before its permission does.
        while (first := requests.get(url, timeout=30)).status_code != 200:
            assert time.monotonic() < deadline, first.text
            time.sleep(0.1)
        assert first.json() == {"message": "Hello, bob!"}
        (app / "hello" / "app.py").write_text((app / "hello" / "app.py").read_text().replace("{name}!", "{name}, saved!"))
        saved_at = time.monotonic()
        while requests.get(url, timeout=30).json() != {"message": "Hello, bob, saved!"}:
            assert time.monotonic() - saved_at < 10, open(os.path.join(workdir, "template.log")).read()
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


CLOUDFORMATION = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
    Default: dev
  Colors:
    Type: CommaDelimitedList
    Default: "red,green,blue"
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Function:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Join ["-", [!Ref "AWS::StackName", fn]]
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          MODE: !If [IsProd, production, !Sub "stage ${Stage}"]
          COLOR: !Select [1, !Ref Colors]
          FIRST: !Select [0, !Split [",", "a,b"]]
      Code:
        ZipFile: |
          import json, os
          def handler(event, context):
              return {"statusCode": 200, "body": json.dumps({k: os.environ[k] for k in ("MODE", "COLOR", "FIRST")})}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Sub "${AWS::StackName}-api"
  Things:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: things
  Method:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Things
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Function.Arn}/invocations"
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Function
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Method
    Properties:
      RestApiId: !Ref Api
      StageName: !Ref Stage
Outputs:
  Url:
    Value: !Sub "/restapis/${Api}/${Stage}/_user_request_/things"
"""


def test_a_cloudformation_template_with_intrinsic_functions(gatehouse, tmp_path):
    (tmp_path / "template.yaml").write_text(CLOUDFORMATION)
    output = deploy(gatehouse, tmp_path, stack="plain").stdout
    assert set(actions(output)) == {"Role", "Function", "Api", "Things", "Method", "Permission", "Deployment"}
    path = next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("  Url: "))
    answer = requests.get(gatehouse.url + path, timeout=30)
    assert (answer.status_code, answer.json()) == (200, {"MODE": "stage dev", "COLOR": "green", "FIRST": "a"})
