// The portal in a real browser (docs/portal.md): a customer approver logs in through the OpenID
// Connect provider, reads the release's diff and accepts it, after which the promotion that was
// refused for want of an acceptance is allowed; a reader logged in with a password sees no
// accept button; a forged cross-origin POST without the session's CSRF token is refused and
// changes nothing. Every page is saved as a screenshot (the path is printed).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  acceptanceOf,
  controlRepoHistory,
  executeRollout,
  planRollout,
  releaseDiff,
} from '../../src/release/index.js';
import type { RolloutContext } from '../../src/release/index.js';
import { RELEASE } from '../server/api-harness.js';
import { portalHarness, skipReason } from './portal-harness.js';
import type { PortalHarness } from './portal-harness.js';

const CUSTOMER = 'muster-ag';
const WEB2 = 'data/vm/muster-ag/production/web2.yaml';
const NODE = '/r/alpine-it/c/muster-ag';
const APPROVER_EMAIL = 'anna@muster.example';
const SCREENS = process.env.AARE_TEST_SCREENSHOTS ?? join(tmpdir(), 'aare-portal-screenshots');
/** Inside muster-ag's production window, the release's first production window. */
const PROMOTE_AT = '2027-03-08T22:30:00+01:00';

const skip = skipReason();
let h: PortalHarness;

before(async () => {
  if (skip) return;
  mkdirSync(SCREENS, { recursive: true });
  h = await portalHarness({ anna: { email: APPROVER_EMAIL } });
  const anna = await h.api.principal('anna', [{ role: 'customer-approver', scope: NODE }]);
  await h.api.store.db
    .updateTable('access_principals')
    .set({ oidc_subject: APPROVER_EMAIL })
    .where('id', '=', anna.user.id)
    .execute();
  // HEAD gives web2 more workers after the freeze: the release would take them back, a change
  // the diff shows side by side
  const web2 = join(h.api.dir, 'control', WEB2);
  writeFileSync(web2, readFileSync(web2, 'utf8').replace('workers: 8', 'workers: 12'));
  execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.ch', 'commit', '-qam', 'web2: more workers'],
    {
      cwd: join(h.api.dir, 'control'),
    },
  );
  await h.api.principal('rolf', [{ role: 'customer-reader', scope: NODE }], {
    password: 'rolf-reads-only-42',
  });
  // the release on muster-ag's test, as `aare release deploy` leaves it (without infrastructure)
  const deployed = await executeRollout(
    await rollout(new Date('2027-03-01T09:00:00+01:00')),
    (
      await planRollout(await rollout(new Date('2027-03-01T09:00:00+01:00')), {
        release: RELEASE,
        env: 'test',
        customer: CUSTOMER,
        maintenance: h.api.app.controlRepo().provider.maintenance,
      })
    ).value!,
  );
  assert.deepEqual(deployed.diagnostics, []);
});

after(async () => {
  if (!skip) await h.close();
});

async function rollout(now: Date): Promise<RolloutContext> {
  const app = h.api.app;
  return {
    store: h.api.store,
    // moving a distribution signs its repodata, as `aare release deploy` does
    repoService: await app.repoService({ signing: true }),
    controlRepo: app.controlRepo(),
    history: controlRepoHistory(app.config.controlRepoDir, async (commit) => {
      const at = await app.atCommit(commit);
      return { controlRepo: at.controlRepo(), hiera: at.hiera() };
    }),
    now,
    actor: 'test',
  };
}

/** What `aare release promote --env production --customer muster-ag` would do at PROMOTE_AT. */
async function promotion() {
  const plan = await planRollout(await rollout(new Date(PROMOTE_AT)), {
    release: RELEASE,
    env: 'production',
    customer: CUSTOMER,
    maintenance: h.api.app.controlRepo().provider.maintenance,
  });
  assert.deepEqual(plan.diagnostics, []);
  return plan.value!.steps;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

test(
  'an approver logs in through OpenID Connect, reads the diff and accepts; the promotion is then allowed',
  { skip },
  async (t) => {
    t.diagnostic(`screenshots: ${SCREENS}`);
    const refused = await promotion();
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.status, 'refused');
    assert.deepEqual(
      refused[0]!.diagnostics.map((d) => d.code),
      ['RELEASE_NOT_ACCEPTED'],
      refused[0]!.diagnostics.map((d) => d.summary).join('; '),
    );

    const ctx = await h.context();
    const page = await ctx.newPage();
    try {
      await page.goto(h.url);
      await page.getByRole('heading', { name: 'Log in to Aare' }).waitFor();
      await shot(page, '01-login');
      await page.getByRole('link', { name: /organisation’s account/ }).click();
      // the provider's own login and consent pages
      await page.waitForURL((u) => u.origin === h.issuer);
      await shot(page, '02-provider-login');
      await page.locator('input[name=login]').fill('anna');
      await page.locator('input[name=password]').fill('any');
      await page.locator('button[type=submit]').click();
      await page.waitForLoadState();
      if (new URL(page.url()).origin === h.issuer) {
        await shot(page, '03-provider-consent');
        await page.locator('button[type=submit]').click();
      }
      await page.waitForURL((u) => u.origin === h.url);
      // the customer's page: environments, VMs, releases
      await page.getByRole('heading', { level: 1, name: /Muster/ }).waitFor();
      assert.equal(
        await page.evaluate('document.activeElement?.tagName'),
        'H1',
        "the new page's heading has the focus",
      );
      await page.getByRole('heading', { name: 'Virtual machines' }).waitFor();
      assert.ok((await page.getByRole('row').count()) > 3);
      await shot(page, '04-customer');

      const cookies = await ctx.cookies(h.url);
      const session = cookies.find((c) => c.name === 'aare_session');
      assert.ok(session, 'the session cookie is set');
      assert.equal(session.httpOnly, true);
      assert.equal(session.secure, true);
      assert.equal(session.sameSite, 'Lax');

      await page.getByRole('link', { name: `Review the changes of ${RELEASE}` }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`Release ${RELEASE}`) }).waitFor();
      await page.getByRole('heading', { name: /^Packages/ }).waitFor();
      assert.match(await page.locator('#decision-state').innerText(), /Not decided yet/);
      await shot(page, '05-release-diff');

      // by keyboard: the comment, then Tab to the accept button and Enter
      await page.getByLabel('Comment (optional)').fill('checked on test, go ahead');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement?.textContent'), `Accept release ${RELEASE}`);
      await page.keyboard.press('Enter');
      await page
        .getByRole('status')
        .filter({ hasText: `Release ${RELEASE} accepted.` })
        .waitFor();
      await page
        .locator('#decision-state')
        .filter({ hasText: /accepted by user:anna/ })
        .waitFor();
      await shot(page, '06-accepted');

      // on a phone: the same page without sideways scrolling of the page itself
      const phone = await h.context({ phone: true });
      try {
        await phone.addCookies(cookies);
        const p = await phone.newPage();
        await p.goto(`${h.url}/#/customers/${CUSTOMER}/releases/${RELEASE}`);
        await p.getByRole('heading', { name: /^Packages/ }).waitFor();
        const overflow = (await p.evaluate(
          'document.documentElement.scrollWidth - window.innerWidth',
        )) as number;
        assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
        await shot(p, '07-phone-release-diff');
      } finally {
        await phone.close();
      }
    } finally {
      await ctx.close();
    }

    const ctx2 = await rollout(new Date(PROMOTE_AT));
    const diff = (await releaseDiff(ctx2, RELEASE, CUSTOMER)).value!;
    const acc = await acceptanceOf(ctx2, RELEASE, CUSTOMER, diff);
    assert.equal(acc?.decision, 'accepted');
    assert.equal(acc?.decidedBy, 'user:anna');
    const allowed = await promotion();
    assert.equal(allowed[0]!.status, 'move', JSON.stringify(allowed[0]!.diagnostics));
    assert.deepEqual(allowed[0]!.diagnostics, []);
  },
);

test(
  'a reader logged in with a password sees no accept button; a forged cross-origin POST is refused',
  { skip },
  async () => {
    const ctx = await h.context();
    const page = await ctx.newPage();
    try {
      await page.goto(h.url);
      await page.getByLabel('User name').fill('rolf');
      await page.getByLabel('Password').fill('rolf-reads-only-42');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: /Muster/ }).waitFor();
      await page.getByRole('link', { name: `Review the changes of ${RELEASE}` }).click();
      await page.getByRole('heading', { name: /^Packages/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: /Accept/ }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /Reject/ }).count(), 0);
      await shot(page, '08-reader-release-diff');

      // another origin's page (same site, other port: the cookie is sent) posts a decision
      const before = await decisions();
      const evil = await ctx.newPage();
      await evil.goto(`${h.issuer}/.well-known/openid-configuration`);
      await evil.setContent(
        `<form method="POST" enctype="text/plain" action="${h.url}/api/v1/releases/${RELEASE}/customers/${CUSTOMER}/decision">` +
          `<input name='{"decision":"rejected","comment":"' value='forged"}'></form>`,
      );
      const answer = evil.waitForResponse((r) => r.url().includes('/decision'));
      await evil.evaluate('document.forms[0].submit()');
      const res = await answer;
      assert.equal(res.status(), 403);
      assert.equal((await res.json()).code, 'CSRF_REFUSED');
      await shot(evil, '09-forged-post-refused');

      // the same with a JSON body from outside the browser, the session cookie but no token
      const cookie = (await ctx.cookies(h.url)).find((c) => c.name === 'aare_session')!;
      const forged = await fetch(`${h.url}/api/v1/releases/${RELEASE}/customers/${CUSTOMER}/decision`, {
        method: 'POST',
        headers: {
          cookie: `aare_session=${cookie.value}`,
          'content-type': 'application/json',
          origin: h.issuer,
        },
        body: JSON.stringify({ decision: 'rejected' }),
      });
      assert.equal(forged.status, 403);
      assert.equal(((await forged.json()) as { code: string }).code, 'CSRF_REFUSED');
      assert.deepEqual(await decisions(), before, 'nothing was decided');
    } finally {
      await ctx.close();
    }
  },
);

test('the provider sees every customer, the calendar and the audit log', { skip }, async () => {
  await h.api.principal('petra', [{ role: 'provider-operator', scope: '/' }], {
    password: 'petra-operates-42',
  });
  const ctx = await h.context();
  const page = await ctx.newPage();
  try {
    await page.goto(h.url);
    await page.getByLabel('User name').fill('petra');
    await page.getByLabel('Password').fill('petra-operates-42');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'All customers' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Customers (5)' }).count(), 1);
    await shot(page, '10-provider-customers');
    await page.getByRole('link', { name: 'Maintenance calendar' }).click();
    await page.getByRole('heading', { level: 1, name: 'Maintenance calendar' }).waitFor();
    await shot(page, '11-provider-windows');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByRole('cell', { name: 'user:anna' }).first().waitFor();
    await shot(page, '12-provider-audit');
  } finally {
    await ctx.close();
  }
});

test('a reseller sees its own customers only', { skip }, async () => {
  await h.api.principal('rita', [{ role: 'reseller-admin', scope: '/r/alpine-it' }], {
    password: 'rita-resells-42',
  });
  const ctx = await h.context({ phone: true });
  const page = await ctx.newPage();
  try {
    await page.goto(h.url);
    await page.getByLabel('User name').fill('rita');
    await page.getByLabel('Password').fill('rita-resells-42');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your customers' }).waitFor();
    await page.getByRole('heading', { name: 'Customers (3)' }).waitFor();
    assert.equal(await page.getByRole('link', { name: /Uhrwerk/ }).count(), 0, "another reseller's customer");
    await shot(page, '13-reseller-phone');
  } finally {
    await ctx.close();
  }
});

test("an operator deploys to test from the release's page and follows the job live", { skip }, async () => {
  await h.api.principal('otto', [{ role: 'provider-operator', scope: '/' }], {
    password: 'otto-operates-42',
  });
  const ctx = await h.context();
  const page = await ctx.newPage();
  try {
    await page.goto(h.url);
    await page.getByLabel('User name').fill('otto');
    await page.getByLabel('Password').fill('otto-operates-42');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'All customers' }).waitFor();
    await page.goto(`${h.url}/#/customers/${CUSTOMER}/releases/${RELEASE}`);
    await page.getByRole('button', { name: 'Deploy to test' }).click();
    const progress = page.getByRole('log', { name: 'Progress: Deploy to test' });
    // the end state is written once the stream's last event has reached the page
    const end = progress.getByText(/^Job job-\S+ (succeeded|failed)/);
    await end.waitFor({ timeout: 60_000 });
    await shot(page, '14-operator-deploy-progress');
    const id = /^Job (job-\S+) /.exec(await end.innerText())![1]!;
    const job = await h.api.store.db
      .selectFrom('api_jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const events = await h.api.store.db
      .selectFrom('api_job_events')
      .selectAll()
      .where('job_id', '=', id)
      .orderBy('seq')
      .execute();
    // every event the job recorded is a line of the region, in order, ending with the last one
    const lines = await progress.getByRole('listitem').allInnerTexts();
    assert.deepEqual(
      lines.map((l) => l.split(':')[0]),
      events.map((e) => e.type),
    );
    assert.equal(events[0]!.type, 'job.started');
    assert.equal(events.at(-1)!.type, `job.${job.state}`);
    assert.match(await end.innerText(), new RegExp(`^Job ${id} ${job.state}`));
    if (job.state === 'failed') {
      const codes = (JSON.parse(job.result!) as { errors: { code: string }[] }).errors.map((e) => e.code);
      for (const code of codes) assert.match(await end.innerText(), new RegExp(code));
    }
  } finally {
    await ctx.close();
  }
});

async function decisions() {
  return h.api.store.db.selectFrom('release_decisions').selectAll().execute();
}
