// Parse each Mermaid file named on the command line with Mermaid's own parser (in jsdom, no
// browser); print "ok FILE" or "FAIL FILE: why", exit 1 if any failed. Used by tests/test_diagram.py.
import { JSDOM } from "jsdom";
import fs from "fs";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(fs.readFileSync(file, "utf8"));
    console.log(`ok ${file}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${file}: ${String(e.message || e).replace(/\s+/g, " ").slice(0, 500)}`);
  }
}
process.exit(failed ? 1 : 0);
