// The list of commands. Each module exports `register(program)`; keep one line per command.
import type { Command } from 'commander';
import { register as lab } from './lab.js';
import { register as repo } from './repo.js';
import { register as serve } from './serve.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [lab, repo, serve];
