// Browser test of the stint portal, run by app/portal_e2e_test.go against
// a real `stint serve` (moto behind it, an in-process OIDC provider in
// front): alice signs in and requests AdministratorAccess in an account of
// the Prod OU; carol (Security) signs in and approves it; alice sees the
// grant active and revokes it. The Go test checks moto between the steps:
// at each "STEP name" line printed here it does its checks and answers
// "ok" on stdin. Screenshots of every page go to $SCREENSHOTS.
//
// Environment: STINT_URL, ACCOUNT (account name), SCREENSHOTS (folder),
// CHROMIUM (the browser's path: Debian's chromium; playwright downloads
// nothing).
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";
import { join } from "node:path";

const base = process.env.STINT_URL;
const account = process.env.ACCOUNT;
const shots = process.env.SCREENSHOTS;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

// step tells the Go test where we are and waits for its go-ahead.
async function step(name, detail = "") {
  console.log(`STEP ${name} ${detail}`.trim());
  const { value, done } = await lines.next();
  if (done || value.trim() !== "ok") throw new Error(`the Go test stopped at ${name}: ${value}`);
}

let n = 0;
const pages = [];
async function shot(page, name) {
  n++;
  const file = join(shots, `${String(n).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
}

// signIn goes through the portal's sign-in and the test provider's page.
async function signIn(browser, email, viewport) {
  const ctx = await browser.newContext({ viewport: viewport || { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  pages.push(page);
  page.on("console", (m) => { if (m.type() === "error") console.log(`console error (${email}): ${m.text()} at ${JSON.stringify(m.location())}`); });
  page.on("pageerror", (e) => console.log(`page error (${email}): ${e.message}`));
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  if (email === "alice@example.com") await shot(page, "sign-in");
  await page.getByRole("link", { name: "Sign in with single sign-on" }).click();
  await page.getByRole("button", { name: email }).click();
  await page.getByRole("heading", { name: "My access" }).waitFor();
  return page;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  // Debian's chromium as root, with nothing phoning home on this machine's
  // closed network; playwright gives each launch a fresh profile.
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});
try {
  // alice requests production access.
  const alice = await signIn(browser, "alice@example.com");
  await shot(alice, "my-access-empty");
  await alice.getByRole("link", { name: "Request", exact: true }).click();
  await alice.getByLabel(/^Search accounts/).fill(account);
  await alice.locator("#choices-count").getByText(`“${account}”`).waitFor(); // htmx narrowed the list
  // htmx narrows the list as she types; the checkbox's label names the account.
  const choice = alice.getByRole("checkbox", { name: new RegExp(`AdministratorAccess in ${account} `) });
  await choice.waitFor();
  await choice.check();
  // htmx previews who approves.
  await alice.locator("#preview").getByText("group:Security").waitFor();
  await alice.getByLabel(/^Duration/).fill("1h");
  await alice.getByLabel("Reason").fill("INC-4211: payments are failing");
  await shot(alice, "request-with-preview");
  await alice.getByRole("button", { name: "Submit request" }).click();
  await alice.getByText("Request submitted.").waitFor();
  const requestID = alice.url().match(/\/requests\/([^?]+)/)[1];
  await shot(alice, "request-submitted");
  await step("submitted", requestID);

  // carol approves, on a phone-sized screen.
  const carol = await signIn(browser, "carol@example.com", { width: 390, height: 844 });
  await carol.getByRole("link", { name: "Approvals" }).click();
  const card = carol.locator(`#request-${requestID}`);
  await card.getByText("INC-4211: payments are failing").waitFor();
  await shot(carol, "approvals-phone");
  await card.getByLabel(/^Comment/).fill("go ahead");
  await card.getByRole("button", { name: "Approve" }).click();
  await carol.getByText("You approved this request.").waitFor();
  await shot(carol, "approved-phone");

  // alice sees the grant active, with its countdown ticking.
  await alice.goto(`${base}/`);
  const grant = alice.locator("article.grant", { hasText: account });
  for (let i = 0; i < 60 && !(await grant.locator(".state-active").count()); i++) {
    await alice.waitForTimeout(250);
    await alice.reload();
  }
  await grant.locator(".state-active").waitFor({ timeout: 1000 });
  const before = await grant.locator(".countdown").textContent();
  await alice.waitForTimeout(1100);
  const after = await grant.locator(".countdown").textContent();
  if (before === after || !/\d+s$/.test(after)) throw new Error(`countdown did not tick: ${before} then ${after}`);
  await shot(alice, "grant-active");
  const grantID = (await grant.getAttribute("id")).replace(/^grant-/, "");
  await step("active", grantID);

  // alice revokes it (htmx swaps the card).
  await grant.getByRole("button", { name: /^Revoke/ }).click();
  await alice.locator(`#grant-${grantID}`).locator(".state-revoking, .state-ended").waitFor();
  await shot(alice, "grant-revoked");
  await step("revoked", grantID);

  // The admin pages, as bob (a stint admin).
  const bob = await signIn(browser, "bob@example.com");
  for (const [path, name] of [["/admin/grants", "admin-grants"], ["/admin/flows?resource=" + encodeURIComponent(`aws-sso:${account}/AdministratorAccess`), "admin-flows-who-can"],
    ["/admin/audit", "admin-audit"], ["/admin/health", "admin-health"], ["/admin/discovery", "admin-discovery"], ["/reviews", "reviews"], ["/admin/reviews/new", "review-new"]]) {
    await bob.goto(`${base}${path}`);
    await shot(bob, name);
  }
  console.log("DONE");
} catch (err) {
  for (const p of pages) await shot(p, "failure").catch(() => {});
  throw err;
} finally {
  await browser.close();
  lines.return?.();
}
process.exit(0);
