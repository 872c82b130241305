"""The README's walkthroughs, run as written (only the endpoint changes), so they never rot."""
from helpers import run_readme_block


def test_readme_walkthrough_runs_and_answers_like_aws(gatehouse, tmp_path):
    out = run_readme_block("walkthrough", gatehouse, tmp_path)
    assert '["CA", "OR", "WA"]\n' in out  # test-invoke-method body, and the deployed /states
    assert out.count('["CA", "OR", "WA"]') >= 2
    assert '{"message": "Hello from Gatehouse", "path": "/"}' in out
    assert '{"message":"Missing Authentication Token"}' in out
    assert ".execute-api.localhost:4566/dev/states in a browser" in out


def test_readme_templates_walkthrough_validates_maps_and_answers_cors(gatehouse, tmp_path):
    out = run_readme_block("templates", gatehouse, tmp_path)
    assert '{"pet": {"name":"REX","cents":1250.0,"tags":["good","dog"],"from":"127.0.0.1"}}' in out, out
    assert '{"error": "Invalid request body", "hint": "a pet needs a name and a price"} 422' in out
    assert "HTTP/1.1 200 OK" in out
    assert "Access-Control-Allow-Methods: OPTIONS,POST" in out
    assert "Access-Control-Allow-Origin: *" in out


def test_readme_http_api_walkthrough_routes_and_authorizes_with_a_jwt(gatehouse, tmp_path):
    out = run_readme_block("httpapi", gatehouse, tmp_path)
    assert '{"hello": "world"}\n' in out, out
    assert '{"message":"Unauthorized"}\n' in out
    assert '{"you": "ann"}\n' in out
    assert "Successfully deployed stage with deployment ID" in out


def test_readme_chat_walkthrough_broadcasts_to_two_websocket_clients(gatehouse, tmp_path):
    out = run_readme_block("chat", gatehouse, tmp_path)
    assert '"chat"\n' in out, out
    assert '"sendmessage"\n' in out
    assert "bob hears: hello from ann\n" in out
    assert "ann hears: hello from ann\n" in out


def test_readme_node_function_answers_with_its_context(gatehouse, tmp_path):
    out = run_readme_block("node", gatehouse, tmp_path)
    assert '{"hello":"gatehouse","from":"hello-node"}\n' in out, out
