import { main } from "./main.ts";

// process.argv0 keeps the name the program was started by (bin/detect or bin/build), while
// argv[0] is the resolved executable. A single executable's user arguments start at argv[2].
main(process.argv0, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ERROR: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
