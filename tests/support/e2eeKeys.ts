import { randomBytes } from 'node:crypto';
export { bindPublicKey, newKeyPair, sodiumReady, toB64, fromB64, sealGroupKey, openGroupKey, type KeyPair } from '@hearth/shared/crypto';
export {
  memberIdFor, newSigningSeed, signCertificate, signRevocation, signingKeyFromSeed, verifyCertificate,
} from '@hearth/shared/crypto';

export const newSessionSecretBytes = () => randomBytes(32).toString('base64url');
