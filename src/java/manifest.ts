import { ContractError } from "../errors.ts";

/** The main section of a JAR manifest; header names are case-insensitive (JAR spec). */
export class Manifest {
  private readonly headers = new Map<string, string>();

  set(name: string, value: string): void {
    this.headers.set(name.toLowerCase(), value);
  }

  get(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }
}

export class ManifestError extends ContractError {
  constructor(source: string, line: number, problem: string) {
    super(`${source} line ${line}: ${problem}`, `Fix ${source} (JAR manifest format: "Name: value" lines, continuation lines start with one space).`);
  }
}

const HEADER = /^([A-Za-z0-9][A-Za-z0-9_-]{0,69}): (.*)$/;

/**
 * java.util.jar.Manifest reads lines into a 512-byte buffer and fails on a longer one ("line too
 * long"): Spring Boot's launcher and `java -jar` would fail at launch. Tried with JDK 17: 511
 * bytes and a line feed pass, 512 do not.
 */
export const MAX_MANIFEST_LINE_BYTES = 511;
/** A manifest is a few KB; this bounds the work on a stray huge file. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Parses a manifest's main section per the JAR File Specification: lines end in CRLF, LF or CR;
 * a line starting with one space continues the previous one (writers wrap at 72 bytes); the
 * main section ends at the first blank line.
 *
 * Given bytes, continuation lines are joined BEFORE decoding, as Java does: a writer that wraps
 * at exactly 72 bytes may split a multi-byte UTF-8 character between two lines.
 */
export function parseManifest(content: string | Buffer, source = "META-INF/MANIFEST.MF"): Manifest {
  const manifest = new Manifest();
  const size = typeof content === "string" ? Buffer.byteLength(content) : content.length;
  if (size > MAX_MANIFEST_BYTES) {
    throw new ContractError(`${source} is ${size} bytes, over the limit of ${MAX_MANIFEST_BYTES} for a JAR manifest`, `Check ${source}: a manifest holds a few headers.`);
  }
  // latin1 maps each byte to one char, so the line logic below works on bytes.
  const bytes = typeof content !== "string";
  const text = bytes ? content.toString("latin1").replace(/^\xEF\xBB\xBF/, "") : content.replace(/^\uFEFF/, "");
  const decode = (value: string) => (bytes ? Buffer.from(value, "latin1").toString("utf8") : value);
  const lines = text.split(/\r\n|\r|\n/);
  let current: { name: string; value: string; line: number } | undefined;
  const flush = () => {
    if (current !== undefined) manifest.set(current.name, decode(current.value));
    current = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") break; // end of the main section (or of the file)
    const length = bytes ? line.length : Buffer.byteLength(line);
    if (length > MAX_MANIFEST_LINE_BYTES) {
      throw new ManifestError(source, i + 1, `a line of ${length} bytes: Java refuses manifest lines over ${MAX_MANIFEST_LINE_BYTES} bytes ("line too long"); wrap it with continuation lines`);
    }
    if (line.startsWith(" ")) {
      if (current === undefined) throw new ManifestError(source, i + 1, "a continuation line with no header before it");
      current.value += line.slice(1);
      continue;
    }
    flush();
    const match = HEADER.exec(line);
    if (match === null) throw new ManifestError(source, i + 1, `not a "Name: value" header: ${JSON.stringify(decode(line.slice(0, 80)))}`);
    current = { name: match[1]!, value: match[2]!, line: i + 1 };
  }
  flush();
  return manifest;
}
