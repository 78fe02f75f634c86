/**
 * Server-rendered pages of the authorization server and the /ehr simulator (handlebars, HTML-escaped by
 * default). Pages are never cached, and may only be framed by this origin (clickjacking, RFC 6749 §10.13).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';
import Handlebars from 'handlebars';

type Template = (data: Record<string, unknown>) => string;

/** A set of views from one folder, rendered inside `layout.hbs` of the auth views. */
export class Views {
  private readonly cache = new Map<string, Template>();
  private readonly layout: Template;
  private readonly hbs = Handlebars.create();

  constructor(private readonly dir: string) {
    this.layout = this.hbs.compile(readFileSync(path.join(AUTH_VIEWS, 'layout.hbs'), 'utf8'));
  }

  private template(name: string): Template {
    let t = this.cache.get(name);
    if (!t) {
      t = this.hbs.compile(readFileSync(path.join(this.dir, `${name}.hbs`), 'utf8'));
      this.cache.set(name, t);
    }
    return t;
  }

  /** Renders `name` with `data` as a full page. */
  render(res: Response, status: number, name: string, data: Record<string, unknown>): void {
    const body = this.template(name)(data);
    res.status(status).set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
    });
    res.send(this.layout({ title: data.title ?? 'ccm-fhir', body }));
  }
}

/** The folder of the authorization server's views. */
export const AUTH_VIEWS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');
