import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { scratchRoot } from "./paths.ts";

/** A self-signed certificate for 127.0.0.1, and the file that makes a client trust it. */
export interface TestCertificate {
  key: string;
  cert: string;
  /** The certificate as a PEM file readable by the build user (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  remove(): void;
}

/**
 * Made by the machine's openssl for each test run: a real TLS server needs a real certificate,
 * and one made on the spot expires with nothing to rotate. The build trusts it the way a user
 * trusts a company CA: NODE_EXTRA_CA_CERTS set with `pack build -e`.
 */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(scratchRoot(), "reloadable-tls-"));
  chmodSync(dir, 0o755);
  const keyFile = join(dir, "key.pem");
  const caFile = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", caFile],
    { stdio: "pipe" },
  );
  chmodSync(caFile, 0o644);
  return {
    key: readFileSync(keyFile, "utf8"),
    cert: readFileSync(caFile, "utf8"),
    caFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
