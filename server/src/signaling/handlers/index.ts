import type { HandlerTable } from './types.js';
import { capabilities, join, leave, resume } from './session.js';
import { claim } from './claim.js';
import * as media from './media.js';
import * as f from './facilitator.js';
import * as e2ee from './e2ee.js';
import * as turn from './turn.js';
import * as spaces from './spaces.js';

/** One small handler per request; the gateway looks them up here after parsing and authorizing. */
export const HANDLERS: HandlerTable = {
  'session.join': join,
  'session.leave': leave,
  'session.resume': resume,
  'session.capabilities': capabilities,
  'session.claim': claim,
  'media.restartIce': media.restartIce,
  'media.reportQuality': media.reportQuality,
  'media.setRtpCapabilities': media.setRtpCapabilities,
  'media.createTransport': media.createTransport,
  'media.connectTransport': media.connectTransport,
  'media.produce': media.produce,
  'media.closeProducer': media.closeProducer,
  'media.setProducerPaused': media.setProducerPaused,
  'media.consume': media.consume,
  'media.resumeConsumer': media.resumeConsumer,
  'media.setReceiveMode': media.setReceiveMode,
  'e2ee.distribute': e2ee.distribute,
  'e2ee.ack': e2ee.ack,
  'chat.send': e2ee.chat,
  'chat.note': e2ee.note,
  'turn.request': turn.request,
  'turn.cancel': turn.cancel,
  'turn.pass': turn.pass,
  'turn.react': turn.react,
  'facilitator.admit': f.admit,
  'facilitator.admitAll': f.admitAll,
  'facilitator.deny': f.deny,
  'facilitator.mute': f.mute,
  'facilitator.askUnmute': f.askUnmute,
  'facilitator.muteAll': f.muteAll,
  'facilitator.stopCamera': f.stopCamera,
  'facilitator.allowCamera': f.allowCamera,
  'facilitator.setLowData': f.setLowData,
  'facilitator.remove': f.remove,
  'facilitator.lock': f.lock,
  'facilitator.end': f.end,
  'facilitator.createInvite': f.createInvite,
  'facilitator.revokeInvite': f.revokeInvite,
  'facilitator.setTurnMode': f.setTurnMode,
  'facilitator.passStick': f.passStick,
  'facilitator.takeStick': f.takeStick,
  'facilitator.extendTurn': f.extendTurn,
  'facilitator.setTurnLimit': f.setTurnLimit,
  'member.setCheck': spaces.setCheck,
  'member.setPrivate': spaces.setPrivate,
  'side.return': spaces.returnFromSide,
  'facilitator.stepOut': spaces.stepOut,
};
