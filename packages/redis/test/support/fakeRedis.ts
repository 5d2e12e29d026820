import net from 'node:net';

/**
 * A loopback server that speaks just enough of the Redis protocol for node-redis to connect
 * (HELLO, CLIENT ...), then answers every script (EVALSHA, EVAL) with `scriptReply`: the raw
 * bytes a broken proxy, another program or a damaged network might send.
 */
export interface FakeRedis {
  readonly url: string;
  /** The raw bytes every script is answered with from now on. */
  scriptReply: string;
  /** Scripts received so far. */
  readonly scripts: number;
  close(): Promise<void>;
}

export async function startFakeRedis(scriptReply: string): Promise<FakeRedis> {
  const sockets = new Set<net.Socket>();
  let scripts = 0;
  const fake = {
    url: '',
    scriptReply,
    get scripts() {
      return scripts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let parsed = parseCommand(buffer); parsed; parsed = parseCommand(buffer)) {
        buffer = buffer.slice(parsed.length);
        const name = parsed.args[0]?.toUpperCase();
        if (name === 'HELLO') socket.write('%1\r\n+server\r\n+redis\r\n');
        else if (name === 'EVALSHA' || name === 'EVAL') {
          scripts++;
          socket.write(fake.scriptReply);
        } else socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return fake;
}

/** One command (an array of bulk strings) from the front of `buffer`, or undefined until it is whole. */
function parseCommand(buffer: string): { args: string[]; length: number } | undefined {
  const header = /^\*(\d+)\r\n/.exec(buffer);
  if (!header) return undefined;
  let at = header[0].length;
  const args: string[] = [];
  for (let i = 0; i < Number(header[1]); i++) {
    const bulk = /^\$(\d+)\r\n/.exec(buffer.slice(at));
    if (!bulk) return undefined;
    const start = at + bulk[0].length;
    const end = start + Number(bulk[1]);
    if (buffer.length < end + 2) return undefined;
    args.push(buffer.slice(start, end));
    at = end + 2;
  }
  return { args, length: at };
}
