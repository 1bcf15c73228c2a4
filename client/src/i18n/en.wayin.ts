/** Strings of the way in and out: pre-join, private-space check, agreement, quick exit, step out, not private. */
export const enWayIn = {
  'exit.button': 'Quick exit',
} as const;
