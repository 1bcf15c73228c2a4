/** Strings of the "Verify this page" view (verify/VerifyView.svelte). */
export const enVerify = {
  'verify.link': 'Verify this page',
  'verify.title': 'Verify this page',
  'verify.intro': 'Your browser checks the code this page loaded against the list of files this Hearth release is made of.',
  'verify.digest': 'Release digest',
  'verify.checking': 'Checking the files this page loaded…',
  'verify.allMatch': 'All {count} files this page loaded match the release.',
  'verify.someDiffer': '{count} of {total} files this page loaded do not match the release.',
  'verify.noManifest': 'This server publishes no list of its release, so there is nothing to compare with.',
  'verify.badList': 'The release list does not add up to its digest.',
  'verify.files': 'Files this page loaded',
  'verify.state.match': 'matches',
  'verify.state.differs': 'does not match',
  'verify.state.unlisted': 'not part of the release',
  'verify.state.unreadable': 'could not be read again',
  'verify.caveat': 'A server that changed the code could change this check too. To be sure, compare the release digest above with the one your practice published, from another device (see “Verifying the client” in Hearth’s documentation).',
  'verify.close': 'Close',
} as const;
