/**
 * Kubernetes resource quantities (`100m`, `0.5`, `64Mi`, `1G`, `1e3`), the
 * grammar of k8s.io/apimachinery's resource.Quantity, non-negative only.
 */
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes), or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, number, suffix = ''] = m;
  const scale = /^[eE][+-]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return Number(number) * scale;
}
