/**
 * Central logging with rsyslog (docs/logging.md). The VM's side (its forwarding snippet) is
 * compiled into its cloud-init by src/compile; this folder makes the central receiver's
 * configuration for every customer: each line filed by the address Aare assigned to the sending
 * VM, never by the hostname the line claims, so one customer's lines never land in another's
 * directory. It is a generator (`aare logging receiver-config`), not a resource provider: the
 * receiver is installed by the operator. It never prints and never starts rsyslogd.
 */
export { receiverConfig, UNKNOWN_SENDER_DIR } from './receiver-config.js';
export type { ReceiverVm, ReceiverOptions } from './receiver-config.js';
export { receiverVms } from './receiver-senders.js';
