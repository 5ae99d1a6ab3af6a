// A Node.js web app with a dev command: in production `node server.js` (Procfile); in a
// reloadable image, nodemon (Procfile.dev), which restarts node itself when a source changes.
// It answers with the greeting that greeting.js exports, so a new answer proves new code runs.
const http = require("node:http");
const { greeting } = require("./greeting.js");

const port = Number(process.env.PORT || 8080);

http
  .createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(`${greeting}\n`);
  })
  .listen(port, () => console.log(`app started pid=${process.pid} ppid=${process.ppid} port=${port}: ${greeting}`));
