// `wisp new <lang> <name>`: a working function from compiler/templates/<lang>.

import { existsSync } from 'node:fs';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fromRoot } from '../../runtime/package-root.js';

/** Templates live in the source tree (dist/ holds only compiled code, never templates). */
export function templatesDir(): string {
  const p = fromRoot('compiler', 'templates');
  if (!existsSync(p)) throw new Error(`templates not found: is ${p} present?`);
  return p;
}

export async function languages(): Promise<string[]> {
  return (await readdir(templatesDir(), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

async function substitute(dir: string, name: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await substitute(p, name);
    else {
      const text = await readFile(p, 'utf8');
      if (text.includes('{{name}}')) await writeFile(p, text.replaceAll('{{name}}', name));
    }
  }
}

export async function newFunction(lang: string, name: string, into = '.'): Promise<string> {
  const langs = await languages();
  if (!langs.includes(lang)) throw new Error(`unknown language '${lang}': one of ${langs.join(', ')}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`invalid function name '${name}': 1-64 of A-Z a-z 0-9 _ -`);
  const dest = resolve(into, name);
  if (existsSync(dest)) throw new Error(`${dest} already exists`);
  await cp(join(templatesDir(), lang), dest, { recursive: true });
  await substitute(dest, name);
  return dest;
}
