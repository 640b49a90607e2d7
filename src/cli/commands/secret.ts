// `aare secret createkeys | encrypt | edit`: hiera-eyaml's PKCS7 keys and ENC[...] values, in the
// files and formats the `eyaml` tool reads and writes (docs/hiera-eyaml.md). Plaintext is never
// written to disk except into the 0600 file `edit` hands to the editor, removed afterwards.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DiagnosticsError, error } from '../../diag/index.js';
import type { EyamlKeys } from '../../hiera/index.js';
import { action, EXIT, oneOf, UsageError } from '../cli-run.js';

interface KeyFlags {
  pkcs7PrivateKey?: string;
  pkcs7PublicKey?: string;
  keyLevel?: string;
  config?: string;
  facts?: string;
}

const DEFAULT_PRIVATE = 'keys/private_key.pkcs7.pem';
const DEFAULT_PUBLIC = 'keys/public_key.pkcs7.pem';

function keyOptions(cmd: Command): Command {
  return cmd
    .option('--pkcs7-private-key <file>', `the private key (default: ./${DEFAULT_PRIVATE})`)
    .option('--pkcs7-public-key <file>', `the public key, a certificate (default: ./${DEFAULT_PUBLIC})`)
    .option('--key-level <level>', "the keys of this eyaml level of hiera.yaml (its options' key paths)")
    .option('--config <hiera.yaml>', 'with --key-level: the Hiera configuration (default: ./hiera.yaml)')
    .option(
      '--facts <facts.json>',
      "with --key-level: facts for the level's %{...} key paths (a customer's)",
    );
}

export function register(program: Command): void {
  const secret = program
    .command('secret')
    .description('hiera-eyaml secrets: create PKCS7 keys, encrypt values, edit encrypted files');

  secret
    .command('createkeys')
    .description('create a PKCS7 key pair as `eyaml createkeys` does (private key mode 0600)')
    .option('--pkcs7-private-key <file>', `where to write the private key (default: ./${DEFAULT_PRIVATE})`)
    .option('--pkcs7-public-key <file>', `where to write the certificate (default: ./${DEFAULT_PUBLIC})`)
    .action(action(async (opts: KeyFlags) => createKeysCommand(opts)));

  keyOptions(
    secret
      .command('encrypt')
      .description('print ENC[PKCS7,...] for a value read from stdin (or --string; argv is visible to ps)')
      .option('--string <value>', 'the value to encrypt instead of stdin')
      .option('-o, --output <format>', 'string (one line) | block (for a YAML folded scalar)', 'string'),
  ).action(action(async (opts: KeyFlags & { string?: string; output: string }) => encryptCommand(opts)));

  keyOptions(
    secret
      .command('edit')
      .description(
        "decrypt a file's ENC[...] values into $EDITOR as DEC::PKCS7[...]! and encrypt what changed on save",
      )
      .argument('<file>', 'the eyaml file'),
  ).action(action(async (file: string, opts: KeyFlags) => editCommand(file, opts)));
}

async function createKeysCommand(opts: KeyFlags): Promise<number> {
  const { createKeys } = await import('../../hiera/index.js');
  const priv = resolve(opts.pkcs7PrivateKey ?? DEFAULT_PRIVATE);
  const pub = resolve(opts.pkcs7PublicKey ?? DEFAULT_PUBLIC);
  for (const f of [priv, pub]) {
    if (existsSync(f)) {
      throw new DiagnosticsError([
        error('SECRET_KEYS', `${f} already exists: Aare never overwrites a key (move it away first)`, {
          source: { file: f, start: { line: 1, col: 1 } },
        }),
      ]);
    }
  }
  const keys = createKeys();
  mkdirSync(dirname(priv), { recursive: true, mode: 0o700 });
  mkdirSync(dirname(pub), { recursive: true });
  writeFileSync(priv, keys.privateKeyPem, { mode: 0o600, flag: 'wx' });
  writeFileSync(pub, keys.publicKeyPem, { mode: 0o644, flag: 'wx' });
  process.stderr.write(`aare: created ${priv} (keep it secret) and ${pub}\n`);
  return EXIT.ok;
}

/** The key files: --key-level's (from hiera.yaml), else the flags, else eyaml's defaults. */
async function resolveKeys(opts: KeyFlags): Promise<EyamlKeys> {
  if (opts.keyLevel === undefined) {
    if (opts.config !== undefined || opts.facts !== undefined)
      throw new UsageError('--config and --facts go with --key-level');
    return {
      privateKey: resolve(opts.pkcs7PrivateKey ?? DEFAULT_PRIVATE),
      publicKey: resolve(opts.pkcs7PublicKey ?? DEFAULT_PUBLIC),
    };
  }
  if (opts.pkcs7PrivateKey !== undefined || opts.pkcs7PublicKey !== undefined)
    throw new UsageError('--key-level takes the key paths from hiera.yaml: drop --pkcs7-*-key');
  const { loadHiera, eyamlKeysOf } = await import('../../hiera/index.js');
  const config = opts.config ?? 'hiera.yaml';
  const { value: hiera, diagnostics } = loadHiera(config);
  if (diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticsError(diagnostics);
  let facts: Record<string, unknown> = {};
  if (opts.facts !== undefined) {
    try {
      facts = JSON.parse(readFileSync(opts.facts, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--facts ${opts.facts}: not a readable JSON object (${(e as Error).message})`);
    }
  }
  const keys = eyamlKeysOf(hiera, opts.keyLevel, facts);
  if (!keys) {
    const names = hiera.config.levels.filter((l) => l.eyaml).map((l) => `'${l.name}'`);
    throw new UsageError(
      `${config} has no eyaml level '${opts.keyLevel}' (eyaml levels: ${names.join(', ') || 'none'})`,
    );
  }
  return keys;
}

function readKeyFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DiagnosticsError([
      error('SECRET_KEYS', `cannot read the ${what} ${file} (${(e as { code?: string }).code ?? 'error'})`),
    ]);
  }
}

function encryptWith(
  plaintext: string,
  certPem: string,
  file: string,
  encrypt: (p: string, c: string) => string,
): string {
  try {
    return encrypt(plaintext, certPem);
  } catch (e) {
    throw new DiagnosticsError([
      error('SECRET_KEYS', `${file} is not a PKCS7 public key (a PEM certificate): ${(e as Error).message}`, {
        source: { file, start: { line: 1, col: 1 } },
      }),
    ]);
  }
}

async function encryptCommand(opts: KeyFlags & { string?: string; output: string }): Promise<number> {
  const format = oneOf('--output', opts.output, ['string', 'block'] as const);
  const { encryptToEnc } = await import('../../hiera/index.js');
  const keys = await resolveKeys(opts);
  const certPem = readKeyFile(keys.publicKey!, 'public key');
  const plaintext = opts.string ?? readFileSync(0, 'utf8');
  const enc = encryptWith(plaintext, certPem, keys.publicKey!, encryptToEnc);
  if (format === 'string') process.stdout.write(`${enc}\n`);
  else process.stdout.write(`>\n${enc.replace(/.{1,60}/g, '    $&\n')}`);
  return EXIT.ok;
}

const DEC = /DEC(\(\d+\))?::(\w+)\[([\s\S]*?)\]!/g;

async function editCommand(file: string, opts: KeyFlags): Promise<number> {
  const { EyamlError, EyamlKeyring, encBlocks, encryptToEnc } = await import('../../hiera/index.js');
  const keys = await resolveKeys(opts);
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file} (${(e as { code?: string }).code ?? 'error'})`);
  }
  const keyring = new EyamlKeyring();
  const originals: { match: string; plain: string }[] = [];
  let decrypted = '';
  let last = 0;
  for (const b of encBlocks(text)) {
    let plain: string;
    try {
      plain = keyring.decrypt(b.scheme, b.cipher, keys);
    } catch (e) {
      if (!(e instanceof EyamlError)) throw e;
      const before = text.slice(0, b.index).split('\n');
      throw new DiagnosticsError([
        error(
          'HIERA_DECRYPT',
          `cannot decrypt the ENC[${b.scheme},...] value with ${keys.privateKey}: ${e.message}`,
          {
            source: {
              file: path,
              start: { line: before.length, col: before[before.length - 1]!.length + 1 },
            },
          },
        ),
      ]);
    }
    originals.push({ match: b.match, plain });
    decrypted += `${text.slice(last, b.index)}DEC(${originals.length})::${b.scheme}[${plain}]!`;
    last = b.index + b.match.length;
  }
  decrypted += text.slice(last);

  const dir = mkdtempSync(join(tmpdir(), 'aare-secret-'));
  let edited: string;
  try {
    chmodSync(dir, 0o700);
    const tmp = join(dir, basename(path));
    writeFileSync(tmp, decrypted, { mode: 0o600 });
    const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'aare-secret-edit', tmp], { stdio: 'inherit' });
    if (r.status !== 0) {
      throw new UsageError(
        `the editor (${editor}) exited with ${r.status ?? r.signal}: ${file} is unchanged`,
      );
    }
    edited = readFileSync(tmp, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (edited === decrypted) {
    process.stderr.write(`aare: ${file} unchanged\n`);
    return EXIT.ok;
  }
  let certPem: string | undefined;
  const out = edited.replace(DEC, (whole, id: string | undefined, scheme: string, plain: string) => {
    const n = id ? Number(id.slice(1, -1)) : 0;
    const orig = originals[n - 1];
    // an unchanged value keeps its ciphertext, so the diff shows only what was edited
    if (orig && orig.plain === plain) return orig.match;
    if (scheme !== 'PKCS7') {
      throw new DiagnosticsError([
        error('SECRET_KEYS', `Aare encrypts only PKCS7 values: ${scheme} in ${file} was left as it was`),
      ]);
    }
    certPem ??= readKeyFile(keys.publicKey!, 'public key');
    return encryptWith(plain, certPem, keys.publicKey!, encryptToEnc);
  });
  const next = join(dirname(path), `.${basename(path)}.aare-${process.pid}`);
  writeFileSync(next, out);
  renameSync(next, path);
  process.stderr.write(`aare: ${file} saved\n`);
  return EXIT.ok;
}
