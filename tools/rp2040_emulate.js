// Boots an RP2040 .uf2 image in the rp2040js emulator and talks to MicroPython over the
// emulated USB serial port (CDC). `make BOARD=RPI_PICO emulate` runs it.
//
//   node rp2040_emulate.js --modules DIR --bootrom FILE --image FILE.uf2 [--script FILE.py]
//                          [--timeout SECONDS] [--timing]
//
// --modules: the folder where npm installed rp2040js (DIR/node_modules/rp2040js);
// --bootrom: the RP2040's 16 KB mask ROM (B1), as raw little-endian bytes.
// With --script: runs the file through the raw REPL, copies its output to stdout and its
// traceback to stderr, and exits 0, or 1 after a traceback (2: bad arguments or files,
// 3: the board never answered, 124: --timeout ran out). Without: the REPL on this
// terminal; Ctrl-] leaves.
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

function fail(message, code) {
  process.stderr.write('emulate: ' + message + '\n');
  process.exit(code);
}

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i].replace(/^--/, '');
  if (name === 'timing') { args.timing = true; i -= 1; continue; }
  args[name] = process.argv[i + 1];
}
for (const name of ['modules', 'bootrom', 'image']) {
  if (!args[name]) fail('--' + name + ' is needed', 2);
}
for (const name of ['bootrom', 'image', 'script']) {
  if (args[name] && !fs.existsSync(args[name])) fail('no ' + name + ' ' + args[name], 2);
}

// rp2040js as npm installed it, wherever that is
const { Simulator, USBCDC, ConsoleLogger, LogLevel } =
  createRequire(path.resolve(args.modules, 'package.json'))('rp2040js');

const sim = new Simulator();
const mcu = sim.rp2040;
mcu.logger = new ConsoleLogger(LogLevel.Error);

const rom = fs.readFileSync(args.bootrom);
if (rom.length !== 16384) fail(args.bootrom + ' is not a 16 KB bootrom', 2);
mcu.loadBootrom(new Uint32Array(rom.buffer, rom.byteOffset, rom.length / 4));

// A .uf2 is 512-byte blocks, each carrying up to 476 bytes for one flash address.
const uf2 = fs.readFileSync(args.image);
for (let at = 0; at + 512 <= uf2.length; at += 512) {
  const block = uf2.subarray(at, at + 512);
  if (block.readUInt32LE(0) !== 0x0a324655 || block.readUInt32LE(4) !== 0x9e5d5157) {
    fail(args.image + ' is not a UF2 file', 2);
  }
  const address = block.readUInt32LE(12);
  const size = block.readUInt32LE(16);
  mcu.flash.set(block.subarray(32, 32 + size), address - 0x10000000);
}

const started = Date.now();
const cdc = new USBCDC(mcu.usbCtrl);

// Bytes for the board wait here and go into the CDC's FIFO (512 bytes, and a full one drops
// what comes next) a few at a time, as the board reads them.
let queue = [];
let head = 0;
function send(bytes) {
  for (const byte of bytes) queue.push(byte);
}
setInterval(() => {
  while (head < queue.length && cdc.txFIFO.itemCount < 64) cdc.sendSerialByte(queue[head++]);
  if (head === queue.length) { queue = []; head = 0; }
}, 1);

function finish(code) {
  if (!args.script && process.stdin.isTTY) process.stdin.setRawMode(false);
  if (args.timing) {
    process.stderr.write('emulate: ' + ((Date.now() - started) / 1000).toFixed(1) + ' s\n');
  }
  sim.stop();
  process.exit(code);
}

if (args.timeout) {
  setTimeout(() => fail('gave up after ' + args.timeout + ' s (--timeout)', 124),
    parseFloat(args.timeout) * 1000).unref();
}

if (args.script) {
  runScript(fs.readFileSync(args.script));
} else {
  interactive();
}

// The raw REPL: Ctrl-A enters it, the code goes in ending with Ctrl-D, and the board
// answers "OK", the output, Ctrl-D, the traceback if any, Ctrl-D.
function runScript(code) {
  const PROMPT = 'raw REPL; CTRL-B to exit\r\n>';
  let state = 'prompt';
  let seen = '';
  const traceback = [];
  cdc.onDeviceConnected = () => {
    if (args.timing) {
      process.stderr.write('emulate: USB up after ' +
        ((Date.now() - started) / 1000).toFixed(1) + ' s\n');
    }
    send([0x0d, 0x03, 0x03, 0x01]);  // stop whatever runs, then the raw REPL
  };
  cdc.onSerialData = (data) => {
    const output = [];
    for (const byte of data) {
      if (state === 'prompt') {
        seen = (seen + String.fromCharCode(byte)).slice(-PROMPT.length);
        if (seen === PROMPT) {
          state = 'ok';
          seen = '';
          send(code);
          send([0x04]);
        }
      } else if (state === 'ok') {
        seen += String.fromCharCode(byte);
        if (seen === 'OK') state = 'stdout';
        else if (!'OK'.startsWith(seen)) fail('the raw REPL answered ' + JSON.stringify(seen), 3);
      } else if (state === 'stdout') {
        if (byte === 0x04) state = 'stderr';
        else output.push(byte);
      } else if (byte !== 0x04) {
        traceback.push(byte);
      } else {
        process.stdout.write(Buffer.from(output));
        process.stderr.write(Buffer.from(traceback));
        finish(traceback.length ? 1 : 0);
      }
    }
    process.stdout.write(Buffer.from(output));
  };
  // a board that never brings up its USB port, or never shows the prompt
  setTimeout(() => {
    if (state === 'prompt') fail('no raw REPL prompt within 60 s', 3);
  }, 60000).unref();
}

// This terminal, byte for byte, to the board's REPL; Ctrl-] leaves.
function interactive() {
  cdc.onDeviceConnected = () => send([0x0d]);
  cdc.onSerialData = (data) => process.stdout.write(data);
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('data', (chunk) => {
    if (chunk.includes(0x1d)) { process.stdout.write('\n'); finish(0); }
    send(chunk);
  });
  process.stdin.on('end', () => setTimeout(() => finish(0), 2000));
  process.stderr.write('emulate: the REPL of the emulated board; Ctrl-] leaves\n');
}

mcu.core.PC = 0x10000000;  // the image's boot stage 2, at the start of flash
sim.execute();
