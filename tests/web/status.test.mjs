// status.test.mjs - the live status page at / in headless Chromium: live figures while the demo
// publisher sends through RabbitMQ, a phone-sized layout, and "API unavailable" when weir stops.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { Weir, browser, publish, screenshotPath, watchedPage } from "./lib.mjs";

const PHONE = { width: 390, height: 844 };
let weir, b;
before(async () => {
  weir = await new Weir("status").start();
  b = await browser();
});
after(async () => {
  await b?.close();
  await weir?.stop();
});

const number = (s) => Number(String(s).replace(/[^0-9.]/g, ""));

test("shows a non-zero rate, the queue and the newest events while events flow", async () => {
  const pub = publish(weir, { rate: 40, seconds: 90 });
  try {
    const page = await watchedPage(b, weir.url());
    await page.goto(weir.url("/"));
    // Two polls of /v1/stats 2 s apart with events stored in between.
    await page.waitForFunction(() => {
      const rate = Number(document.getElementById("rate").textContent.replace(/[^0-9.]/g, ""));
      return document.getElementById("api-state").dataset.state === "ok" && rate > 0;
    }, null, { timeout: 45000 });
    assert.ok(number(await page.textContent("#rate")) > 0);
    assert.ok(number(await page.textContent("#stored")) > 0);
    assert.match(await page.textContent("#queue-depth"), /^[0-9][0-9,.\s]*$/);
    await page.waitForSelector("#events tbody tr:not(.empty)", { timeout: 15000 });
    assert.ok(await page.isHidden("#unavailable"));
    await page.waitForTimeout(12000); // more bars, and a second read of the stored minutes
    await page.screenshot({ path: screenshotPath("status-page.png") });
    const phone = await watchedPage(b, weir.url(), PHONE);
    await phone.goto(weir.url("/"));
    await phone.waitForSelector("#events tbody tr:not(.empty)", { timeout: 15000 });
    await phone.waitForTimeout(3000);
    await phone.screenshot({ path: screenshotPath("status-page-phone.png"), fullPage: true });
    assert.deepEqual(page.problems.foreign, [], "requests to other origins");
    assert.deepEqual(page.problems.pageErrors, [], "uncaught page errors");
    await phone.close();
    await page.close();
  } finally {
    await pub.stop();
  }
});

test("fits a phone screen: nothing sticks out, the events table needs no sideways scrolling", async () => {
  const page = await watchedPage(b, weir.url(), PHONE);
  await page.goto(weir.url("/"));
  await page.waitForFunction(() => document.getElementById("api-state").dataset.state !== "loading");
  const layout = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wrap = document.querySelector(".table-wrap");
    return {
      scroll: document.documentElement.scrollWidth,
      width,
      outside: [...document.querySelectorAll(".card, .panel")].filter((e) => e.getBoundingClientRect().right > width).length,
      table: [wrap.scrollWidth, wrap.clientWidth],
    };
  });
  assert.ok(layout.scroll <= layout.width, `page is ${layout.scroll}px wide on a ${layout.width}px screen`);
  assert.equal(layout.outside, 0, "cards or panels stick out of the screen");
  assert.ok(layout.table[0] <= layout.table[1], `events table is ${layout.table[0]}px in a ${layout.table[1]}px box`);
  assert.deepEqual(page.problems.pageErrors, [], "uncaught page errors");
  await page.close();
});

test("says \"API unavailable\" when weir stops answering", async () => {
  const page = await watchedPage(b, weir.url());
  await page.goto(weir.url("/"));
  await page.waitForFunction(() => document.getElementById("api-state").dataset.state !== "loading");
  await weir.stop();
  // The next poll cannot connect at all: the banner must say so.
  await page.waitForFunction(() => /no answer/.test(document.getElementById("unavailable-detail").textContent),
    null, { timeout: 15000 });
  assert.ok(await page.isVisible("#unavailable"));
  assert.equal(await page.getAttribute("#api-state", "data-state"), "unavailable");
  assert.match(await page.textContent("#unavailable"), /API unavailable\./);
  await page.screenshot({ path: screenshotPath("status-page-unavailable.png") });
  assert.deepEqual(page.problems.pageErrors, [], "uncaught page errors");
  await page.close();
});
