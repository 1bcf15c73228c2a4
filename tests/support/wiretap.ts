import type { EventOf, ServerEventName } from '@hearth/shared';
import type { GatewayOptions } from '../../server/src/signaling/gateway.js';

export interface Tapped { to: string | undefined; event: ServerEventName; payload: unknown }

/**
 * Records every event the server sends, to whom, as it leaves (an outbox decorator: buildApp's decorateOutbox).
 * Recorded synchronously on the server side, so everything a request caused is here when its ack arrives.
 */
export class Wiretap {
  readonly sent: Tapped[] = [];
  readonly decorateOutbox: NonNullable<GatewayOptions['decorateOutbox']> = (outbox, who) => ({
    send: (event, payload) => {
      this.sent.push({ to: who(), event, payload });
      outbox.send(event, payload);
    },
    close: (code, message) => {
      this.sent.push({ to: who(), event: 'session.closing', payload: message ? { code, message } : { code } });
      outbox.close(code, message);
    },
  });

  /** The last payload of this event sent to anyone (or to `to`). */
  last<K extends ServerEventName>(event: K, to?: string): EventOf<K> | undefined {
    return this.sent.findLast((t) => t.event === event && (to === undefined || t.to === to))?.payload as EventOf<K> | undefined;
  }
}
