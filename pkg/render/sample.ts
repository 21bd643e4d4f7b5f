/** Demo render jobs for the enqueue CLI: a report template with varying data; `bad` ones fail validation. */
export function sampleRenderJob(i: number, bad = false): Record<string, unknown> {
  if (bad) return { template: 42, data: { i } };
  return {
    template: '# Report {{n}}\n\nGenerated for **{{owner}}**.\n\n| item | qty |\n|---|---|\n{{#items}}| {{name}} | {{qty}} |\n{{/items}}\n\n> {{note}}',
    data: {
      n: i,
      owner: `team-${i % 7}`,
      items: Array.from({ length: 1 + (i % 5) }, (_, k) => ({ name: `part-${k}`, qty: (i * 31 + k) % 97 })),
      note: 'Rendered by the Pilotfish render worker.',
    },
  };
}
