// Browser end-to-end test of sessionauth: the HTML sign-in and account pages and the JSON API, used the
// way a person and a single-page app would, in Debian's headless Chromium driven by playwright-core.
//
// Run it with ./run.sh, which starts a server and sets:
//   E2E_BASE_URL   the server, e.g. http://127.0.0.1:41234
//   E2E_USERNAME   an existing user...
//   E2E_PASSWORD   ...and their password (the test changes it)
//   E2E_CHROMIUM   the browser (default /usr/bin/chromium)
//   ARTIFACTS_DIR  optional: where screenshots go (the account page, and every open page on failure)
//
// The steps run in order and each depends on the ones before, so the first failure stops the run
// (exit status 1) with the step's name and the assertion that failed.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = requiredEnv('E2E_BASE_URL').replace(/\/+$/, '');
const USERNAME = requiredEnv('E2E_USERNAME');
const PASSWORD = requiredEnv('E2E_PASSWORD');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS_DIR = process.env.ARTIFACTS_DIR || '';
const NEW_PASSWORD = `e2e-changed-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;

// Generous: the machine is slow and shared. Nothing sleeps; these bound the waits.
const ACTION_TIMEOUT = 30_000;
const NAVIGATION_TIMEOUT = 60_000;
const LAUNCH_TIMEOUT = 120_000;
const WHOLE_RUN_TIMEOUT = 10 * 60_000;

// Django's AuthenticationForm message, the same for every failure (web/login.go).
const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';

// The flags that work for Debian's Chromium as root on this kind of machine. Playwright adds its own
// headless flags and a fresh, empty --user-data-dir for every launch (passing one here is refused).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`browser.test.mjs: ${name} is not set; run e2e/browser/run.sh, which starts a server and sets it`);
    process.exit(2);
  }
  return v;
}

const pages = new Map(); // name → page, for screenshots on failure
let stepCount = 0;
let notes = []; // lines printed under the current step's result

async function step(name, fn) {
  stepCount++;
  const t0 = Date.now();
  const label = `  ${String(stepCount).padStart(2)}. ${name}`;
  notes = [];
  try {
    await fn();
  } catch (err) {
    console.log(`${label} … FAILED after ${Date.now() - t0} ms`);
    for (const line of notes) console.log(line);
    err.step = name;
    throw err;
  }
  console.log(`${label} … ok (${Date.now() - t0} ms)`);
  for (const line of notes) console.log(line);
}

async function screenshot(page, name) {
  if (!ARTIFACTS_DIR || page.isClosed()) return;
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `e2e-browser-${name}.png`);
  await page.screenshot({ path, fullPage: true, timeout: ACTION_TIMEOUT });
  notes.push(`      screenshot: ${path}`);
}

async function newContext(browser, name, userAgent) {
  const context = await browser.newContext({ baseURL: BASE_URL, userAgent });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT);
  const page = await context.newPage();
  pages.set(name, page);
  page.on('pageerror', (err) => console.error(`     [${name}] page error: ${err.message}`));
  return { context, page };
}

// pathOf returns the path and query of a page's URL, e.g. "/login?next=%2Faccount".
function pathOf(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

// Runs action (a click that submits a form), waits for the page it leads to (after any redirects) to
// be committed and loaded, and checks that page's path is `pathname`. Returns its response. It fails at
// once, with the page's error message, when the form lands elsewhere (say, a failed sign-in).
async function submitAndWait(page, action, pathname) {
  const main = page.mainFrame();
  const responded = page.waitForResponse(
    (r) => r.request().isNavigationRequest() && r.frame() === main && !(r.status() >= 300 && r.status() < 400),
    { timeout: NAVIGATION_TIMEOUT },
  );
  const committed = page.waitForEvent('framenavigated', { predicate: (f) => f === main, timeout: NAVIGATION_TIMEOUT });
  // If action throws, its error is the one to report, not these waits' (which reject when the test
  // closes the browser).
  responded.catch(() => {});
  committed.catch(() => {});
  await action();
  const response = await responded;
  await committed;
  await page.waitForLoadState('load', { timeout: NAVIGATION_TIMEOUT });
  const landed = new URL(response.url()).pathname;
  if (landed !== pathname) {
    const says = (await page.getByRole('alert').innerText().catch(() => '')).trim();
    assert.fail(`expected to land on ${pathname}, landed on ${response.url()} (${response.status()})${says ? `; the page says: ${says}` : ''}`);
  }
  return response;
}

// The sign-in form, found the way a person finds it: by its labels and its button.
async function signIn(page, username, password, landingPath) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  return submitAndWait(page, () => page.getByRole('button', { name: 'Sign in' }).click(), landingPath);
}

// fetch from the page's own JavaScript, with its cookies, as a single-page app would call the API.
// csrf: 'cookie' sends X-CSRFToken read from document.cookie; 'none' sends no token.
function apiFetch(page, method, path, { json, csrf = 'none' } = {}) {
  return page.evaluate(
    async ({ method, path, json, csrf }) => {
      const headers = { Accept: 'application/json' };
      if (json !== undefined) headers['Content-Type'] = 'application/json';
      if (csrf === 'cookie') {
        const pair = document.cookie.split('; ').find((c) => c.startsWith('csrftoken='));
        if (!pair) throw new Error(`no csrftoken cookie in document.cookie: ${JSON.stringify(document.cookie)}`);
        headers['X-CSRFToken'] = decodeURIComponent(pair.slice('csrftoken='.length));
      }
      const r = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await r.text();
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: r.status, body };
    },
    { method, path, json, csrf },
  );
}

async function cookie(context, name) {
  return (await context.cookies(BASE_URL)).find((c) => c.name === name);
}

function assertSecurityHeaders(response, what) {
  const h = response.headers();
  assert.equal(h['cache-control'], 'no-store', `${what}: Cache-Control`);
  assert.equal(h['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
}

function assertDenied(res, what) {
  assert.ok(res.status === 401 || res.status === 403, `${what}: want 401 or 403, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body?.detail, 'string', `${what}: want {"detail": ...}, got ${JSON.stringify(res.body)}`);
}

// The account page's sessions table (its body rows), located through the section's heading.
function sessionRows(page) {
  return page
    .locator('section')
    .filter({ has: page.getByRole('heading', { name: 'Sessions', exact: true }) })
    .locator('tbody > tr');
}

async function main() {
  const started = Date.now();
  console.log(`browser e2e against ${BASE_URL} with ${CHROMIUM}`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: LAUNCH_TIMEOUT,
  });
  console.log(`  Chromium ${browser.version()}`);
  // Each context gets a recognisable User-Agent so that its session can be told apart on the account
  // page (the Device column shows a label, its title the full User-Agent).
  const ua = (tag) =>
    `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${browser.version()} Safari/537.36 sessionauth-e2e/${tag}`;

  try {
    const A = await newContext(browser, 'A', ua('A'));
    let sessionKeyA;

    await step('A: /account while signed out redirects to /login?next=%2Faccount', async () => {
      const response = await A.page.goto('/account');
      assert.equal(pathOf(A.page), '/login?next=%2Faccount');
      assert.equal(response.status(), 200);
      const redirect = await response.request().redirectedFrom()?.response();
      assert.ok(redirect, 'the /account request was not redirected');
      assert.equal(redirect.status(), 302);
      assertSecurityHeaders(redirect, 'the /account redirect');
      await A.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      const csrf = await cookie(A.context, 'csrftoken');
      assert.ok(csrf, 'the sign-in page set no csrftoken cookie');
      assert.equal(csrf.httpOnly, false, 'csrftoken must be readable by JavaScript');
    });

    await step('A: sign in through the form → /account with the username and the sessions table', async () => {
      const response = await signIn(A.page, USERNAME, PASSWORD, '/account');
      assert.equal(response.status(), 200);
      assertSecurityHeaders(response, 'GET /account');
      await A.page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
      const nav = A.page.getByRole('navigation', { name: 'Account' });
      assert.match(await nav.innerText(), new RegExp(`Signed in as\\s+${USERNAME}`));
      await A.page.getByRole('heading', { name: 'Sessions', exact: true }).waitFor();
      const rows = sessionRows(A.page);
      assert.equal(await rows.count(), 1, 'one session listed');
      await rows.first().getByText('This device').waitFor();
    });

    await step('A: the session cookie is HttpOnly and invisible to document.cookie', async () => {
      const sid = await cookie(A.context, 'sessionid');
      assert.ok(sid, 'no sessionid cookie after signing in');
      assert.equal(sid.httpOnly, true, 'sessionid must be HttpOnly');
      assert.equal(sid.sameSite, 'Lax', 'sessionid SameSite');
      assert.equal(sid.path, '/');
      sessionKeyA = sid.value;
      const visible = await A.page.evaluate(() => document.cookie);
      assert.doesNotMatch(visible, /sessionid/, `document.cookie shows the session: ${visible}`);
      assert.match(visible, /(^|; )csrftoken=/, `document.cookie lacks csrftoken: ${visible}`);
    });

    await step('A: GET /api/auth/me from page JavaScript → 200 with the username', async () => {
      const res = await apiFetch(A.page, 'GET', '/api/auth/me');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.username, USERNAME);
    });

    const title = `A note from the browser ${Date.now()}`;
    await step('A: POST /api/notes with X-CSRFToken from the cookie → 201, listed by GET /api/notes', async () => {
      const res = await apiFetch(A.page, 'POST', '/api/notes', { json: { title, body: 'written by browser.test.mjs' }, csrf: 'cookie' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.title, title);
      assert.equal(typeof res.body.id, 'number');
      const list = await apiFetch(A.page, 'GET', '/api/notes');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.ok(
        list.body.some((n) => n.id === res.body.id && n.title === title),
        `note ${res.body.id} missing from ${JSON.stringify(list.body)}`,
      );
    });

    await step('A: the same POST without X-CSRFToken → 403 "CSRF Failed: ..."', async () => {
      const res = await apiFetch(A.page, 'POST', '/api/notes', { json: { title: 'must not be created' } });
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.match(res.body?.detail ?? '', /^CSRF Failed: /, JSON.stringify(res.body));
      const list = await apiFetch(A.page, 'GET', '/api/notes');
      assert.ok(!list.body.some((n) => n.title === 'must not be created'), 'the note was created without a CSRF token');
    });

    const B = await newContext(browser, 'B', ua('B'));
    await step('B: a second, independent context signs in', async () => {
      await B.page.goto('/login?next=%2Faccount');
      const response = await signIn(B.page, USERNAME, PASSWORD, '/account');
      assert.equal(response.status(), 200);
      const me = await apiFetch(B.page, 'GET', '/api/auth/me');
      assert.equal(me.status, 200, JSON.stringify(me.body));
      const sidB = await cookie(B.context, 'sessionid');
      assert.ok(sidB && sidB.value !== sessionKeyA, 'B must have a session of its own');
    });

    await step("A: reload /account → two sessions; revoke B's with its Revoke button", async () => {
      const response = await A.page.reload();
      assert.equal(response.status(), 200);
      assertSecurityHeaders(response, 'GET /account (reload)');
      const rows = sessionRows(A.page);
      assert.equal(await rows.count(), 2, 'two sessions listed');
      const current = rows.filter({ hasText: 'This device' });
      assert.equal(await current.count(), 1, 'exactly one row is this device');
      assert.equal(await current.getByRole('button', { name: /^Revoke/ }).count(), 0, 'the current session has no Revoke button');
      const rowB = rows.filter({ has: A.page.getByTitle(/sessionauth-e2e\/B$/) });
      assert.equal(await rowB.count(), 1, "B's session is listed");
      await screenshot(A.page, 'account-two-sessions');
      await submitAndWait(A.page, () => rowB.getByRole('button', { name: /^Revoke/ }).click(), '/account');
      await A.page.getByRole('status').getByText('The session was signed out.').waitFor();
      assert.equal(await sessionRows(A.page).count(), 1, 'one session left');
      assert.equal(await sessionRows(A.page).filter({ has: A.page.getByTitle(/sessionauth-e2e\/B$/) }).count(), 0);
      await screenshot(A.page, 'account');
    });

    await step('B: lost access (/account → /login, /api/auth/me → 401/403)', async () => {
      await B.page.goto('/account');
      assert.equal(pathOf(B.page), '/login?next=%2Faccount');
      await B.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      assertDenied(await apiFetch(B.page, 'GET', '/api/auth/me'), "B's GET /api/auth/me after revocation");
    });

    await step('A: still signed in after revoking B', async () => {
      const me = await apiFetch(A.page, 'GET', '/api/auth/me');
      assert.equal(me.status, 200, JSON.stringify(me.body));
    });

    await step('A: change the password through the form → success message, still signed in', async () => {
      await A.page.getByLabel('Old password').fill(PASSWORD);
      await A.page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await A.page.getByLabel('New password confirmation').fill(NEW_PASSWORD);
      const response = await submitAndWait(A.page, () => A.page.getByRole('button', { name: 'Change password' }).click(), '/account');
      assert.equal(response.status(), 200);
      await A.page.getByRole('status').getByText('Your password was changed.').waitFor();
      assert.equal(await A.page.getByRole('alert').getByText(/.+/).count(), 0, 'no error on the page');
      const me = await apiFetch(A.page, 'GET', '/api/auth/me');
      assert.equal(me.status, 200, JSON.stringify(me.body));
      assert.equal(me.body.username, USERNAME);
      const sid = await cookie(A.context, 'sessionid');
      assert.ok(sid, 'A lost its session cookie');
      assert.notEqual(sid.value, sessionKeyA, 'the password change must give the session a new key');
    });

    await step('C: a fresh context cannot sign in with the old password (generic error)', async () => {
      const C = await newContext(browser, 'C', ua('C'));
      await C.page.goto('/login');
      const response = await signIn(C.page, USERNAME, PASSWORD, '/login');
      assert.equal(response.status(), 200);
      await C.page.getByRole('alert').getByText(INVALID_LOGIN, { exact: true }).waitFor();
      assert.equal(await cookie(C.context, 'sessionid'), undefined, 'a failed sign-in must not create a session');
      await C.context.close();
      pages.delete('C');
    });

    await step('D: a fresh context signs in with the new password', async () => {
      const D = await newContext(browser, 'D', ua('D'));
      await D.page.goto('/login?next=%2Faccount');
      await signIn(D.page, USERNAME, NEW_PASSWORD, '/account');
      await D.page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
      const me = await apiFetch(D.page, 'GET', '/api/auth/me');
      assert.equal(me.status, 200, JSON.stringify(me.body));
      await D.context.close();
      pages.delete('D');
    });

    await step('A: sign out with the button → /login, API denied, sessionid cookie gone', async () => {
      await submitAndWait(A.page, () => A.page.getByRole('button', { name: 'Sign out', exact: true }).click(), '/login');
      await A.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      assertDenied(await apiFetch(A.page, 'GET', '/api/auth/me'), 'GET /api/auth/me after signing out');
      assert.equal(await cookie(A.context, 'sessionid'), undefined, 'the sessionid cookie must be deleted');
    });
  } catch (err) {
    notes = [];
    for (const [name, page] of pages) {
      if (!page.isClosed()) notes.push(`      [${name}] at ${page.url()}`);
      await screenshot(page, `failure-${name}`).catch((e) => notes.push(`      screenshot of ${name} failed: ${e.message}`));
    }
    for (const line of notes) console.error(line);
    throw err;
  } finally {
    await browser.close();
  }
  console.log(`PASS: ${stepCount} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const watchdog = setTimeout(() => {
  console.error(`\nFAIL: the whole run took longer than ${WHOLE_RUN_TIMEOUT / 1000} s`);
  process.exit(1);
}, WHOLE_RUN_TIMEOUT);
watchdog.unref();

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`\nFAIL${err.step ? ` in step "${err.step}"` : ''}:`);
    console.error(err.stack || err);
    process.exit(1);
  },
);
