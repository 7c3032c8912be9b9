// SPDX-License-Identifier: MIT
// joulebench's adapter for a SeBS-style Node.js handler (docs/functions.md, protocol 1).
//
// usage: node sebs_node.js HANDLER_FILE
//
// Requires HANDLER_FILE, whose `exports.handler = async (event) => ...` returns a value or
// a Promise, then reads one JSON event per line on stdin and writes the JSON of the
// awaited result as one line on stdout, one event at a time. A thrown error or rejected
// Promise is the line {"errorType": ..., "errorMessage": ...} (the shape AWS Lambda uses),
// and the process serves the next event. console.log goes to stderr, so it cannot corrupt
// the protocol channel. A require that fails ends the process with the missing module.
//
// Once the handler is loaded, and before the first event, it says so to joulebench-fn on
// stdout: `jb-adapter-ready START_NS LOADED_NS`, CLOCK_MONOTONIC (libuv's hrtime) when this
// file began to run (Node.js had started) and when the handler's module was loaded (its
// requires done), so that a cold row can tell the runtime's start from the handler's import.
'use strict';
const startNs = process.hrtime.bigint();
const path = require('path');
const readline = require('readline');

if (process.argv.length !== 3) {
  console.error('usage: sebs_node.js HANDLER_FILE');
  process.exit(2);
}
const file = path.resolve(process.argv[2]);
const channel = process.stdout;
console.log = console.info = console.debug = console.error;

let handler;
try {
  handler = require(file).handler;
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND') {
    console.error(`sebs_node: ${file} needs ${String(e.message).split('\n')[0]} ` +
                  `(run npm install in ${path.dirname(file)})`);
    process.exit(3);
  }
  throw e;
}
if (typeof handler !== 'function') {
  console.error(`sebs_node: ${file} exports no function handler(event)`);
  process.exit(3);
}

channel.write(`jb-adapter-ready ${startNs} ${process.hrtime.bigint()}\n`);

function write(text) {
  return new Promise((resolve) => channel.write(text + '\n', resolve));
}

let queue = Promise.resolve();
readline.createInterface({ input: process.stdin, terminal: false }).on('line', (line) => {
  queue = queue.then(async () => {
    let text;
    try {
      const result = await handler(JSON.parse(line));
      text = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      text = JSON.stringify({
        errorType: (e && e.name) || 'Error',
        errorMessage: String((e && e.message) || e),
      });
    }
    await write(text);
  });
});
