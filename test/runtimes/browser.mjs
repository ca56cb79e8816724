// Launcher for headless Chromium, run by Node from the repository: opens the smoke page (argument 1,
// served by the driver) and runs the smoke there against the URLs (argument 2, JSON).
import { chromium } from "playwright-core";

const [page, urls] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  timeout: 30_000,
});
try {
  const tab = await browser.newPage();
  tab.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await tab.goto(page);
  const result = await tab.evaluate((u) => window.smoke.run(JSON.parse(u)), urls);
  console.log(`SMOKE ${JSON.stringify({ ...result, version: browser.version() })}`);
} finally {
  await browser.close();
}
