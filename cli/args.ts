/** Minimal flag parsing: --flag value, --flag=value, -o value, bare booleans, positionals. */
export interface Parsed {
  positionals: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(argv: string[], booleans: string[] = []): Parsed {
  const out: Parsed = { positionals: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-') && a !== '-') {
      const [k, v] = a.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
      if (v !== undefined) out.flags[k] = v;
      else if (booleans.includes(k) || i + 1 >= argv.length || argv[i + 1]!.startsWith('-')) out.flags[k] = true;
      else out.flags[k] = argv[++i]!;
    } else out.positionals.push(a);
  }
  return out;
}
