import type { PrivacyCheck } from '@hearth/shared';

/** What the member chose on the pre-join screen (besides devices, which the preview holds). */
export interface JoinChoice {
  displayName: string;
  /** The private-space check as it stands when they press Join… */
  check: PrivacyCheck;
  /** …and once the ambient check has ended. */
  checkDone: Promise<PrivacyCheck>;
}
