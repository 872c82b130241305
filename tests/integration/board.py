"""A notice board the tests serve over HTTP, where functions leave records and read them back.

Functions run in Gatehouse's sandbox, which shows them nothing of the test's files; like
functions on AWS, they reach the network. A handler posts a JSON record to its channel's URL
(`leave`) and reads the channel back (`records`); the test reads it in-process."""
import http.server
import json
import threading
import uuid

# Prepended to handler sources that use the board.
CLIENT = """
import json as _json
import urllib.request as _request


def leave(url, record):
    _request.urlopen(_request.Request(url, data=_json.dumps(record).encode(), method="POST"), timeout=5).read()


def records(url):
    return _json.loads(_request.urlopen(url, timeout=5).read())
"""


class Channel:
    """One channel of the board: its URL for a function's environment, and its records."""

    def __init__(self, board, name):
        self._board = board
        self.name = name
        self.url = f"{board.url}/{name}"

    def records(self):
        with self._board.lock:
            return list(self._board.channels.get(self.name, []))

    def leave(self, record):
        with self._board.lock:
            self._board.channels.setdefault(self.name, []).append(record)

    def __str__(self):
        return self.url


class Board:
    """The board's server, on a free loopback port, until `close`."""

    def __init__(self):
        self.channels = {}
        self.lock = threading.Lock()
        board = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                record = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
                Channel(board, self.path.strip("/")).leave(record)
                self._answer(b"{}")

            def do_GET(self):
                self._answer(json.dumps(Channel(board, self.path.strip("/")).records()).encode())

            def _answer(self, body):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def channel(self):
        return Channel(self, uuid.uuid4().hex)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
