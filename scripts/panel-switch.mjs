// How fast the page switches panels while the engine trains: a long LeNet-300-100 run on
// the CPU route (the threaded engine, the site served cross-origin isolated), and, once it
// is under way, `switches` round trips Train -> Prune -> Train, each timed in the page from
// the click to the frame that shows the other panel (as tests/e2e/responsiveness.test.js
// times its clicks, with the same helpers). Prints every switch and the medians, for
// comparing builds.
//
// Usage: node scripts/panel-switch.mjs <dist dir>... [--switches N]
//   e.g. node scripts/panel-switch.mjs dist build/dist-before
import { clickUntilShown, launch, openPage, progressPast, waitForStartup } from "../tests/e2e/browser.js";
import { serve } from "../tests/e2e/server.js";
import { link } from "../tests/e2e/links.js";

const args = process.argv.slice(2);
const at = args.indexOf("--switches");
const switches = at >= 0 ? Number(args[at + 1]) : 12;
const dists = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
if (dists.length === 0 || !(switches > 0)) {
  console.error("usage: node scripts/panel-switch.mjs <dist dir>... [--switches N]");
  process.exit(2);
}
// 40 epochs: the run outlasts every switch with room to spare.
const RUN = { train_samples: 6000, test_samples: 1000, epochs: 40, eval_every: 50 };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const dist of dists) {
  const server = await serve(dist, { isolated: true });
  const browser = await launch({ webgpu: false });
  const { page, close } = await openPage(browser);
  await page.goto(server.url + "?backend=cpu" + link("train", RUN));
  await waitForStartup(page);
  await page.waitForFunction(() => document.querySelector("main")?.getAttribute("data-panels-built") === "5", null, { timeout: 30_000 });
  await page.locator('[data-testid="panel-train"] [data-testid="run"]').click();
  await progressPast(page, 0.05);
  const drawn = async (click, shown) => {
    const [from, to] = await clickUntilShown(page, click, shown);
    return to - from;
  };
  const away = [];
  const back = [];
  for (let i = 0; i < switches; i++) {
    away.push(await drawn('[data-testid="tab-prune"]', '[data-testid="panel-prune"] [data-testid="busy-elsewhere"]'));
    await page.waitForTimeout(300);
    back.push(await drawn('[data-testid="tab-train"]', '[data-testid="panel-train"] [data-testid="progress"]'));
    await page.waitForTimeout(300);
  }
  const running = await page.locator('[data-testid="run-row"][data-status="finished"]').count() === 0;
  const list = (xs) => xs.map((x) => x.toFixed(0)).join(" ");
  console.log(
    `${dist}: to Prune ${list(away)} (median ${median(away).toFixed(0)} ms); back ${list(back)} ` +
      `(median ${median(back).toFixed(0)} ms)${running ? "" : "; the run ended before the last switch"}`,
  );
  await close();
  await browser.close();
  await server.close();
}
