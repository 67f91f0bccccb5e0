// Assembles dist/dashboard: the page's compiled modules (from tsconfig.dashboard.json's output),
// index.html and style.css, side by side as the server serves them under /workflow/assets/.

import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/dashboard');
// tsc keeps the src/ layout (the page imports types from src/server and src/events, which it also
// emits); only the page's own modules are served.
const compiled = join(root, 'dist/.dashboard-tsc');
const target = join(root, 'dist/dashboard');

await rm(target, { recursive: true, force: true });
await mkdir(target, { recursive: true });
for (const name of await readdir(join(compiled, 'dashboard'))) {
  if (name.endsWith('.js')) await cp(join(compiled, 'dashboard', name), join(target, name));
}
for (const name of ['index.html', 'style.css']) await cp(join(source, name), join(target, name));
await rm(compiled, { recursive: true, force: true });
