// Open a CityTwin scene package's viewer (index.html, served over http by the caller) in
// headless Chromium and report whether CesiumJS really loaded and drew the tileset.
//
// Usage: node cesium_check.mjs <url> <screenshot.png> [--timeout S] [--pick] [--pick-at LON,LAT,H ...]
//
// Waits (at most --timeout seconds, default 90, counted once the page has loaded) until the
// viewer's test hook window.citytwin says the tileset's initial tiles are loaded, lets a few
// frames render and saves a 1024x768 screenshot. Then it clicks like a user: --pick near the
// middle of the view, --pick-at (repeatable) where a WGS 84 longitude/latitude/ellipsoidal
// height appears on screen; around each target it tries nearby pixels until the viewer picks
// something, and reports what the viewer's side panel shows (the view after the last click:
// <screenshot>-picked.png). Prints one JSON report:
// {url, ok, tilesLoaded, allTilesLoaded, ready, timedOut, tileFailures, viewerErrors, fatal,
//  consoleErrors, pageErrors, failedRequests, abortedRequests, picks, pickedScreenshot,
//  frames, cesiumVersion, title, clientError, elapsed_s};
// exits 1 when anything failed or the tiles did not load.
//
// Chromium: Debian's /usr/bin/chromium (CITYTWIN_CHROMIUM overrides), WebGL in software
// (SwiftShader), with the flags below.
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CITYTWIN_CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--ignore-gpu-blocklist",
];
const VIEWPORT = { width: 1024, height: 768 };
const SETTLE_FRAMES = 3;
const MAX_PICK_CLICKS = 40; // per target
// Bound of every other step (browser start, page load, a frame, a screenshot, a click):
// generous, because WebGL runs in software and a busy 2-core machine is many times slower.
const STEP_TIMEOUT_MS = 120000;

function usage(message) {
  console.error(
    `cesium_check: ${message}\n` +
      "usage: node cesium_check.mjs <url> <screenshot.png> [--timeout S] [--pick] [--pick-at LON,LAT,H ...]",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  const options = { timeout: 90, targets: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--timeout") {
      options.timeout = Number(argv[(i += 1)]);
      if (!(options.timeout > 0)) {
        usage("--timeout needs a number of seconds");
      }
    } else if (argv[i] === "--pick") {
      options.targets.push({ target: "centre" });
    } else if (argv[i] === "--pick-at") {
      const values = String(argv[(i += 1)]).split(",").map(Number);
      if (values.length !== 3 || values.some((v) => !Number.isFinite(v))) {
        usage("--pick-at needs LON,LAT,HEIGHT (degrees, degrees, metres)");
      }
      options.targets.push({ target: "lonlat", lonLatHeight: values });
    } else if (argv[i].startsWith("--")) {
      usage(`unknown option ${argv[i]}`);
    } else {
      positional.push(argv[i]);
    }
  }
  if (positional.length !== 2) {
    usage("need a URL and a screenshot path");
  }
  return { url: positional[0], screenshot: positional[1], ...options };
}

// Spiral of pixel offsets around a target: a click between two sparse points picks nothing,
// so a few neighbours are tried.
function* pickOffsets() {
  yield [0, 0];
  for (let radius = 6; radius <= 60; radius += 6) {
    for (let k = 0; k < 8; k += 1) {
      const angle = (k / 8) * 2 * Math.PI;
      yield [Math.round(radius * Math.cos(angle)), Math.round(radius * Math.sin(angle))];
    }
  }
}

const args = parseArgs(process.argv.slice(2));
const started = performance.now();
let deadline = Infinity; // for the tiles: set once the page has loaded
const remainingMs = () => Math.max(1000, deadline - performance.now());

const report = {
  url: args.url,
  screenshot: args.screenshot,
  ok: false,
  tilesLoaded: false,
  allTilesLoaded: false,
  ready: false,
  timedOut: false,
  tileFailures: [],
  viewerErrors: [],
  fatal: null,
  consoleErrors: [],
  pageErrors: [],
  failedRequests: [],
  abortedRequests: [],
  picks: [],
  pickedScreenshot: null,
  frames: 0,
  cesiumVersion: null,
  title: null,
  clientError: null,
  elapsed_s: 0,
};

async function readHook(page) {
  const state = await page.evaluate(() => {
    const c = window.citytwin;
    if (!c) {
      return null;
    }
    return {
      ready: c.ready,
      tilesLoaded: c.tilesLoaded,
      allTilesLoaded: c.allTilesLoaded,
      tileFailures: c.tileFailures,
      errors: c.errors,
      fatal: c.fatal,
      frames: c.frames,
      cesiumVersion: c.cesiumVersion,
      title: document.title,
    };
  });
  if (state === null) {
    report.viewerErrors = ["the page has no window.citytwin test hook (not a CityTwin viewer?)"];
    return;
  }
  report.ready = state.ready;
  report.tilesLoaded = state.tilesLoaded;
  report.allTilesLoaded = state.allTilesLoaded;
  report.tileFailures = state.tileFailures;
  report.viewerErrors = state.errors;
  report.fatal = state.fatal;
  report.frames = state.frames;
  report.cesiumVersion = state.cesiumVersion;
  report.title = state.title;
}

async function pickAround(page, spec) {
  const canvas = await page.locator("#cesium canvas").first().boundingBox();
  let cx = canvas.x + canvas.width / 2;
  let cy = canvas.y + canvas.height / 2;
  if (spec.lonLatHeight) {
    const onScreen = await page.evaluate((llh) => window.citytwin.windowPosition(...llh), spec.lonLatHeight);
    if (!onScreen) {
      return { ...spec, error: "not in view" };
    }
    cx = canvas.x + onScreen.x;
    cy = canvas.y + onScreen.y;
  }
  let attempts = 0;
  for (const [dx, dy] of pickOffsets()) {
    if (attempts >= MAX_PICK_CLICKS) {
      break;
    }
    attempts += 1;
    const before = await page.evaluate(() => window.citytwin.clicks);
    await page.mouse.click(cx + dx, cy + dy);
    await page.waitForFunction((n) => window.citytwin.clicks > n, before);
    const pick = await page.evaluate(() => {
      const p = window.citytwin.lastPick;
      return p ? JSON.parse(JSON.stringify(p)) : null;
    });
    if (pick && (pick.position || pick.feature)) {
      const panel = await page.locator("#pick-table").innerText();
      return { ...spec, ...pick, x: Math.round(cx + dx), y: Math.round(cy + dy), attempts, panel };
    }
  }
  return { ...spec, x: Math.round(cx), y: Math.round(cy), attempts, feature: false, position: null };
}

let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: STEP_TIMEOUT_MS,
  });
  const page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const settle = () =>
    page.evaluate(
      ([frames, ms]) =>
        Promise.race([window.citytwin.afterFrames(frames), new Promise((resolve) => setTimeout(resolve, ms))]),
      [SETTLE_FRAMES, STEP_TIMEOUT_MS],
    );

  page.on("console", (message) => {
    if (message.type() === "error") {
      report.consoleErrors.push(message.text());
    }
  });
  page.on("pageerror", (error) => report.pageErrors.push(String(error && error.stack ? error.stack : error)));
  page.on("requestfailed", (request) => {
    const error = request.failure() ? request.failure().errorText : "unknown";
    // Ignored: net::ERR_ABORTED is a request the page itself cancelled. CesiumJS cancels tile
    // requests it no longer needs when the camera moves on (its RequestScheduler), and a
    // cancelled request is not a broken file. Listed in abortedRequests, not a failure.
    if (error === "net::ERR_ABORTED") {
      report.abortedRequests.push(request.url());
    } else {
      report.failedRequests.push({ url: request.url(), error });
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) {
      report.failedRequests.push({ url: response.url(), status: response.status() });
    }
  });

  await page.goto(args.url, { waitUntil: "load" });
  deadline = performance.now() + args.timeout * 1000;
  try {
    // Stop waiting early on any failure: the report is the same, only sooner.
    await page.waitForFunction(
      () => {
        const c = window.citytwin;
        return c && (c.tilesLoaded || c.fatal || c.errors.length > 0 || c.tileFailures.length > 0);
      },
      null,
      { timeout: remainingMs(), polling: 250 },
    );
  } catch (error) {
    if (error.name !== "TimeoutError") {
      throw error;
    }
    report.timedOut = true;
  }
  await readHook(page);
  if (report.tilesLoaded) {
    // Loaded tiles are drawn in the next frames (requestRenderMode: ask for them).
    await settle();
  }
  await page.screenshot({ path: args.screenshot });
  if (report.tilesLoaded && args.targets.length) {
    for (const spec of args.targets) {
      report.picks.push(await pickAround(page, spec));
    }
    // The view after the last click: side panel filled, a picked feature highlighted.
    await settle();
    report.pickedScreenshot = args.screenshot.replace(/\.png$/i, "") + "-picked.png";
    await page.screenshot({ path: report.pickedScreenshot });
  }
  await readHook(page);
} catch (error) {
  report.clientError = String(error && error.stack ? error.stack : error);
} finally {
  if (browser) {
    await browser.close();
  }
}

report.elapsed_s = Math.round((performance.now() - started) / 100) / 10;
report.ok =
  report.tilesLoaded &&
  !report.timedOut &&
  report.fatal === null &&
  report.clientError === null &&
  report.tileFailures.length === 0 &&
  report.viewerErrors.length === 0 &&
  report.consoleErrors.length === 0 &&
  report.pageErrors.length === 0 &&
  report.failedRequests.length === 0;
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
