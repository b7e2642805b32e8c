// Lighthouse (npm) on a page of the running portal, with the machine's Chromium, three times:
// prints each run's scores and their medians; exits 1 when accessibility, best practices or
// SEO has a median under 95 (performance is reported, not a gate: it depends on the machine).
// Usage: node scripts/lighthouse.mjs URL   (CHROMIUM: the browser, default /usr/bin/chromium)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const url = process.argv[2];
if (!url) {
  console.error("usage: node scripts/lighthouse.mjs URL");
  process.exit(2);
}
const chrome = process.env.CHROMIUM ?? "/usr/bin/chromium";
const gated = ["accessibility", "best-practices", "seo"];
const categories = ["performance", ...gated];
const work = mkdtempSync(join(tmpdir(), "lighthouse-"));
const runs = [];
try {
  for (let i = 0; i < 3; i++) {
    const output = join(work, `run-${i}.json`);
    execFileSync(
      process.execPath,
      [
        join("node_modules", "lighthouse", "cli", "index.js"),
        url,
        `--chrome-path=${chrome}`,
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        `--only-categories=${categories.join(",")}`,
        "--output=json",
        `--output-path=${output}`,
        "--quiet",
      ],
      { stdio: "inherit" },
    );
    const report = JSON.parse(readFileSync(output, "utf8"));
    const scores = Object.fromEntries(categories.map((c) => [c, Math.round(report.categories[c].score * 100)]));
    runs.push(scores);
    console.log(`run ${i + 1}: ${categories.map((c) => `${c} ${scores[c]}`).join(", ")}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medians = Object.fromEntries(categories.map((c) => [c, median(runs.map((r) => r[c]))]));
console.log(`median of 3: ${categories.map((c) => `${c} ${medians[c]}`).join(", ")}`);
const failing = gated.filter((c) => medians[c] < 95);
if (failing.length > 0) {
  console.error(`under 95: ${failing.join(", ")}`);
  process.exit(1);
}
