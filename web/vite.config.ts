import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** `npm run build:web` writes web/dist, which Tally serves at `/`; `npm run dev:web` proxies the API to `npm start`. */
export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/v1': `http://127.0.0.1:${process.env.PORT ?? 3000}` } },
});
