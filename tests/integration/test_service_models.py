"""The bundled botocore service models, and services that are routed but not yet implemented."""
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from helpers import REPO_ROOT, assert_request_id


def test_committed_service_models_match_installed_botocore():
    done = subprocess.run([sys.executable, "scripts/extract_service_models.py", "--check"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("service, call, operation", [
    ("apigatewayv2", lambda client: client.list_portals(), "ListPortals"),
    ("apigatewayv2", lambda client: client.list_portal_products(), "ListPortalProducts"),
    ("lambda", lambda client: client.list_code_signing_configs(), "ListCodeSigningConfigs"),
    ("logs", lambda client: client.describe_destinations(), "DescribeDestinations"),
])
def test_operation_without_handler_answers_501_naming_the_operation(client_factory, service, call, operation):
    client = client_factory(service=service)
    with pytest.raises(ClientError) as error:
        call(client)
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501, response
    assert operation in response["Error"]["Message"], response
    assert_request_id(response)
