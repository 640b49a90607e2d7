// The record of one lookup, step by step, as `puppet lookup --explain` prints it: every level
// and file tried, whether the file existed, what each gave, the merge and the result.
import { isHash, isIntegerKey } from './hiera-values.js';

/** One line of the explanation and the steps nested under it. */
export interface ExplainNode {
  text: string;
  children: ExplainNode[];
}

/** Builds an ExplainNode tree while a lookup runs. */
export class Explainer {
  readonly root: ExplainNode = { text: '', children: [] };
  private stack: ExplainNode[] = [this.root];

  /**
   * @param redact every value shown as `[sensitive]` (the caller knows the key is a secret);
   *   also set once a value was decrypted, so a merge result holding it is not shown
   */
  constructor(public redact = false) {}

  /** A value as the explanation shows it. */
  value(v: unknown): string {
    return this.redact ? '[sensitive]' : formatExplainValue(v);
  }

  private get current(): ExplainNode {
    return this.stack[this.stack.length - 1]!;
  }

  line(text: string): void {
    this.current.children.push({ text, children: [] });
  }

  with<T>(text: string, fn: () => T): T {
    const node: ExplainNode = { text, children: [] };
    this.current.children.push(node);
    this.stack.push(node);
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }
}

/** A value the way Puppet's explainer prints it (Ruby-ish, `=>` between key and value). */
export function formatExplainValue(v: unknown, indent = ''): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + formatExplainValue(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (isHash(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    const lines = keys.map(
      (k) => `${inner}${isIntegerKey(v, k) ? k : JSON.stringify(k)} => ${formatExplainValue(v[k], inner)}`,
    );
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return String(v);
}

/** Renders the tree with two spaces per level, multi-line values indented under their line. */
export function renderExplain(node: ExplainNode): string {
  const out: string[] = [];
  const walk = (n: ExplainNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    out.push(
      n.text
        .split('\n')
        .map((l) => pad + l)
        .join('\n'),
    );
    for (const c of n.children) walk(c, depth + 1);
  };
  if (node.text === '') for (const c of node.children) walk(c, 0);
  else walk(node, 0);
  return out.join('\n') + '\n';
}
