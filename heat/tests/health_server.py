"""An HTTP server answering health checks, for tests and benchmarks.

``GET /<key>`` answers 200, or the status set for ``key`` with
:meth:`HealthServer.set_status` (500 to fail a member); every request is
counted per key. One server can stand for any number of members (one key
each); :meth:`url` is what a member's URL attribute holds. Served by
threads (``http.server.ThreadingHTTPServer``), HTTP/1.1 with keep-alive.
"""

import collections
import http.server
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):  # noqa: N802 - the http.server name
        server = self.server.owner
        key = self.path.lstrip('/').split('?', 1)[0]
        status = server.hit(key)
        body = b'ok\n' if status < 400 else b'failing\n'
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class HealthServer:
    def __init__(self, host='127.0.0.1', port=0):
        self.httpd = http.server.ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.host, self.port = self.httpd.server_address[:2]
        self._lock = threading.Lock()
        self._status = {}
        self.hits = collections.Counter()
        self._thread = None

    def url(self, key):
        return 'http://%s:%d/%s' % (self.host, self.port, key)

    def set_status(self, key, status):
        with self._lock:
            self._status[key] = status

    def fail(self, *keys, status=500):
        for key in keys:
            self.set_status(key, status)

    def heal(self, *keys):
        for key in keys:
            self.set_status(key, 200)

    def hit(self, key):
        with self._lock:
            self.hits[key] += 1
            return self._status.get(key, 200)

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        name='health-server', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
