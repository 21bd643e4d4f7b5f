// npm run sim:autoscaler [-- --seeds 5 --hours 6 --startup 20 --peak-max 36 --min-replicas 0
//                           --backlog-target 20 --age-target 10 --up-percent 100 --up-pods 8]
// One queue, a bursty arrival trace, log-normal service times, a pod start-up
// delay: this controller's policy (the real pure recommend()) against
// KEDA-style policies on the same traces. Prints the share of time the oldest
// ready job is older than the SLO and the replica-seconds used. Seeded and
// deterministic: the same seeds give the same figures.
import { parseArgs } from 'node:util';
import { simulate, type ModelOptions, type SimResult } from './sim/model.ts';
import { controllerPolicy, kedaStylePolicy } from './sim/policies.ts';
import { burstyTrace } from './sim/trace.ts';
import { benchJson } from './report-json.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    hours: { type: 'string', default: '6' },
    startup: { type: 'string', default: '20' },
    'peak-max': { type: 'string', default: '36' },
    'min-replicas': { type: 'string', default: '0' },
    'backlog-target': { type: 'string', default: '20' },
    'age-target': { type: 'string', default: '10' },
    'up-percent': { type: 'string', default: '100' },
    'up-pods': { type: 'string', default: '8' },
    json: { type: 'string' },
  },
});
const backlogTarget = Number(values['backlog-target']);
const ageTarget = Number(values['age-target']);
const startupSeconds = Number(values.startup);
const burstPeakMax = Number(values['peak-max']);
const minReplicas = Number(values['min-replicas']);
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => 1000 + i * 7919);
const durationSeconds = Math.round(Number(values.hours) * 3600);
const SLO = 30;
const MAX = 60;

/** The spec this controller runs with in the comparison (also shown in docs/controller.md). */
const CONTROLLER_SPEC = {
  minReplicas,
  maxReplicas: MAX,
  pollingIntervalSeconds: 5,
  targets: { backlogPerReplica: backlogTarget, oldestReadyAgeSeconds: ageTarget },
  activation: { backlog: 0 },
  cooldownSeconds: 120,
  behavior: {
    scaleUp: { policies: [{ type: 'Percent', value: Number(values['up-percent']), periodSeconds: 15 }, { type: 'Pods', value: Number(values['up-pods']), periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }] },
  },
};

const model: Omit<ModelOptions, 'seed'> = { serviceMeanSeconds: 2, serviceCv: 0.5, concurrency: 4, startupSeconds, sloSeconds: SLO, initialReplicas: minReplicas };
const makePolicies = () => [
  controllerPolicy(`pilotfish (backlog ${backlogTarget}/replica + oldest age ${ageTarget} s)`, CONTROLLER_SPEC),
  kedaStylePolicy('KEDA-style, listLength 5 (KEDA default)', { listLength: 5, maxReplicas: MAX, minReplicas }),
  kedaStylePolicy(`KEDA-style, listLength ${backlogTarget} (same per-replica target)`, { listLength: backlogTarget, maxReplicas: MAX, minReplicas }),
];

const results: SimResult[][] = makePolicies().map(() => []);
for (const seed of seeds) {
  const trace = burstyTrace({ seed, durationSeconds, burstPeakMax });
  makePolicies().forEach((p, i) => results[i].push(simulate(trace, p, { ...model, seed })));
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
console.log(`queue autoscaler simulation: ${seeds.length} seeded traces of ${values.hours} h (${results[0][0].jobs.toLocaleString('en')} jobs in the first), bursts up to ${burstPeakMax} jobs/s, service 2 s mean (cv 0.5), 4 jobs per pod, pod start-up ${startupSeconds} s, minReplicas ${minReplicas}, SLO oldest ready age <= ${SLO} s`);
console.log('');
console.log('policy'.padEnd(56), 'within SLO (median)'.padStart(20), 'worst seed'.padStart(11), 'replica-s (median)'.padStart(19), 'max pods'.padStart(9), 'scale changes'.padStart(14));
for (const rs of results) {
  const within = rs.map((r) => 1 - r.sloViolationShare);
  console.log(
    rs[0].policy.padEnd(56),
    pct(median(within)).padStart(20),
    pct(Math.min(...within)).padStart(11),
    Math.round(median(rs.map((r) => r.replicaSeconds))).toLocaleString('en').padStart(19),
    String(Math.max(...rs.map((r) => r.maxReplicas))).padStart(9),
    String(Math.round(median(rs.map((r) => r.scaleChanges)))).padStart(14),
  );
}
console.log('');
const ours = results[0];
const keda = results[1];
const perSeed = seeds.map((seed, i) => ({ seed, within: 1 - ours[i].sloViolationShare, rs: ours[i].replicaSeconds, kedaRs: keda[i].replicaSeconds }));
for (const s of perSeed) {
  console.log(`seed ${s.seed}: pilotfish within SLO ${pct(s.within)}, replica-s ${s.rs.toLocaleString('en')} vs KEDA default ${s.kedaRs.toLocaleString('en')} (${((s.rs / s.kedaRs - 1) * 100).toFixed(1)}%)`);
}
const met = perSeed.every((s) => s.within >= 0.99 && s.rs <= s.kedaRs);
console.log('');
console.log(`target (>= 99% within SLO with no more replica-seconds than KEDA-style default) on every seed: ${met ? 'MET' : 'NOT MET'}`);
const json = benchJson('autoscaler', { seeds, hours: Number(values.hours), startupSeconds, burstPeakMax, minReplicas, sloSeconds: SLO });
json.table('bursty queue, simulated', ours[0].policy);
for (const rs of results) {
  json.row({ table: 'bursty queue, simulated', series: rs[0].policy, withinSloMedian: median(rs.map((r) => 1 - r.sloViolationShare)), withinSloWorst: Math.min(...rs.map((r) => 1 - r.sloViolationShare)), replicaSeconds: median(rs.map((r) => r.replicaSeconds)), maxPods: Math.max(...rs.map((r) => r.maxReplicas)), scaleChanges: median(rs.map((r) => r.scaleChanges)) });
}
json.check('>= 99% within SLO with no more replica-seconds than the KEDA-style default, on every seed', met, perSeed.map((s) => `${pct(s.within)}, ${((s.rs / s.kedaRs - 1) * 100).toFixed(1)}% replica-s`).join('; '));
json.write(values.json);
