/**
 * Server-side rendering of the dashboard pages with Handlebars: every value is HTML-escaped by `{{ }}`;
 * the only unescaped output is the page body, which is itself a rendered template. One private Handlebars
 * environment per server (no global helpers or partials).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const VIEWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');
export const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');

/** What the layout shows around a page. */
export interface LayoutData {
  title: string;
  user?: { name: string };
  csrf?: string;
  /** Load Chart.js and the dashboard script. */
  scripts?: boolean;
}

/** The compiled templates. */
export class Views {
  private readonly templates = new Map<string, Handlebars.TemplateDelegate>();

  constructor(dir: string = VIEWS_DIR) {
    const hb = Handlebars.create();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs'))) {
      this.templates.set(path.basename(file, '.hbs'), hb.compile(readFileSync(path.join(dir, file), 'utf8')));
    }
  }

  private template(name: string): Handlebars.TemplateDelegate {
    const t = this.templates.get(name);
    if (!t) throw new Error(`no view ${name}`);
    return t;
  }

  /** Renders a page inside the layout. */
  page(name: string, data: object, layout: LayoutData): string {
    const body = this.template(name)(data);
    return this.template('layout')({ user: undefined, csrf: undefined, scripts: false, ...layout, body });
  }
}
