/** Writes index.html, portal.js and portal.css of the portal (src/web) to `outdir`. */
export function buildPortal(outdir: string): Promise<void>;
