// The driver contract is src/providers' (STYLE.md lesson 4); the engine re-exports what it uses.
export type { ResourceDriver, DriverContext, DriverDiff, AttributeChange } from '../providers/index.js';
