// Where the provider's repository service serves what VMs need: one convention that the
// compiler (which tells VMs) and the server (which serves) both take from here.

/** Path, under `endpoints.repository.baseUrl`, of the provider's public package signing key. */
export const PROVIDER_KEY_PATH = '/keys/RPM-GPG-KEY-aare';

/** Path of the distribution of one customer environment (a dnf `baseurl`). */
export function distributionPath(customer: string, environment: string): string {
  return `/repos/${customer}/${environment}/`;
}
