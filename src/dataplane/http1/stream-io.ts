// Reads and writes for the fast path that go straight to the socket's libuv stream, as net.Socket itself does
// underneath, without the Readable and Writable streams around it. Per write, the Writable layer costs a request
// object, state bookkeeping and a nextTick for its callback: a few microseconds, on a path that writes twice per
// request. libuv keeps writes to one stream in order whoever issues them, so a later socket.write() or socket.end()
// (an error answer, node:http after a hand-over) still goes out after these bytes, and a shutdown waits for them.
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

type WriteReq = {
  handle: unknown;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes: number;
  buffer: unknown;
  callback: unknown;
};

type StreamWrap = {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
};

type WritableHandle = {
  writeLatin1String(req: WriteReq, text: string): number;
  writeBuffer(req: WriteReq, data: Buffer): number;
};

type ReadableHandle = {
  onread: (buffer: ArrayBuffer | undefined) => void;
  /** net.js's own flag: set, net.Socket does not start reads itself (a second readStart would fail). */
  reading?: boolean;
  readStart(): number;
  readStop(): number;
};

/** libuv's end-of-stream status (UV_EOF), checked below against the name Node gives it. */
const UV_EOF = -4095;

// process.binding('stream_wrap') is the binding net.js writes with; it is on Node's allow-list for process.binding
// and only documentation-deprecated, so it warns under --pending-deprecation alone.
const binding = (process as unknown as { binding(name: string): StreamWrap }).binding('stream_wrap');
if (typeof binding?.WriteWrap !== 'function' || !(binding.streamBaseState instanceof Int32Array)
  || typeof binding.kLastWriteWasAsync !== 'number' || typeof binding.kReadBytesOrError !== 'number' || typeof binding.kArrayBufferOffset !== 'number'
  || getSystemErrorName(UV_EOF) !== 'EOF') {
  throw new Error('this Node.js has no usable stream_wrap binding; run Portico on Node 24 (the version in package.json)');
}
const { WriteWrap, streamBaseState, kLastWriteWasAsync, kReadBytesOrError, kArrayBufferOffset } = binding;

/** Reads taken over by readDirect: stop() and start() are the backpressure, release() gives them back to net. */
export type DirectReader = { stop(): void; start(): void; release(): void };

/**
 * Takes over the reads of a connected `socket`: each read goes to `onData` as a Buffer (a view of the read, not a
 * copy), and the end of the stream to `onEnd` (null: the peer closed its side; else the read error). net.Socket sees
 * no read until release(), so it emits neither 'data' nor 'end'; 'close' still comes once the socket is destroyed.
 * Null when the socket has no handle any more (destroyed).
 */
export function readDirect(socket: Socket, onData: (data: Buffer) => void, onEnd: (err: (Error & { code: string }) | null) => void): DirectReader | null {
  const handle = (socket as unknown as { _handle: ReadableHandle | null })._handle;
  if (handle === null) return null;
  const netOnread = handle.onread;
  handle.onread = (buffer) => {
    const n = streamBaseState[kReadBytesOrError];
    if (n > 0) onData(Buffer.from(buffer!, streamBaseState[kArrayBufferOffset], n));
    else if (n < 0) onEnd(n === UV_EOF ? null : readError(n));
  };
  handle.reading = true;
  handle.readStart();
  return {
    stop: () => void handle.readStop(),
    start: () => void handle.readStart(),
    release: () => {
      // Stopped and marked so: net starts its own reads when the socket is resumed.
      handle.readStop();
      handle.reading = false;
      handle.onread = netOnread;
    },
  };
}

function readError(status: number): Error & { code: string } {
  const code = getSystemErrorName(status);
  return Object.assign(new Error(`read ${code}`), { code, errno: status, syscall: 'read' });
}

/** The error net.js would raise for a failed write (EPIPE, ECONNRESET…), for the socket's 'error' listeners. */
export function writeError(status: number): Error & { code: string } {
  const code = getSystemErrorName(status);
  return Object.assign(new Error(`write ${code}`), { code, errno: status, syscall: 'write' });
}

/** Told when a write that could not complete at once has gone out (status 0) or failed (a negative errno). */
export type WriteDone = (status: number) => void;

/**
 * Writes `data` (a string as latin1: one byte per character) to `socket`'s stream. Returns 'sync' when the bytes
 * were taken at once, 'async' when libuv queued them (then `done` is called once they are written: the caller's
 * backpressure), or 'failed' when the stream refused them (the socket is destroyed with the error). A socket without a handle
 * (destroyed) takes nothing and returns 'failed'.
 */
export function writeDirect(socket: Socket, data: string | Buffer, done: WriteDone): 'sync' | 'async' | 'failed' {
  const handle = (socket as unknown as { _handle: WritableHandle | null })._handle;
  if (handle === null || socket.destroyed) return 'failed';
  const req = spare;
  req.handle = handle;
  req.oncomplete = done;
  const err = typeof data === 'string' ? handle.writeLatin1String(req, data) : handle.writeBuffer(req, data);
  if (err !== 0) {
    socket.destroy(writeError(err));
    return 'failed';
  }
  if (streamBaseState[kLastWriteWasAsync] === 0) return 'sync';
  // libuv holds the request until the bytes are out; a Buffer must stay alive as long (net.js keeps it the same way).
  if (typeof data !== 'string') req.buffer = data;
  spare = newRequest();
  return 'async';
}

/**
 * The request object for the next write. A write the kernel takes at once never binds its request in C++, so one
 * object serves every such write; only a queued write keeps its own, and a fresh one replaces it.
 */
let spare = newRequest();

function newRequest(): WriteReq {
  const req = new WriteWrap();
  req.handle = null;
  req.oncomplete = ignore;
  req.async = false;
  req.bytes = 0;
  req.buffer = null;
  req.callback = null;
  return req;
}

function ignore(): void {}
