// Profile templates: config files rendered with a VM's resolved parameters.
//
// The language (template-engine.ts, docs/control-repository.md "Templates") keeps ERB's and
// EPP's tags, so a Puppet shop reads it at once, but it is interpreted: a template cannot reach
// Node, the process or a file, because whoever may push to the control repository writes it and
// `aare validate` renders it. Template files are read only inside the control repository.
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { readContainedText, readFailureCode, realRoot } from '../hiera/index.js';
import { compileTemplate, TemplateError } from './template-engine.js';
import type { CompiledTemplate } from './template-engine.js';

/** What a template sees. */
export interface TemplateData {
  /** The profile's resolved parameters, by parameter name (`params.workers`). */
  params: Record<string, unknown>;
  /** Who the VM is (`vm.fqdn`, `vm.customer`, ...). */
  vm: {
    name: string;
    hostname: string;
    fqdn: string;
    reseller: string;
    customer: string;
    environment: string;
    role: string;
    profiles: string[];
  };
  /** The facts Hiera saw for the VM. */
  facts: Record<string, unknown>;
}

export type RenderOutcome = { text: string } | { diagnostic: Diagnostic };

interface Entry {
  fn?: CompiledTemplate;
  failure?: Diagnostic;
}

/**
 * Compiles each template file once and renders it many times. One per compile run: it holds
 * the compiled templates it has seen, keyed by absolute path.
 */
export class TemplateCache {
  private readonly compiled = new Map<string, Entry>();
  private readonly root: string;

  /** `root`: the control repository; a template whose real path leaves it is refused. */
  constructor(root: string) {
    this.root = realRoot(root);
  }

  /**
   * Renders the template at `absolutePath` (shown to the user as `displayPath`, which may be
   * given as a function: it is computed only when needed). A template that does not exist, is
   * outside the repository, is not UTF-8, does not parse or fails while rendering comes back as
   * a TEMPLATE diagnostic at the template's line and column.
   */
  render(
    absolutePath: string,
    displayPath: string | (() => string),
    data: TemplateData,
    address: string,
  ): RenderOutcome {
    let entry = this.compiled.get(absolutePath);
    const display = (): string => (typeof displayPath === 'string' ? displayPath : displayPath());
    if (!entry) {
      entry = this.compile(absolutePath, display());
      this.compiled.set(absolutePath, entry);
    }
    if (entry.failure) return { diagnostic: { ...entry.failure, address } };
    try {
      return { text: entry.fn!(data) };
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      return {
        diagnostic: error('TEMPLATE', `template fails for ${address}: ${err.message}`, {
          source: at(display(), err.line, err.col),
          address,
        }),
      };
    }
  }

  private compile(absolutePath: string, displayPath: string): Entry {
    const read = readContainedText(absolutePath, this.root);
    if (!('text' in read)) {
      const reason =
        read.problem === 'outside'
          ? `${read.reason}: templates are read only inside the control repository`
          : read.reason;
      const code = readFailureCode(read.problem, 'TEMPLATE');
      const pos = read.pos ?? { line: 1, col: 1 };
      return {
        failure: error(code, `template ${displayPath} ${reason}`, {
          source: at(displayPath, pos.line, pos.col),
        }),
      };
    }
    try {
      return { fn: compileTemplate(read.text) };
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      return {
        failure: error('TEMPLATE', `template does not parse: ${err.message}`, {
          source: at(displayPath, err.line, err.col),
        }),
      };
    }
  }
}

function at(file: string, line: number, col: number) {
  return { file, start: { line, col } };
}
