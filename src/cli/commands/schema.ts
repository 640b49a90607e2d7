// `aare schema`: the control repository's file formats as JSON Schema, for editors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, EXIT, UsageError } from '../cli-run.js';

export function register(program: Command): void {
  program
    .command('schema')
    .description('write one JSON Schema per control repository file kind (<kind>.schema.json)')
    .argument(
      '[kind]',
      'print only this kind to stdout (aare, hiera, hiera-data, profile, role, reseller, customer, package)',
    )
    .option('--out <dir>', 'directory to write the schemas into')
    .action(
      action(async (kind: string | undefined, opts: { out?: string }) => {
        const { controlRepoJsonSchemas, schemaFileGlobs } = await import('../../model/index.js');
        const schemas = controlRepoJsonSchemas();
        if (kind !== undefined) {
          const schema = (schemas as Record<string, unknown>)[kind];
          if (!schema)
            throw new UsageError(`unknown kind '${kind}'; one of ${Object.keys(schemas).join(', ')}`);
          process.stdout.write(JSON.stringify(schema, null, 2) + '\n');
          return EXIT.ok;
        }
        if (opts.out === undefined) throw new UsageError('give --out DIR (or a kind to print one schema)');
        mkdirSync(opts.out, { recursive: true });
        for (const [name, schema] of Object.entries(schemas)) {
          const file = join(opts.out, `${name}.schema.json`);
          writeFileSync(file, JSON.stringify(schema, null, 2) + '\n');
          const globs = schemaFileGlobs[name as keyof typeof schemaFileGlobs].join(', ');
          process.stdout.write(`${file}  (${globs})\n`);
        }
        return EXIT.ok;
      }),
    );
}
