// Validate glTF / GLB files with the Khronos glTF validator (npm gltf-validator).
// Usage: node validate_gltf.mjs file.glb [...]; prints one JSON report per file:
// {"file", "numErrors", "numWarnings", "numInfos", "messages": [first 20 issues]}.
import { readFile } from "node:fs/promises";
import path from "node:path";
import validator from "gltf-validator";

let failed = false;
for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(await readFile(file));
  const report = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    externalResourceFunction: (uri) => readFile(path.join(path.dirname(file), decodeURIComponent(uri))).then((b) => new Uint8Array(b)),
  });
  const issues = report.issues;
  console.log(JSON.stringify({
    file,
    numErrors: issues.numErrors,
    numWarnings: issues.numWarnings,
    numInfos: issues.numInfos,
    messages: issues.messages.slice(0, 20),
  }));
  failed = failed || issues.numErrors > 0;
}
process.exit(failed ? 1 : 0);
