import type { en } from './en.js';

export const es: Record<keyof typeof en, string> = {
  'app.incompleteLink.title': 'Este enlace está incompleto',
};
