// Browser tests of iamd's console: Debian's headless Chromium driven by
// playwright-core. console/e2e/browser_test.go starts a real iamd,
// creates the users below through the API and runs this script with:
//   IAMD_URL, IAMD_ACCOUNT, IAMD_PASSWORD     the server and the users' password
//   IAMD_MFA_SEED                             the base32 seed of admin's MFA device
//   CHROMIUM                                  the browser's executable
//   IAMD_SHOTS                                where the screenshots go
// Users: "admin" (everything, with an MFA device) and "reader" (iam:Get*,
// iam:List*). Each check that fails throws; the exit status says.
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const base = process.env.IAMD_URL;
const account = process.env.IAMD_ACCOUNT;
const password = process.env.IAMD_PASSWORD;
const shots = process.env.IAMD_SHOTS || "/tmp/iamd-console-shots";
mkdirSync(shots, { recursive: true });

function fail(msg) { throw new Error(msg); }
function expect(cond, msg) { if (!cond) fail(msg); }

// RFC 6238 with SHA-1, 6 digits, 30 s steps (totp package's defaults).
function totp(seedBase32, step) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of seedBase32.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(msg).digest();
  const off = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, "0");
}

let shotN = 0;
async function shot(page, name) {
  shotN++;
  await page.screenshot({ path: join(shots, String(shotN).padStart(2, "0") + "-" + name + ".png"), fullPage: true });
}

async function signIn(page, user) {
  await page.goto(base + "/console/signin");
  await page.fill("#account", account);
  await page.fill("#username", user);
  await page.fill("#password", password);
  await shot(page, "signin-" + user);
  await page.click("#signin");
  await page.waitForLoadState();
}

const results = [];
async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  results.push({ name, ms: Date.now() - t0 });
  console.log("ok  " + name + " (" + (Date.now() - t0) + " ms)");
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  // No page may break its CSP: Chromium reports a violation on the console.
  const violations = [];
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  page.on("pageerror", (e) => violations.push("page error: " + e.message));

  await step("sign in with password and MFA code", async () => {
    await signIn(page, "admin");
    expect(page.url().endsWith("/console/mfa"), "after the password: " + page.url());
    await shot(page, "mfa");
    await page.fill("#code", totp(process.env.IAMD_MFA_SEED, Math.floor(Date.now() / 30000)));
    await page.click("#submit-mfa");
    await page.waitForLoadState();
    expect(page.url().endsWith("/console/home"), "after the code: " + page.url());
    expect((await page.textContent("#who")).includes(":user/admin"), "signed in as admin");
    await shot(page, "home");
  });

  await step("create a user and attach a policy", async () => {
    await page.goto(base + "/console/users");
    await page.fill("#new-username", "e2e-user");
    await page.click("#create-user-submit");
    await page.waitForLoadState();
    expect(page.url().endsWith("/console/users/e2e-user"), "user page: " + page.url());
    expect((await page.textContent("#flash")).includes("created"), "created message");
    await page.fill("#policyarn", "arn:aws:iam::aws:policy/ReadOnlyAccess");
    await page.click("#attach");
    await page.waitForLoadState();
    expect((await page.textContent("#attached")).includes("ReadOnlyAccess"), "attached policy listed");
    await shot(page, "user");
    await page.goto(base + "/console/users?q=e2e");
    expect((await page.textContent("#users")).includes("e2e-user"), "search finds the user");
    await shot(page, "users");
  });

  await step("create an access key: the secret once, and its CSV", async () => {
    await page.goto(base + "/console/users/e2e-user");
    await page.click("#createkey");
    await page.waitForLoadState();
    const id = (await page.textContent("#new-key-id")).trim();
    const secret = (await page.textContent("#new-key-secret")).trim();
    expect(/^AKIA/.test(id) && secret.length === 40, "key shown: " + id);
    expect(!page.url().includes(secret), "the secret is not in the URL");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download-key")]);
    const csv = readFileSync(await dl.path(), "utf8");
    // AWS's file: its header, then the key.
    expect(csv === "Access key ID,Secret access key\n" + id + "," + secret + "\n", "the CSV in AWS's format: " + JSON.stringify(csv.slice(0, 40)));
    expect(dl.suggestedFilename() === "e2e-user_accessKeys.csv", "the file's name: " + dl.suggestedFilename());
    await shot(page, "accesskey");
    // Shown once: the user's page does not show it again.
    await page.click("#done");
    await page.waitForLoadState();
    expect(!(await page.content()).includes(secret), "the secret is shown once");
    expect((await page.textContent("#keys")).includes(id), "the key is listed");
  });

  await step("an inline policy and an instance profile through their forms", async () => {
    await page.goto(base + "/console/users/e2e-user");
    await page.click(".putinline-form >> xpath=.. >> summary");
    await page.fill('.putinline-form input[name=policyname]', "send-messages");
    await page.fill('.putinline-form textarea[name=document]', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}');
    await page.click('.putinline-form button[type=submit]');
    await page.waitForLoadState();
    expect((await page.textContent("#flash")).includes("send-messages saved"), "saved: " + (await page.textContent("#flash")));
    await page.click('#inline summary:has-text("send-messages")');
    expect((await page.textContent("#inline")).includes("sqs:SendMessage"), "its text shown");
    await shot(page, "user-inline");
    await page.goto(base + "/console/instance-profiles");
    await page.fill("#new-profile", "e2e-profile");
    await page.click("#create-profile-submit");
    await page.waitForLoadState();
    expect(await page.locator('#profiles tr[data-profile="e2e-profile"]').count() === 1, "the profile is listed");
    await shot(page, "instance-profile-created");
  });

  await step("an identity provider: added, found by a search, its page", async () => {
    await page.goto(base + "/console/identity-providers");
    await page.click("#create-oidc >> xpath=.. >> summary");
    await page.fill("#oidc-url", "https://token.actions.githubusercontent.com");
    await page.fill("#oidc-clients", "sts.amazonaws.com");
    await page.click("#create-oidc-submit");
    await page.waitForLoadState();
    expect((await page.textContent("#flash")).includes("created"), "created: " + (await page.textContent("#flash")));
    await page.fill("#search", "TOKEN.actions");
    await Promise.all([page.waitForNavigation(), page.press("#search", "Enter")]);
    const links = page.locator("#providers a.provider-link");
    expect(await links.count() === 1, "the search finds the provider");
    await shot(page, "identity-providers-search");
    await Promise.all([page.waitForNavigation(), links.first().click()]);
    expect(page.url().includes("/console/identity-providers/oidc?arn="), "provider page: " + page.url());
    expect((await page.textContent("#oidc-url")).includes("token.actions.githubusercontent.com"), "its URL");
    expect((await page.textContent("#client-ids")).includes("sts.amazonaws.com"), "its audience");
    // Its forms: an audience added, a tag set, each shown on the page again.
    await page.fill("#add-client input[name=client]", "e2e-audience");
    await Promise.all([page.waitForNavigation(), page.click("#add-client button[type=submit]")]);
    expect((await page.textContent("#flash")).includes("e2e-audience"), "audience added: " + (await page.textContent("#flash")));
    expect((await page.textContent("#client-ids")).includes("e2e-audience"), "the added audience");
    await page.fill("#tag-form input[name=key]", "team");
    await page.fill("#tag-form input[name=value]", "e2e-team");
    await Promise.all([page.waitForNavigation(), page.click("#tag-form button[type=submit]")]);
    expect((await page.textContent("#tags")).includes("e2e-team"), "the tag");
    await shot(page, "identity-provider");
  });

  await step("a malformed policy shows the finding at its line", async () => {
    await page.goto(base + "/console/policy-editor");
    await page.waitForSelector("#findings .ok");
    const bad = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:GetObject" "Resource": "*"}\n  ]\n}';
    await page.fill("#document", bad);
    await page.waitForSelector("#findings li.finding.error");
    const f = page.locator("#findings li.finding.error").first();
    expect((await f.getAttribute("data-line")) === "4", "finding at line 4: " + (await f.textContent()));
    expect((await f.textContent()).includes("Line 4"), "the finding names its line");
    expect(await page.locator("#gutter b.error").count() === 1, "the gutter marks the line");
    expect((await page.textContent("#gutter b.error")) === "4", "gutter mark on line 4");
    await shot(page, "editor-malformed");
    // A wildcard grant: lint's security finding.
    await page.fill("#document", '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}');
    await page.waitForFunction(() => document.querySelector("#findings").textContent.includes("wildcard-action"));
    await shot(page, "editor-lint");
  });

  await step("the simulator shows the deciding statement", async () => {
    await page.goto(base + "/console/simulator");
    // The principal picked from the account's users and roles (a datalist).
    const reader = page.locator('#principal-list option[value$=":user/reader"]');
    expect(await reader.count() === 1, "the picker offers the reader");
    expect((await page.getAttribute("#sim-principal", "list")) === "principal-list", "the field is tied to the picker");
    await page.fill("#sim-principal", await reader.getAttribute("value"));
    await page.fill("#sim-actions", "iam:GetUser\niam:CreateUser");
    await page.click("#simulate");
    await page.waitForSelector("#sim-results");
    const rows = page.locator("#sim-results tbody tr");
    expect(await rows.count() === 2, "two results");
    expect((await rows.nth(0).locator(".decision").textContent()) === "allowed", "GetUser allowed");
    expect((await rows.nth(1).locator(".decision").textContent()) === "implicitDeny", "CreateUser denied");
    const hl = rows.nth(0).locator("mark.hl");
    expect(await hl.count() > 0, "the deciding statement is highlighted");
    expect((await hl.allTextContents()).join("").includes("iam:Get*"), "highlighted text is the statement");
    await shot(page, "simulator");
  });

  await step("credential report: table and CSV download", async () => {
    await page.goto(base + "/console/credential-report");
    await page.waitForSelector("#report");
    expect(await page.locator("#report td.nomfa").count() > 0, "users without MFA highlighted");
    await page.click("#report thead th:first-child a");
    await page.waitForLoadState();
    expect((await page.getAttribute("#report thead th:first-child", "aria-sort")) === "ascending", "sorted");
    await page.click("#report thead th:first-child a");
    await page.waitForLoadState();
    expect((await page.getAttribute("#report thead th:first-child", "aria-sort")) === "descending", "sorted down");
    const first = await page.textContent("#report tbody tr:first-child td:first-child");
    expect(first === "reader" || first === "e2e-user" || first > "e", "descending order: " + first);
    await shot(page, "credential-report");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download-report")]);
    const csv = readFileSync(await dl.path(), "utf8");
    expect(csv.startsWith("user,arn,user_creation_time"), "report CSV: " + csv.slice(0, 60));
    expect(csv.includes("e2e-user"), "the report lists the new user");
  });

  await step("the other pages", async () => {
    // Every page of the console, each kept as a screenshot (the CI's
    // artefacts): the lists, the first entry of each, the account's.
    for (const [path, name] of [["/console/groups", "groups"], ["/console/roles", "roles"], ["/console/policies", "policies"],
      ["/console/instance-profiles", "instance-profiles"], ["/console/identity-providers", "identity-providers"],
      ["/console/security-credentials", "security-credentials"], ["/console/account", "account"],
      ["/console/audit", "audit"], ["/console/audit?action=CreateUser&decision=allowed", "audit-filtered"]]) {
      const resp = await page.goto(base + path);
      expect(resp.status() === 200, path + ": " + resp.status());
      await shot(page, name);
      const first = await page.$("table.list tbody a[href^='/console/']");
      if (first && ["groups", "roles", "policies"].includes(name)) {
        const href = await first.getAttribute("href");
        const r = await page.goto(base + href);
        expect(r.status() === 200, href + ": " + r.status());
        await shot(page, name.replace(/s$/, "").replace(/ie$/, "y"));
      }
    }
    expect((await page.textContent("#audit")).includes("CreateUser"), "audit log shows the console's CreateUser");
  });

  await step("the permissions graph of the analysis fixture, with an escalation path", async () => {
    await page.goto(base + "/console/graph");
    // The escalation edges come after the first view.
    await page.waitForSelector("#graph[data-escalations=true]");
    for (const id of [":user/heidi", ":group/admins", ":role/admin-role"]) {
      expect(await page.locator('#graph .node[data-id$="' + id + '"]').count() === 1, "node " + id);
    }
    expect(await page.locator("#graph .edge.e-member").count() > 0, "membership edges");
    expect(await page.locator("#graph .edge.e-assume").count() > 0, "trust edges");
    expect(await page.locator("#graph .edge.e-escalate").count() > 0, "escalation edges");
    await shot(page, "graph");
    const esc = page.locator('#escalations li[data-principal$=":user/heidi"]');
    expect(await esc.count() === 1, "heidi's escalation is listed");
    expect((await esc.textContent()).includes("iam:AttachUserPolicy"), "its technique: " + (await esc.textContent()));
    await esc.click();
    expect(await page.locator("#graph .edge.esc-path").count() >= 1, "the path is drawn");
    expect(await page.locator('#graph .node.esc-path[data-id$=":user/heidi"]').count() === 1, "from heidi");
    await shot(page, "graph-escalation");
    // Filter, then a node's own edges.
    await page.fill("#graph-filter", "developers");
    await page.waitForFunction(() => document.querySelector("#graph-status").textContent.includes("match “developers”"));
    expect(await page.locator("#graph .node:not(.dim)").count() >= 1, "filter keeps the match");
    await page.fill("#graph-filter", "");
    await page.waitForFunction(() => !document.querySelector("#graph-status").textContent.includes("match “"));
    await page.locator('#graph .node[data-id$=":group/admins"]').click();
    expect(await page.locator("#graph .edge.hot").count() >= 1, "the group's edges");
  });

  // The state-changing forms of a page (sign-out and the simulator, a read, aside).
  const writeForms = (page) => page.locator('form[method="post"]:not([action="/console/signout"]):not([action="/console/simulator"])');
  const formPages = ["/console/users", "/console/users/e2e-user", "/console/groups", "/console/roles", "/console/policies", "/console/account", "/console/policy-editor"];

  await step("a full user sees the write forms", async () => {
    // Still signed in as admin.
    for (const path of formPages.filter((p) => p !== "/console/policies")) {
      await page.goto(base + path);
      expect(await writeForms(page).count() > 0, "admin sees forms on " + path);
    }
    await page.goto(base + "/console/users/e2e-user");
    for (const id of ["#attach-form", "#createkey-form", "#delete-form", "#tag-form"]) {
      expect(await page.locator(id).count() === 1, "admin's user page has " + id);
    }
  });

  await step("a read-only user sees read-only pages", async () => {
    await page.click("#signout");
    await page.waitForLoadState();
    expect(page.url().endsWith("/console/signin"), "signed out");
    await signIn(page, "reader");
    expect(page.url().endsWith("/console/home"), "reader signed in: " + page.url());
    for (const path of formPages) {
      await page.goto(base + path);
      const n = await writeForms(page).count();
      expect(n === 0, "the reader sees " + n + " forms on " + path);
    }
    await page.goto(base + "/console/users/e2e-user");
    expect((await page.textContent("#attached")).includes("ReadOnlyAccess"), "the reader still sees the user's policies");
    expect(await page.locator("#signout").count() === 1, "the reader can sign out");
    await shot(page, "reader-user");
  });

  await step("a read-only user's crafted post is refused with the explanation", async () => {
    await page.goto(base + "/console/users");
    await shot(page, "reader-users");
    // The form the page left out, built by hand with the session's token
    // (the sign-out form's), and posted as the browser would.
    await page.evaluate(() => {
      const f = document.createElement("form");
      f.method = "post";
      f.action = "/console/users";
      for (const [k, v] of [["csrf", document.querySelector('form[action="/console/signout"] input[name=csrf]').value], ["username", "not-allowed"]]) {
        const i = document.createElement("input");
        i.type = "hidden"; i.name = k; i.value = v;
        f.appendChild(i);
      }
      document.body.appendChild(f);
      f.submit();
    });
    await page.waitForSelector("#error");
    const err = await page.textContent("#error");
    expect(err.includes("AccessDenied"), "AccessDenied shown: " + err);
    expect(err.includes("is not authorized to perform: iam:CreateUser") && err.includes("because no identity-based policy allows the iam:CreateUser action"), "the explanation: " + err);
    expect(await writeForms(page).count() === 0, "the refusal's page has no forms");
    await shot(page, "reader-refused");
  });

  await step("a user whose password was reset changes it before anything else", async () => {
    await page.click("#signout");
    await page.waitForLoadState();
    await signIn(page, "resetter");
    expect(page.url().endsWith("/console/change-password"), "sent to change the password: " + page.url());
    await page.goto(base + "/console/users");
    expect(page.url().endsWith("/console/change-password"), "no other page first: " + page.url());
    await shot(page, "change-password");
    await page.fill("#old", password);
    await page.fill("#new", password + "-New9!");
    await page.fill("#confirm", password + "-New9!");
    await page.click("#change");
    await page.waitForLoadState();
    expect(page.url().endsWith("/console/home"), "signed in after the change: " + page.url());
  });

  expect(violations.length === 0, "CSP violations or script errors: " + violations.join("; "));
  console.log(JSON.stringify({ ok: true, steps: results, screenshots: shots }));
} catch (e) {
  console.error("FAIL: " + e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
