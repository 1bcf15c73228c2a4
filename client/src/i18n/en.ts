/** Strings of the screens that were there before the way in (home, host, waiting, room, panel). */
export const en = {
  'app.incompleteLink.title': 'This link is incomplete',
} as const;
