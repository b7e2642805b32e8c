// The portal in a real browser: the machine's Chromium (Debian's), driven by Playwright, with a
// reader's User-Agent (a headless one counts as a bot and its visits are not counted). The
// portal and the API are running already (`.ci/run` starts them): PORTAL_URL, NEWSROOM_API_URL,
// NEWSROOM_TOKEN (content:write and content:publish).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests",
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: process.env.PORTAL_URL ?? "http://127.0.0.1:3000",
    userAgent:
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    locale: "vi-VN",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu"],
    },
  },
});
