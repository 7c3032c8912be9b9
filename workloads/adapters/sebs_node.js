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
const fs = require('fs');
const path = require('path');

if (process.argv.length !== 3) {
  console.error('usage: sebs_node.js HANDLER_FILE');
  process.exit(2);
}
const file = path.resolve(process.argv[2]);
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

// Events are read with blocking reads of stdin between invocations, as Lambda freezes a
// function between them, and each result leaves in one synchronous write: readline's
// stream machinery, a Promise per event and an event loop wake-up cost a warm call tens
// of µs (the `functions` benchmark). Once a result is out, the event loop turns once
// (what the handler left to timers, I/O or nextTick runs) before the next read blocks.
const chunk = Buffer.allocUnsafe(1 << 16);
let held = Buffer.alloc(0);

function writeAll(text) {
  const b = Buffer.from(text + '\n');
  for (let off = 0; off < b.length;) off += fs.writeSync(1, b, off, b.length - off);
}

// The next line of stdin without its newline, or null at its end.
function nextLine() {
  for (;;) {
    const nl = held.indexOf(10);
    if (nl >= 0) {
      const line = held.toString('utf8', 0, nl);
      held = held.subarray(nl + 1);
      return line;
    }
    let n;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1); // stdin was left non-blocking: wait 1 ms, not spin
      continue;
    }
    if (n === 0) {
      const line = held.length ? held.toString('utf8') : null;
      held = Buffer.alloc(0);
      return line;
    }
    held = Buffer.concat([held, chunk.subarray(0, n)]);
  }
}
const pause = new Int32Array(new SharedArrayBuffer(4));

async function serve() {
  let line;
  writeAll(`jb-adapter-ready ${startNs} ${process.hrtime.bigint()}`);
  while ((line = nextLine()) !== null) {
    let text;
    try {
      let result = handler(JSON.parse(line.replace(/\r$/, '')));
      if (result && typeof result.then === 'function') result = await result;
      text = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      text = JSON.stringify({
        errorType: (e && e.name) || 'Error',
        errorMessage: String((e && e.message) || e),
      });
    }
    writeAll(text);
    await new Promise(setImmediate);
  }
  process.exit(0);
}

// A handler whose Promise never settles must be a timeout, not an empty loop's exit.
setInterval(() => {}, 1 << 30);
serve();
