// What names in the control repository may look like, and a "did you mean" for misspelt ones.

/**
 * A DNS label as used in names Aare builds (`<vm>.<env>.<customer>.<dnsDomain>`): RFC 1123,
 * lower case only (names are compared as written), 1 to 63 characters.
 * Returns why it is not one, or undefined.
 */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 63) return `is ${name.length} characters long (at most 63)`;
  if (/[A-Z]/.test(name)) return 'has upper-case letters (use lower case)';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only a-z, 0-9 and -';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not start or end with -';
  return undefined;
}

/** A dotted relative DNS name (one or more labels), e.g. `shop` or `api.shop`. */
export function dnsNameProblem(name: string): string | undefined {
  for (const label of name.split('.')) {
    const p = dnsLabelProblem(label);
    if (p) return `label '${label}' ${p}`;
  }
  return undefined;
}

/** Profile, role and parameter names: one segment of a Puppet class name. */
export function puppetNameProblem(name: string): string | undefined {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    return 'must start with a-z and contain only a-z, 0-9 and _ (a Puppet name)';
  return undefined;
}

/** RPM package names. */
export function packageNameProblem(name: string): string | undefined {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._+-]*$/.test(name)) return 'is not a valid RPM package name';
  return undefined;
}

/** The candidate closest to `name` when it is plausibly a typo of it. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
