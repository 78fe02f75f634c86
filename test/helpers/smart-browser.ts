/**
 * A browser-like HTTP client for end-to-end SMART launches against listening servers: it keeps cookies
 * per host (like a browser, cookies are not separated by port), follows redirects itself (303 and 302
 * turn a POST into a GET) and submits forms as application/x-www-form-urlencoded.
 */

/** A page the browser ended on. */
export interface Page {
  url: string;
  status: number;
  text: string;
  contentType: string;
}

/** A minimal cookie-keeping, redirect-following client. */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();
  /** Every URL visited, in order (redirect hops included). */
  readonly visited: string[] = [];

  private cookieHeader(url: URL): string | undefined {
    const jar = this.jar.get(url.hostname);
    if (!jar || jar.size === 0) return undefined;
    return [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const jar = this.jar.get(url.hostname) ?? new Map<string, string>();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
      this.jar.set(url.hostname, jar);
    }
  }

  /** Requests `url` and follows redirects up to `max` hops. */
  async go(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
    max = 15,
  ): Promise<Page> {
    let current = new URL(url);
    let method = init.method ?? (init.form ? 'POST' : 'GET');
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hop = 0; hop <= max; hop++) {
      this.visited.push(current.toString());
      const headers: Record<string, string> = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' };
      const cookie = this.cookieHeader(current);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.keep(current, res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return {
        url: current.toString(),
        status: res.status,
        text: await res.text(),
        contentType: res.headers.get('content-type') ?? '',
      };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the form of `page` whose action contains `actionPart`, with its hidden fields plus `fields`. */
  async submit(page: Page, actionPart: string, fields: Record<string, string>): Promise<Page> {
    const forms = [...page.text.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((f) => f[1].includes(actionPart));
    if (!form) throw new Error(`no form with action ${actionPart} on ${page.url}`);
    const hidden: Record<string, string> = {};
    for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
      hidden[m[1]] = m[2];
    const action = new URL(form[1].replace(/&amp;/g, '&'), page.url).toString();
    return this.go(action, { form: { ...hidden, ...fields } });
  }
}

/** The option values of a `<select name="...">` in a page. */
export function optionValues(html: string, name: string): string[] {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!select) return [];
  return [...select[1].matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]).filter((v) => v !== '');
}
