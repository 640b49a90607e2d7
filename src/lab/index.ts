/**
 * The lab: real services on 127.0.0.1 for development, the demo and every test suite (OpenStack,
 * PostgreSQL and PowerDNS; later syslog, backup and mail). The work is done by the project's shell
 * scripts in lab/ (one start.sh/stop.sh pair per service, pid files and logs under the state dir);
 * this module runs them, reads their pid files and endpoints, and prints nothing itself (progress
 * goes to a callback). It must never kill a process it did not start, and imports only diag.
 */
export { labUp, labDown, labInstall, labStatus, labEnv, shellQuote } from './lab-runner.js';
export type { LabUpOptions, LabUpResult, LabProgress } from './lab-runner.js';
export {
  labPaths,
  labServiceNames,
  labPackageAreas,
  defaultLabServices,
  serviceStatus,
  tcpReachable,
  DEFAULT_LAB_STATE,
} from './lab-services.js';
export type { LabPaths, LabServiceStatus, LabProcessStatus } from './lab-services.js';
