// WASI imports with nothing granted, for guards built for wasm32-wasip2.
//
// Built on jco's preview2-shim 0.17.5 *browser* implementation (pinned in the root
// package-lock.json), imported by relative path so Node tests get the same code as
// workerd and the browser (the package's `node` export condition would hand Node the
// Node implementation, which grants the host's files and environment). What the shim
// leaves open is closed here, matching the native host's WasiCtx (host-native/src/state.rs):
// no preopened directories, no environment, no arguments, no initial cwd, sockets
// refused with `access-denied`, stdout/stderr captured into the guard's log.

import * as cli from '../../node_modules/@bytecodealliance/preview2-shim/lib/browser/cli.js';
import * as clocks from '../../node_modules/@bytecodealliance/preview2-shim/lib/browser/clocks.js';
import * as filesystem from '../../node_modules/@bytecodealliance/preview2-shim/lib/browser/filesystem.js';
import * as io from '../../node_modules/@bytecodealliance/preview2-shim/lib/browser/io.js';
import * as random from '../../node_modules/@bytecodealliance/preview2-shim/lib/browser/random.js';

// Every WASI 0.2.x release (0.2.0 … 0.2.12) is served by this one object: jco keys
// imports by interface without the version, and later 0.2 releases only added members
// (`exit-with-code` in 0.2.12). What may be imported at all is core's list
// (core/src/inspect.rs PROVIDED_WASI); jco's glue tags every imported member with
// `_isHostProvided` *before* checking it exists, so a member missing here fails every
// call of the guard with "Cannot set properties of undefined (setting '_isHostProvided')".

// Nothing in a sealed sandbox ever blocks: every pollable is ready. The shim's own
// Pollable has no methods, and its streams and clock log to the console and return
// nothing from subscribe(); guests (Rust std's blocking writes, the preview1 adapter's
// poll_oneoff) need a real, ready Pollable.
class Pollable extends io.poll.Pollable {
  ready() {
    return true;
  }
  block() {}
}

class InputStream extends io.streams.InputStream {
  subscribe() {
    return new Pollable();
  }
}

class OutputStream extends io.streams.OutputStream {
  subscribe() {
    return new Pollable();
  }
}

const monotonicClock = {
  now: clocks.monotonicClock.now,
  resolution: clocks.monotonicClock.resolution,
  subscribeInstant: () => new Pollable(),
  subscribeDuration: () => new Pollable(),
};

const filesystemTypes = {
  ...filesystem.types,
  // Only errors of a filesystem stream have a filesystem error code, and with no
  // preopened directory there is none (the preview1 adapter imports this).
  filesystemErrorCode: () => undefined,
};

/** Bytes of stdout/stderr a guard may write per instance before writes fail (as native). */
export const WASI_OUTPUT_CAPACITY = 1024 * 1024;

const DENIED = 'access-denied';
function denied() {
  // jco lowers a thrown string as the `err` case of a `result<_, error-code>`.
  throw DENIED;
}

class Network {}
class TcpSocket {}
class UdpSocket {}
class IncomingDatagramStream {}
class OutgoingDatagramStream {}
class ResolveAddressStream {}

const sockets = {
  'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
  'wasi:sockets/network': { Network },
  'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: denied },
  'wasi:sockets/tcp': { TcpSocket },
  'wasi:sockets/tcp-create-socket': { createTcpSocket: denied },
  'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
  'wasi:sockets/udp-create-socket': { createUdpSocket: denied },
};

/** An output stream that keeps what the guest writes, up to WASI_OUTPUT_CAPACITY bytes. */
function captureStream(sink) {
  return new OutputStream({
    write(bytes) {
      if (sink.size + bytes.length > WASI_OUTPUT_CAPACITY) {
        throw { tag: 'closed' };
      }
      sink.chunks.push(bytes.slice());
      sink.size += bytes.length;
    },
    blockingFlush() {},
  });
}

/** Captured stdout/stderr of one instance; `drain()` returns [level, line] pairs. */
export class WasiOutput {
  constructor() {
    this.stdout = { chunks: [], size: 0, seen: 0 };
    this.stderr = { chunks: [], size: 0, seen: 0 };
  }

  /** New text since the last drain, as log lines: stdout at level 2, stderr at 3. */
  drain() {
    const out = [];
    for (const [sink, level] of [[this.stdout, 2], [this.stderr, 3]]) {
      if (sink.chunks.length === 0) continue;
      const all = new Uint8Array(sink.chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of sink.chunks) {
        all.set(c, at);
        at += c.length;
      }
      sink.chunks = [];
      const text = new TextDecoder().decode(all);
      for (const line of text.split(/\r?\n/)) {
        if (line.length > 0) out.push([level, line]);
      }
    }
    return out;
  }
}

function pollAll(list) {
  return new Uint32Array(list.map((_, i) => i));
}

/**
 * The WASI part of a guard's import object, keyed as jco's instantiation mode expects.
 * `output` (a WasiOutput) receives stdout and stderr.
 */
export function sealedWasi(output) {
  const stdoutStream = captureStream(output.stdout);
  const stderrStream = captureStream(output.stderr);
  // Native gives an empty stdin: reads end at once.
  const stdinStream = new InputStream({
    blockingRead() {
      throw { tag: 'closed' };
    },
    subscribe() {
      return new Pollable();
    },
  });
  return {
    'wasi:cli/environment': {
      getEnvironment: () => [],
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': cli.exit,
    'wasi:cli/stdin': { InputStream, getStdin: () => stdinStream },
    'wasi:cli/stdout': { OutputStream, getStdout: () => stdoutStream },
    'wasi:cli/stderr': { OutputStream, getStderr: () => stderrStream },
    'wasi:cli/terminal-input': cli.terminalInput,
    'wasi:cli/terminal-output': cli.terminalOutput,
    'wasi:cli/terminal-stdin': { ...cli.terminalStdin, getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { ...cli.terminalStdout, getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { ...cli.terminalStderr, getTerminalStderr: () => undefined },
    'wasi:clocks/monotonic-clock': monotonicClock,
    'wasi:clocks/wall-clock': clocks.wallClock,
    'wasi:filesystem/preopens': { getDirectories: () => [] },
    'wasi:filesystem/types': filesystemTypes,
    'wasi:io/error': io.error,
    'wasi:io/poll': { Pollable, poll: pollAll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:random/random': random.random,
    'wasi:random/insecure': random.insecure,
    'wasi:random/insecure-seed': random.insecureSeed,
    ...sockets,
  };
}
