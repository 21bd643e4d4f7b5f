// handleSummary for the Pilotfish k6 scripts, with no remote import: the whole
// end-of-test summary as JSON in a file (SUMMARY_FILE, default
// <script>-summary.json; "-" writes no file; "stdout" prints it as one line
// starting `SUMMARY_JSON ` after the verdicts, for a Job whose log is all
// that is left), and a short text on stdout: every threshold with its
// verdict and the figures the thresholds judge.

/** One line per threshold: `PASS http_req_failed rate<0.01 (rate 0.000)`. */
export function thresholdLines(data) {
  const lines = [];
  for (const [name, metric] of Object.entries(data.metrics ?? {})) {
    for (const [expr, result] of Object.entries(metric.thresholds ?? {})) {
      const failed = typeof result === 'object' ? result.ok === false : result === false;
      const values = Object.entries(metric.values ?? {}).map(([k, v]) => `${k} ${Number(v).toFixed(3)}`).join(', ');
      lines.push(`${failed ? 'FAIL' : 'PASS'} ${name} ${expr} (${values})`);
    }
  }
  return lines.sort();
}

/** k6's handleSummary result: the JSON file, and the verdicts on stdout. */
export function summarize(data, script) {
  const file = (__ENV.SUMMARY_FILE === undefined || __ENV.SUMMARY_FILE === '') ? `${script}-summary.json` : __ENV.SUMMARY_FILE;
  const lines = thresholdLines(data);
  const failed = lines.filter((l) => l.startsWith('FAIL')).length;
  const toStdout = file === 'stdout';
  const head = `${script}: ${lines.length - failed} of ${lines.length} thresholds hold${failed ? `, ${failed} FAIL` : ''}${file === '-' || toStdout ? '' : `; full summary in ${file}`}`;
  const out = { stdout: `${[head, ...lines, ...(toStdout ? [`SUMMARY_JSON ${JSON.stringify(data)}`] : [])].join('\n')}\n` };
  if (file !== '-' && !toStdout) out[file] = JSON.stringify(data, null, 2);
  return out;
}
