// docs.test.mjs - Swagger UI at /docs in headless Chromium: it renders every operation of
// openapi/weir.yaml from the embedded files alone, and "Try it out" on GET /v1/events gets a 200.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { Weir, browser, screenshotPath, specOperations, watchedPage } from "./lib.mjs";

let weir, b;
before(async () => {
  weir = await new Weir("docs").start();
  b = await browser();
});
after(async () => {
  await b?.close();
  await weir?.stop();
});

// "METHOD /path" of every operation block Swagger UI drew (an operation
// with two tags is drawn twice, hence the Set).
async function shownOperations(page) {
  const ops = await page.$$eval(".opblock", (els) => els.map((e) => {
    const m = e.querySelector(".opblock-summary-method");
    const p = e.querySelector(".opblock-summary-path");
    return `${m ? m.textContent.trim() : "?"} ${p ? p.getAttribute("data-path") : "?"}`;
  }));
  return [...new Set(ops)].sort();
}

test("Swagger UI lists every operation of openapi/weir.yaml, loading nothing from elsewhere", async () => {
  const want = specOperations();
  assert.ok(want.length > 0, "openapi/weir.yaml has no operations");
  const page = await watchedPage(b, weir.url());
  await page.goto(weir.url("/docs"));
  await page.locator(".opblock").first().waitFor({ timeout: 20000 });
  assert.deepEqual(await shownOperations(page), want);
  assert.equal(await page.locator(".swagger-ui .errors-wrapper").count(), 0, "Swagger UI shows errors");
  await page.screenshot({ path: screenshotPath("swagger-ui.png") });
  assert.deepEqual(page.problems.foreign, [], "requests to other origins");
  assert.deepEqual(page.problems.pageErrors, [], "uncaught page errors");
  assert.deepEqual(page.problems.console, [], "console errors (CSP violations show here)");
  await page.close();
});

test("\"Try it out\" on GET /v1/events executes and shows a 200", async () => {
  const page = await watchedPage(b, weir.url());
  await page.goto(weir.url("/docs"));
  const op = page.locator(".opblock.opblock-get")
    .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/events"]') }).first();
  await op.waitFor({ timeout: 20000 });
  if (!(await op.evaluate((e) => e.classList.contains("is-open")))) {
    await op.locator(".opblock-summary").first().click();
  }
  await op.getByRole("button", { name: "Try it out" }).click();
  await op.getByRole("button", { name: "Execute" }).click();
  const status = op.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor({ timeout: 20000 });
  assert.equal((await status.textContent()).trim().slice(0, 3), "200");
  await op.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath("swagger-try-it-out.png") });
  assert.deepEqual(page.problems.foreign, [], "requests to other origins");
  await page.close();
});
