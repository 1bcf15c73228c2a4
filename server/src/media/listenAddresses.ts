import os from 'node:os';
import type { Config } from '../config/schema.js';

/**
 * Where media sockets listen. With no explicit list: every IPv4 address of the machine, loopback included,
 * so that the embedded default works for browsers on this machine and on the local network alike.
 */
export function listenAddresses(rtc: Config['rtc']): { ip: string; announcedAddress?: string }[] {
  const ips = rtc.listenIps.length > 0 ? rtc.listenIps : localIPv4s();
  return ips.map((ip) => (rtc.announcedAddress ? { ip, announcedAddress: rtc.announcedAddress } : { ip }));
}

function localIPv4s(): string[] {
  const found = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && a.family === 'IPv4')
    .map((a) => a.address);
  return [...new Set(['127.0.0.1', ...found])];
}
