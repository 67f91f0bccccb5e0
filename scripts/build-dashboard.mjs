// Builds dist/dashboard: the page bundled by esbuild from src/dashboard/app.ts (with the run view,
// the event types and the protocol it imports from src/), next to index.html and style.css, as
// the server serves them under /workflow/assets/. The bundle imports nothing at run time.

import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/dashboard');
const target = join(root, 'dist/dashboard');

await rm(target, { recursive: true, force: true });
await mkdir(target, { recursive: true });
await build({
  entryPoints: [join(source, 'app.ts')],
  outfile: join(target, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const name of ['index.html', 'style.css']) await cp(join(source, name), join(target, name));
