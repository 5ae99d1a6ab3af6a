# The Python example app: answers with the text of message.txt, read ONCE at start, so a new
# answer after a sync proves that the process was reloaded.
import http.server
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "message.txt"), encoding="utf-8") as f:
    MESSAGE = f.read().strip()
PORT = int(os.environ.get("PORT", "8080"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{MESSAGE}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def stop(signum, frame):
    # A container runtime (docker stop) and watchexec (before a restart) stop the app with SIGTERM.
    print(f"python-web (pid {os.getpid()}): SIGTERM, stopping", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
server = http.server.ThreadingHTTPServer(("", PORT), Handler)
print(f"python-web listening on {PORT} (pid {os.getpid()}): {MESSAGE}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
