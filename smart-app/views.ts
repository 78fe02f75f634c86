/**
 * Handlebars views of the clinician app (`smart-app/views/**.hbs`), rendered inside one layout. Every value
 * is HTML-escaped (`{{ }}`); the layout inserts only the rendered body unescaped. Pages are never cached.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';
import Handlebars from 'handlebars';

type Template = (data: Record<string, unknown>) => string;

/** The folder of the app's views. */
export const VIEWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

const NAME = /^[a-z0-9][a-z0-9\-/]*$/;

/** A set of compiled views with the app's helpers. */
export class AppViews {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Template>();

  constructor(
    private readonly dir = VIEWS_DIR,
    private readonly recompile = false,
  ) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper(
      'includes',
      (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v),
    );
    this.hbs.registerPartial(
      'write-error',
      readFileSync(path.join(dir, 'partials', 'write-error.hbs'), 'utf8'),
    );
  }

  /** The compiled template of `name` (`care-plan/x` → views/care-plan/x.hbs). */
  template(name: string): Template {
    if (!NAME.test(name) || name.includes('..')) throw new Error(`bad view name ${name}`);
    let t = this.recompile ? undefined : this.cache.get(name);
    if (!t) {
      t = this.hbs.compile(readFileSync(path.join(this.dir, `${name}.hbs`), 'utf8'));
      this.cache.set(name, t);
    }
    return t;
  }

  /** Renders `view` with `data` inside the layout and sends it. */
  send(res: Response, status: number, view: string, data: Record<string, unknown>): void {
    const body = this.template(view)(data);
    const html = this.template('layout')({ ...data, body });
    res.status(status).set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.send(html);
  }
}

/** What an error page says: a title, what happened, and what the user can do. */
export interface ErrorPage {
  status: number;
  title: string;
  message: string;
  hint?: string;
}

/** Sends a plain error page (no stack trace, no token, nothing from the request echoed unescaped). */
export function sendError(views: AppViews, res: Response, page: ErrorPage & object): void {
  views.send(res, page.status, 'error', { ...page, pageTitle: page.title, staticBase: '/app/static' });
}
