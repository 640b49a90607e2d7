// What src/app hands validate and compile, for tests that start from a directory.
import { loadControlRepo } from '../../src/model/index.js';
import { loadHiera } from '../../src/hiera/index.js';
import type { LoadedControlRepo } from '../../src/compile/index.js';

export function sourceOf(dir: string): LoadedControlRepo {
  const controlRepo = loadControlRepo(dir);
  return { controlRepo, hiera: () => loadHiera(controlRepo.value.hieraConfigFile) };
}
