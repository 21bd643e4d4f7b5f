// Shared settings of the Pilotfish k6 scripts: base URLs and knobs from
// __ENV (k6 -e NAME=value or the environment), load profiles (stages) and
// thresholds. Plain ES module: k6 runs it as is.

/** A variable from `k6 -e NAME=value` (or the environment), else the default. */
export function env(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : v;
}

/** A numeric variable, refusing garbage rather than silently running with NaN. */
export function envNumber(name, fallback) {
  const raw = env(name, undefined);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got ${raw}`);
  return n;
}

export const CACHE_URL = env('CACHE_URL', 'http://127.0.0.1:7700');
export const CACHE_TOKEN = env('CACHE_SIDECAR_TOKEN', '');
export const LLM_URL = env('LLM_URL', 'http://127.0.0.1:7701');
export const APP_URL = env('APP_URL', 'http://127.0.0.1:8080');
/** An API key of the app (`APP_API_KEYS`); `npm start` prints a development one. */
export const APP_API_KEY = env('APP_API_KEY', '');

/**
 * Load profiles (PROFILE=smoke|load|stress|soak), scaled by VUS (the peak
 * number of virtual users). Each ramps up, holds, and ramps down so the
 * thresholds judge the steady part as much as the edges.
 */
const PROFILES = {
  smoke: (vus) => [{ duration: '10s', target: Math.min(vus, 2) }],
  load: (vus) => [
    { duration: '30s', target: vus },
    { duration: '2m', target: vus },
    { duration: '15s', target: 0 },
  ],
  stress: (vus) => [
    { duration: '30s', target: vus },
    { duration: '1m', target: vus * 2 },
    { duration: '1m', target: vus * 4 },
    { duration: '30s', target: 0 },
  ],
  soak: (vus) => [
    { duration: '1m', target: vus },
    { duration: '30m', target: vus },
    { duration: '1m', target: 0 },
  ],
};

export const PROFILE = env('PROFILE', 'load');

export function stages(defaultVus) {
  const make = PROFILES[PROFILE];
  if (!make) throw new Error(`PROFILE must be one of ${Object.keys(PROFILES).join(', ')}, got ${PROFILE}`);
  return make(envNumber('VUS', defaultVus));
}

/** Thresholds every script shares: almost no failed requests and checks. */
export function baseThresholds() {
  return {
    http_req_failed: [`rate<${envNumber('MAX_FAILED_RATE', 0.01)}`],
    checks: [`rate>${envNumber('MIN_CHECKS_RATE', 0.99)}`],
  };
}

/** A response header, whatever case the server or k6 gave it. */
export function header(res, name) {
  const want = name.toLowerCase();
  for (const k of Object.keys(res.headers)) if (k.toLowerCase() === want) return res.headers[k];
  return undefined;
}

/** A uniformly random integer in [0, n). */
export function randomInt(n) {
  return Math.floor(Math.random() * n);
}
