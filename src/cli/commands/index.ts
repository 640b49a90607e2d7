// The list of commands. Each module exports `register(program)`; keep one line per command.
import type { Command } from 'commander';
import { register as validate } from './validate.js';
import { register as show } from './show.js';
import { register as schema } from './schema.js';
import { register as repo } from './repo.js';
import { register as serve } from './serve.js';
import { register as packageCommand } from './package.js';
import { register as lab } from './lab.js';
import { register as demo } from './demo.js';
import { register as lookup } from './lookup.js';
import { register as plan } from './plan.js';
import { register as apply } from './apply.js';
import { register as destroy } from './destroy.js';
import { register as compile } from './compile.js';
import { register as enc } from './enc.js';
import { register as dnsCommand } from './dns.js';
import { register as logging } from './logging.js';
import { register as mail } from './mail.js';
import { register as backup } from './backup.js';
import { register as secret } from './secret.js';
import { register as windowCommand } from './window.js';
import { register as audit } from './audit.js';
import { register as release } from './release.js';
import { register as token } from './token.js';
import { register as user } from './user.js';
import { register as state } from './state.js';
import { register as completion } from './completion.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  demo,
  validate,
  show,
  schema,
  repo,
  serve,
  packageCommand,
  lab,
  lookup,
  plan,
  apply,
  destroy,
  compile,
  enc,
  dnsCommand,
  logging,
  mail,
  backup,
  secret,
  windowCommand,
  audit,
  release,
  token,
  user,
  state,
  completion,
];
