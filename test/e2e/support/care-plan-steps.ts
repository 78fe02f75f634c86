/**
 * Browser steps of the care plan screen, for the clinician app journey: from any page of a launched app,
 * open "Care plan", apply the condition templates, complete and save the plan (or revise the existing one),
 * open the printable patient copy, record the hand-over, and check the page shows the saved plan.
 */
import type { Locator, Page } from 'playwright-core';

const PROGNOSIS = 'Expected to stay stable at home with regular follow-up (browser journey).';

/** Clicks `target` and waits until the page's URL matches `url`. */
async function go(page: Page, target: Locator, url: RegExp): Promise<void> {
  await Promise.all([page.waitForURL(url), target.click()]);
}

/** Fails with what the page says (its alerts, or its heading) unless it shows `text`. */
async function shows(page: Page, text: string | RegExp): Promise<void> {
  const alerts = await page.getByRole('alert').allInnerTexts();
  if ((await page.getByText(text).count()) > 0) return;
  const heading = await page
    .getByRole('heading', { level: 1 })
    .first()
    .innerText()
    .catch(() => '');
  throw new Error(
    `the care plan page (${page.url()}, "${heading}") does not show ${String(text)}: ${alerts.join(' | ')}`,
  );
}

/** Opens the builder: straight away without a plan, through "Revise care plan" when one exists. */
async function openBuilder(page: Page): Promise<void> {
  await go(page, page.getByRole('link', { name: 'Care plan', exact: true }), /\/care-plan$/);
  const revise = page.getByRole('link', { name: 'Revise care plan' });
  if ((await revise.count()) > 0) await go(page, revise, /\/care-plan\/edit/);
  await go(page, page.getByRole('button', { name: 'Apply templates' }), /\/care-plan\/edit/);
}

/** The care plan journey: build, save, print, hand over. */
export async function carePlanSteps(page: Page): Promise<void> {
  await openBuilder(page);
  await page.getByLabel('Expected outcome and prognosis', { exact: true }).fill(PROGNOSIS);
  const substantial = page.getByLabel('Substantial revision (problems, goals or interventions changed)');
  if ((await substantial.count()) > 0) await substantial.check();
  await go(page, page.getByRole('button', { name: 'Save care plan' }), /\/care-plan$/);
  await shows(page, /Care plan (saved|substantially revised and saved)/);

  await go(page, page.getByRole('link', { name: 'Printable copy' }), /\/care-plan\/print$/);
  await page.getByRole('heading', { name: 'Your care plan' }).waitFor();
  await shows(page, PROGNOSIS);
  await go(page, page.getByRole('link', { name: 'Back to care plan' }), /\/care-plan$/);

  await page.getByLabel('How the copy was given').selectOption('paper');
  const date = page.getByLabel('Date given');
  if ((await date.inputValue()) === '') throw new Error('the hand-over date is not pre-filled');
  await go(page, page.getByRole('button', { name: 'Record hand-over' }), /\/care-plan$/);
  await shows(page, 'Hand-over recorded');
  await shows(page, /Copy given to the patient on \d{4}-\d{2}-\d{2} \(Paper copy, in person\)\./);
  await page.getByRole('heading', { name: 'Measurable goals' }).waitFor();
  await shows(page, PROGNOSIS);
}
