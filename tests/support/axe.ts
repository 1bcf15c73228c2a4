import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core's own build (the npm package ships axe.min.js; nothing is fetched). The app's Content-Security-Policy
 * forbids inline scripts, so the source is evaluated through the DevTools protocol (page.evaluate), which the
 * policy does not govern, instead of being added as a <script>.
 */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeProblem {
  rule: string;
  impact: string;
  help: string;
  /** CSS selectors of the elements at fault, and axe's summary of what is wrong with the first few. */
  targets: string[];
  summary: string[];
}

interface AxeResult {
  violations: {
    id: string;
    impact?: string | null;
    help: string;
    nodes: { target: unknown[]; failureSummary?: string }[];
  }[];
}

/**
 * Runs axe on the page as it is now (every rule axe enables by default: WCAG 2.x A and AA, and best practices) and
 * returns the violations of impact serious or critical, with their targets. `exclude`: selectors left out.
 */
export async function seriousViolations(page: Page, exclude: string[] = []): Promise<AxeProblem[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async (exclude) => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResult> } }).axe;
    const context = exclude.length > 0 ? { include: [['html']], exclude: exclude.map((s) => [s]) } : document;
    return axe.run(context, { resultTypes: ['violations'] });
  }, exclude);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      rule: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
      summary: v.nodes.slice(0, 3).map((n) => n.failureSummary ?? ''),
    }));
}

/**
 * Controls smaller than `min` CSS pixels in either direction on the page as it is now (WCAG 2.5.5's 44 px): buttons,
 * links outside running text, inputs, selects, textareas and summaries. A checkbox or radio counts by the label
 * around it (the label is what a finger presses). Hidden and disabled controls are left out.
 */
export function smallTargets(page: Page, min = 44): Promise<string[]> {
  return page.evaluate((min) => {
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? '').trim().slice(0, 40) || el.getAttribute('aria-label') || ''}"`;
    const out: string[] = [];
    for (const el of document.querySelectorAll('button, a[href], input, select, textarea, summary')) {
      if ((el as HTMLButtonElement).disabled || el.closest('[hidden], [inert]')) continue;
      const target = el.matches('input[type=checkbox], input[type=radio]') ? (el.closest('label') ?? el) : el;
      // A link inside a sentence is exempt (2.5.5); a link on its own line is a target.
      if (el.tagName === 'A' && (el.parentElement?.textContent ?? '').trim() !== (el.textContent ?? '').trim()) continue;
      const box = target.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const style = getComputedStyle(target);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      if (box.height < min - 0.5 || box.width < min - 0.5) out.push(`${describe(target)} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
    return out;
  }, min);
}
