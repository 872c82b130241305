"""HTTP_PROXY passes a large or unsized backend answer through as it arrives (chunked), and a
small sized one whole."""
import http.server
import socketserver
import threading

import pytest
import requests

CHUNK = 65536
CHUNKS = 48


class Backend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        if self.path.startswith("/unsized"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            for i in range(CHUNKS):
                self.wfile.write(bytes([i % 256]) * CHUNK)
        else:
            body = b"small and sized"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def backend():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Backend)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def proxied(gatehouse, apigw, backend):
    api = apigw.create_rest_api(name="streaming")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri=f"{backend}/{{proxy}}")
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    yield f"{gatehouse.url}/restapis/{api['id']}/dev/_user_request_"
    apigw.delete_rest_api(restApiId=api["id"])


def test_an_unsized_backend_answer_streams_through_whole(proxied):
    response = requests.get(f"{proxied}/unsized", stream=True, timeout=30)
    assert response.status_code == 200
    assert response.headers.get("Transfer-Encoding") == "chunked"
    body = b"".join(response.iter_content(CHUNK))
    assert len(body) == CHUNK * CHUNKS
    assert body[CHUNK * 5:CHUNK * 5 + 3] == bytes([5, 5, 5])
    assert response.headers["x-amzn-RequestId"]


def test_a_small_sized_answer_keeps_its_length(proxied):
    response = requests.get(f"{proxied}/small", timeout=30)
    assert response.status_code == 200
    assert response.content == b"small and sized"
    assert response.headers["Content-Length"] == "15"
