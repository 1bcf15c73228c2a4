import type { enWayIn } from './en.wayin.js';

export const esWayIn: Record<keyof typeof enWayIn, string> = {
  'exit.button': 'Salida rápida',
};
