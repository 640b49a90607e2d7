// The file formats as JSON Schema, for editors (yaml-language-server) and other tools.
import { z } from 'zod';
import { fileKinds } from './control-repo-schema.js';
import type { FileKind } from './control-repo-schema.js';

/** One JSON Schema per file kind, keyed by kind (`aare`, `profile`, `customer`, ...). */
export function controlRepoJsonSchemas(): Record<FileKind, Record<string, unknown>> {
  const out = {} as Record<FileKind, Record<string, unknown>>;
  for (const [kind, schema] of Object.entries(fileKinds) as [FileKind, z.ZodType][]) {
    // io 'input': fields with defaults are optional for the person writing the file
    out[kind] = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  }
  return out;
}

/** Which files of a control repository each schema is for (globs relative to the repository). */
export const schemaFileGlobs: Record<FileKind, string[]> = {
  aare: ['aare.yaml'],
  hiera: ['hiera.yaml'],
  'hiera-data': ['data/**/*.yaml'],
  profile: ['profiles/**/*.yaml'],
  role: ['roles/**/*.yaml'],
  reseller: ['tenants/*.yaml'],
  customer: ['tenants/*/*.yaml'],
  package: ['packages/*.yaml'],
};
