// The generic example app: answers with the greeting in greeting.txt, read once at start.
// Edit greeting.txt (or this file), sync it, and the reloaded process answers anew.
const fs = require("node:fs");
const http = require("node:http");

const greeting = fs.readFileSync(`${__dirname}/greeting.txt`, "utf8").trim();
const port = Number(process.env.PORT || 8080);

const server = http
  .createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(`${greeting}\n`);
  })
  .listen(port, () => console.log(`node-web listening on ${port} (pid ${process.pid}): ${greeting}`));

// A container runtime (docker stop) and watchexec (before a restart) stop the app with SIGTERM:
// stop accepting connections, let open requests finish, then exit.
process.on("SIGTERM", () => {
  console.log(`node-web (pid ${process.pid}): SIGTERM, stopping`);
  server.close(() => process.exit(0));
});
