// The app's docs follow its code: every environment variable the app reads
// and every metric it defines has a row in docs/app.md, and the flag
// overrides are named as the code spells them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appSpec } from '../../pkg/app/config.ts';
import { FLAG_KEYS, overrideVariable } from '../../pkg/flags/index.ts';

const appDoc = readFileSync(new URL('../../docs/app.md', import.meta.url), 'utf8');
const metricsSource = readFileSync(new URL('../../pkg/app/metrics.ts', import.meta.url), 'utf8');

/** The first cell of each Markdown table row, backticks removed, split at commas (`A`, `B` rows name two). */
function tableNames(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const line of markdown.split('\n')) {
    const cell = /^\|\s*([^|]+?)\s*\|/.exec(line)?.[1];
    if (!cell) continue;
    for (const m of cell.matchAll(/`([^`]+)`/g)) names.add(m[1]);
  }
  return names;
}

describe('docs/app.md', () => {
  const documented = tableNames(appDoc);

  it.each(Object.keys(appSpec))('documents %s in a table row', (name) => {
    expect(documented).toContain(name);
  });

  it.each(FLAG_KEYS.map((key) => [key, overrideVariable(key)]))('documents the flag %s and its override %s', (flag, variable) => {
    expect(documented).toContain(flag);
    expect(documented).toContain(variable);
  });

  it('documents every metric pkg/app/metrics.ts defines', () => {
    const defined = [...metricsSource.matchAll(/name: '(app_[a-z_]+)'/g)].map((m) => m[1]);
    expect(defined.length).toBeGreaterThan(0);
    for (const name of defined) expect(documented).toContain(name);
  });
});
