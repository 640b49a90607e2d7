/**
 * Puppet patterns are Ruby regular expressions. Ruby's `^` and `$` always match at line breaks, and
 * Ruby has anchors and classes JavaScript lacks; this translates the common ones so a pattern
 * matches here what it matches in Puppet.
 */
export function rubyRegExp(source: string): RegExp | string {
  let flags = 'm';
  let body = source;
  // A leading `(?i)` or `(?m)` etc. applies to the whole expression.
  const lead = /^\(\?([imx]+)\)/.exec(body);
  if (lead) {
    const opts = lead[1] ?? '';
    if (opts.includes('i')) flags += 'i';
    // Ruby's `m` is JavaScript's `s` (dot matches newline).
    if (opts.includes('m')) flags += 's';
    if (opts.includes('x')) return 'the x (extended) option is not supported';
    body = body.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const n = body[i + 1];
      i++;
      if (n === undefined) return 'trailing backslash';
      if (n === 'h') out += inClass ? '0-9a-fA-F' : '[0-9a-fA-F]';
      else if (n === 'H' && !inClass) out += '[^0-9a-fA-F]';
      else if (n === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (n === 'z' && !inClass) out += '(?![\\s\\S])';
      else if (n === 'Z' && !inClass) out += '(?=\\n?(?![\\s\\S]))';
      else out += '\\' + n;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  try {
    return new RegExp(out, flags);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // "Invalid regular expression: /(/m: Unterminated group" -> "Unterminated group"
    return message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}
