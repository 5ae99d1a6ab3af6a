// Edit this, sync it, and nodemon restarts node with it: no restart by watchexec.
exports.greeting = "Hello from a dev command";
