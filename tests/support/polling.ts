import type { Ack } from '@hearth/shared';

/**
 * A bare engine.io v4 long-polling client over fetch, speaking socket.io packets by hand. Unlike socket.io-client
 * it can put several requests in ONE HTTP POST (packets joined by the record separator \x1e), so they reach the
 * server in the same read: the way to race two requests of one socket deterministically.
 */
export class PollingClient {
  private readonly pending: string[] = [];

  private constructor(private readonly base: string) {}

  /** Opens the engine.io session, connects to the default namespace with `auth`, and reads the connect ack. */
  static async open(url: string, auth: Record<string, unknown>): Promise<PollingClient> {
    const first = await (await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).text();
    if (!first.startsWith('0')) throw new Error(`unexpected open packet: ${first}`);
    const { sid } = JSON.parse(first.slice(1)) as { sid: string };
    const client = new PollingClient(`${url}/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
    await client.post(`40${JSON.stringify(auth)}`);
    const connected = await client.next((p) => p.startsWith('40') || p.startsWith('44'));
    if (!connected.startsWith('40')) throw new Error(`connect refused: ${connected}`);
    return client;
  }

  /** Sends every request in one POST body (ack ids 0, 1, …) and resolves with their acks, in request order. */
  async requests(list: [event: string, payload: unknown][]): Promise<Ack<unknown>[]> {
    await this.post(list.map(([event, payload], i) => `42${i}${JSON.stringify([event, payload])}`).join('\x1e'));
    const acks = new Map<number, Ack<unknown>>();
    while (acks.size < list.length) {
      const packet = await this.next((p) => /^43\d+/.test(p));
      const [, id, body] = /^43(\d+)(.*)$/s.exec(packet)!;
      acks.set(Number(id), (JSON.parse(body!) as [Ack<unknown>])[0]);
    }
    return list.map((_, i) => acks.get(i)!);
  }

  /** Closes the engine.io session (packet "1"): the server sees a disconnect at once. */
  async close(): Promise<void> {
    await this.post('1');
  }

  private async post(body: string): Promise<void> {
    const res = await fetch(this.base, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    if (!res.ok) throw new Error(`POST: HTTP ${res.status}`);
    await res.text();
  }

  /** The next packet matching `wanted`, polling as needed; pings are answered, other packets set aside. */
  private async next(wanted: (packet: string) => boolean): Promise<string> {
    for (let polls = 0; polls < 20; polls++) {
      const i = this.pending.findIndex(wanted);
      if (i >= 0) return this.pending.splice(i, 1)[0]!;
      const res = await fetch(this.base);
      if (!res.ok) throw new Error(`GET: HTTP ${res.status}`);
      for (const packet of (await res.text()).split('\x1e')) {
        if (packet === '2') await this.post('3');
        else this.pending.push(packet);
      }
    }
    throw new Error('no matching packet');
  }
}
