// The portal is rendered on the server for every request (readers and crawlers get whole pages,
// JavaScript off or on); the typed client is imported from its TypeScript sources, so the
// portal builds without a build of the client.
import { fileURLToPath } from "node:url";

import node from "@astrojs/node";
import { defineConfig } from "astro/config";

export default defineConfig({
  output: "server",
  adapter: node({ mode: "standalone" }),
  // Pages are ours to cache (the API's Cache-Control is passed on); no prefetch scripts.
  prefetch: false,
  devToolbar: { enabled: false },
  security: { checkOrigin: true },
  vite: {
    resolve: {
      alias: {
        "@newsroom/client": fileURLToPath(new URL("../../clients/typescript/src/index.ts", import.meta.url)),
      },
      // The client's own import of openapi-fetch resolves here, not beside the client.
      dedupe: ["openapi-fetch"],
    },
    ssr: { noExternal: ["@newsroom/client"] },
  },
});
