// `aare schema`: the control repository's file formats as JSON Schema, for editors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { action, EXIT, UsageError } from '../cli-run.js';

export function register(program: Command): void {
  program
    .command('schema')
    .description(
      'print the JSON Schemas of the control repository file kinds (one JSON object by kind), or write them with --out',
    )
    .argument(
      '[kind]',
      'print only this kind to stdout (aare, hiera, hiera-data, profile, role, reseller, customer, package)',
    )
    .option('--out <dir>', 'write one file per kind (<kind>.schema.json) into this directory')
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
        if (opts.out === undefined) {
          process.stdout.write(JSON.stringify(schemas, null, 2) + '\n');
          return EXIT.ok;
        }
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
