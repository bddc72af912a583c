// GraphiQL as a person uses it, in headless Chromium (Debian's, through playwright-core):
// the first view says how to sign in; once the Authorization header is typed in, the schema
// loads (the documentation explorer lists the fields) and the default query runs (its answer's
// first lines are what the response pane shows).
// node playground.mjs URL AUTHORIZATION BROWSER; prints one JSON object.
import { chromium } from 'playwright-core';

const [url, authorization, executablePath] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = {};
try {
  const page = await browser.newPage();
  await page.goto(url);
  // The first view: the sign-in instructions where the schema's refusal would be.
  await page.waitForSelector('text=Sign in to load the schema', { timeout: 15000 });
  out.firstView = (await page.locator('.graphiql-response').innerText()).trim();

  // Type the header into the Headers editor, as a person would.
  await page.locator('button[data-name="headers"]').click();
  const headers = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
  await headers.click();
  await page.keyboard.type(JSON.stringify({ Authorization: authorization }));

  // The schema loads: the documentation explorer shows the query type and its fields.
  await page.getByLabel('Show Documentation Explorer').click();
  const explorer = page.locator('.graphiql-doc-explorer');
  await explorer.locator('a:has-text("Query")').first().click({ timeout: 15000 });
  await explorer.locator('text=companies').first().waitFor({ timeout: 15000 });
  out.documented = await explorer.innerText();

  // And the default query runs, signed in.
  await page.getByLabel('Execute query (Ctrl-Enter)').click();
  await page.waitForFunction(
    () => (document.querySelector('.graphiql-response') || {}).innerText?.includes('"customers"'),
    null, { timeout: 15000 });
  out.answer = await page.locator('.graphiql-response').innerText();
} catch (error) {
  out.error = String(error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
