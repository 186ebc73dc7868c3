// Distribution functions the drift scores need, in plain float64. Accuracy is ~1e-9 relative or better,
// far more than thresholds at alpha ~1e-5 require; the algorithms are the classic ones (Lanczos log-gamma,
// series / Lentz continued fraction for the incomplete gamma, Acklam's normal quantile with a Newton step).

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  const t = z + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += (LANCZOS[i] as number) / (z + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete gammas P(a, x) and Q(a, x) = 1 - P, each computed where it is accurate. */
function incompleteGamma(a: number, x: number): { p: number; q: number } {
  if (!(a > 0)) throw new RangeError(`incomplete gamma: a must be > 0, got ${a}`);
  if (x <= 0) return { p: 0, q: 1 };
  if (!Number.isFinite(x)) return { p: 1, q: 0 };
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x).
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    const p = Math.min(1, sum * Math.exp(lnPrefix));
    return { p, q: 1 - p };
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const q = Math.min(1, Math.exp(lnPrefix) * h);
  return { p: 1 - q, q };
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  return incompleteGamma(a, x).q;
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function gammaP(a: number, x: number): number {
  return incompleteGamma(a, x).p;
}

/** P(X <= x) for X ~ chi-square(dof), accurate in the lower tail. */
export function chiSquareCdf(x: number, dof: number): number {
  return gammaP(dof / 2, x / 2);
}

/** P(X > x) for X ~ chi-square with `dof` degrees of freedom (dof may be fractional). */
export function chiSquareSf(x: number, dof: number): number {
  return gammaQ(dof / 2, x / 2);
}

/** The x with P(X > x) = p for X ~ chi-square(dof), by bisection on the survival function. */
export function chiSquareIsf(p: number, dof: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`chiSquareIsf: p must be in (0, 1), got ${p}`);
  let lo = 0;
  let hi = Math.max(1, dof);
  while (chiSquareSf(hi, dof) > p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquareSf(mid, dof) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Complementary error function, via the regularized incomplete gamma (erfc(x) = Q(1/2, x^2) for x >= 0). */
export function erfc(x: number): number {
  if (x >= 0) return gammaQ(0.5, x * x);
  return 2 - gammaQ(0.5, x * x);
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Two-sided p-value of a standard normal statistic: P(|Z| >= |z|). */
export function normalTwoSidedP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

// Acklam's coefficients: central region a/b, tails c/d.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
] as const;
const B = [
  -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
] as const;
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
] as const;
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;
const ACKLAM_LOW = 0.02425;

/** Horner evaluation of a polynomial with coefficients from the highest power down. */
function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

/** The standard normal quantile Φ⁻¹(p) (Acklam's rational approximation refined by one Newton step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const tail = (q: number): number => horner(C, q) / (horner(D, q) * q + 1);
  let x: number;
  if (p < ACKLAM_LOW) x = tail(Math.sqrt(-2 * Math.log(p)));
  else if (p <= 1 - ACKLAM_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x = (horner(A, r) * q) / (horner(B, r) * r + 1);
  } else x = -tail(Math.sqrt(-2 * Math.log(1 - p)));
  // One Newton step on Φ(x) - p brings the 1e-9 approximation to machine precision.
  const e = 1 - normalSf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Kolmogorov's limiting distribution: P(K > lambda) = 2 Σ (-1)^(j-1) exp(-2 j² lambda²). */
export function kolmogorovSf(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += sign * term;
    if (term < 1e-16) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Two-sample Kolmogorov-Smirnov test on sorted samples: the statistic D and its asymptotic p-value. */
export function ksTwoSample(
  sortedA: ArrayLike<number>,
  sortedB: ArrayLike<number>,
): { d: number; p: number } {
  const n = sortedA.length;
  const m = sortedB.length;
  if (n === 0 || m === 0) return { d: 0, p: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const a = sortedA[i] as number;
    const b = sortedB[j] as number;
    const x = Math.min(a, b);
    // Step over ties in both samples together: the empirical CDFs jump at x as a whole.
    while (i < n && (sortedA[i] as number) <= x) i++;
    while (j < m && (sortedB[j] as number) <= x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const ne = (n * m) / (n + m);
  const sq = Math.sqrt(ne);
  // Stephens' small-sample correction of the asymptotic distribution (as in Numerical Recipes' kstwo).
  return { d, p: kolmogorovSf((sq + 0.12 + 0.11 / sq) * d) };
}
