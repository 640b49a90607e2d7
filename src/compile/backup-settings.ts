// A VM's backup job: the paths come from all of its profiles; when and how long to keep come
// from the parameters `schedule`, `retention_days` and `extra_paths` of the standard backup
// profile (BACKUP_PROFILE), resolved like any profile parameter through Hiera with the VM's
// facts. A VM whose role lacks that profile still gets them resolved (so common data applies
// to every VM); a repository without the profile gets the documented defaults.
import type { Diagnostic } from '../diag/index.js';
import type { Hiera } from '../hiera/index.js';
import type { ControlRepo, Vm } from '../model/index.js';
import { resolveProfile } from './parameter-resolve.js';
import type { ResolvedProfile } from './parameter-resolve.js';

export const BACKUP_PROFILE = 'backup_client';
export const BACKUP_DEFAULTS = { schedule: '02:00', retentionDays: 14 } as const;

export interface BackupSettings {
  schedule: string;
  retentionDays: number;
  extraPaths: string[];
  /** Where schedule and retention came from: `<puppet class>::<parameter>` or `default`. */
  from: { schedule: string; retentionDays: string };
}

export function backupSettings(
  controlRepo: ControlRepo,
  hiera: Hiera,
  vm: Vm,
  facts: Record<string, unknown>,
  profiles: ResolvedProfile[],
  diagnostics: Diagnostic[],
): BackupSettings {
  let resolved = profiles.find((p) => p.profile.name === BACKUP_PROFILE);
  if (!resolved) {
    const profile = controlRepo.profiles.get(BACKUP_PROFILE);
    if (profile) {
      // not part of the role: no role defaults apply, and a parameter without a value is no
      // error (the documented default applies); a value of the wrong type still is
      const found: Diagnostic[] = [];
      resolved = {
        profile,
        parameters: resolveProfile(controlRepo, hiera, vm, facts, undefined, profile, found),
      };
      diagnostics.push(...found.filter((d) => d.code !== 'PARAM_MISSING'));
    }
  }
  const get = (...names: string[]) => {
    for (const name of names) {
      const p = resolved?.parameters.get(name);
      if (p) return { name, ...p };
    }
    return undefined;
  };
  // `schedule` is a Puppet metaparameter: a repository that renames it to backup_schedule works too
  const schedule = get('backup_schedule', 'schedule');
  const retention = get('retention_days');
  const extra = get('extra_paths');
  const cls = resolved?.profile.puppetClass;
  return {
    schedule: typeof schedule?.value === 'string' ? schedule.value : BACKUP_DEFAULTS.schedule,
    retentionDays: typeof retention?.value === 'number' ? retention.value : BACKUP_DEFAULTS.retentionDays,
    extraPaths: Array.isArray(extra?.value)
      ? (extra.value as unknown[]).filter((p): p is string => typeof p === 'string')
      : [],
    from: {
      schedule: typeof schedule?.value === 'string' ? `${cls}::${schedule.name}` : 'default',
      retentionDays: typeof retention?.value === 'number' ? `${cls}::retention_days` : 'default',
    },
  };
}
