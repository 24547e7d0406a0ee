// Builds the app SDK (src/integrations/sdk/patchbay.ts) into `<outDir>/sdk/` as a standalone ES module
// with a stable name, `patchbay.js`, and its bundled types, `patchbay.d.ts`. It runs inside the site's
// Vite build, before the service worker's precache list is made, so the SDK is precached too.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { build } from 'vite';

const ENTRY = 'src/integrations/sdk/patchbay.ts';

/** @returns {import('vite').Plugin} */
export function sdk() {
  let outDir = 'dist';
  return {
    name: 'patchbay:sdk',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    writeBundle: {
      sequential: true,
      order: 'pre',
      async handler() {
        const dir = path.join(outDir, 'sdk');
        await build({
          configFile: false,
          logLevel: 'warn',
          build: {
            target: 'es2022',
            outDir: dir,
            emptyOutDir: false,
            sourcemap: true,
            copyPublicDir: false,
            lib: { entry: path.resolve(ENTRY), formats: ['es'], fileName: () => 'patchbay.js' },
          },
        });
        const { generateDtsBundle } = await import('dts-bundle-generator');
        const [types] = generateDtsBundle(
          [{ filePath: ENTRY, noCheck: true, output: { noBanner: true, exportReferencedTypes: false } }],
          { preferredConfigPath: 'src/integrations/tsconfig.json' },
        );
        writeFileSync(path.join(dir, 'patchbay.d.ts'), types);
      },
    },
  };
}
