// The one table style of the CLI (cli-table3): no borders, the head coloured on a terminal.
export async function renderTable(
  head: string[],
  rows: readonly (readonly (string | number)[])[],
  opts: { rowLines?: boolean } = {},
): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const table = new Table({
    head,
    style: { head: process.stdout.isTTY ? ['cyan'] : [], border: [] },
    // without lines between rows, one item per line reads best
    ...(opts.rowLines === false
      ? { chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } }
      : {}),
  });
  table.push(...rows.map((r) => r.map(String)));
  return table.toString();
}
