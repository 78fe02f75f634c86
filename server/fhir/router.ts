/**
 * The FHIR router: a route table over path shapes (R4 http.html#summary), generic over every resource
 * type in the R4 table. It maps a FhirRequest to one interaction and nothing else.
 */
import type { FhirRequest, FhirResponse } from './request.js';
import { methodNotAllowed, notFound } from './outcomes.js';
import type { FhirServices } from './services.js';
import { bundleInteraction } from './bundles/interaction.js';
import { guard } from './access/enforce.js';
import { capabilityInteraction } from './capability.js';
import { historyInteraction } from './interactions/history.js';
import { patchInteraction } from './interactions/patch.js';
import { readInteraction, vreadInteraction } from './interactions/read.js';
import { compartmentSearchInteraction } from './interactions/compartment.js';
import { searchInteraction } from './interactions/search.js';
import {
  conditionalDeleteInteraction,
  conditionalUpdateInteraction,
  createInteraction,
  deleteInteraction,
  updateInteraction,
} from './interactions/write.js';

type Handler = (
  services: FhirServices,
  req: FhirRequest,
  params: Record<string, string>,
) => Promise<FhirResponse>;

/** A CapabilityStatement interaction code (capabilitystatement.html: TypeRestfulInteraction / SystemRestfulInteraction). */
export type InteractionCode =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'search-type'
  | 'history-system'
  | 'capabilities'
  | 'transaction'
  | 'batch'
  | 'operation';

interface Route {
  /** Path pattern: literal segments, `:type` (a resource type), `:id`, `:vid`. */
  pattern: string[];
  methods: Partial<Record<string, { code?: InteractionCode; handler: Handler }>>;
}

const h = (code: InteractionCode | undefined, handler: Handler) => ({ code, handler });

/** Operations take GET and POST (and DELETE for cancelling async jobs); the registry checks each one's own. */
const operationMethods = (handler: Handler) => ({
  GET: h('operation', handler),
  POST: h('operation', handler),
  DELETE: h('operation', handler),
});

const routes: Route[] = [
  // POST [base] with a transaction or batch Bundle (http.html#transaction); `batch` is listed beside it.
  {
    pattern: [],
    methods: {
      // Entries run with the Bundle's access context (fhir/access/bundle-checks.ts).
      POST: h('transaction', (s, r) =>
        bundleInteraction(s, r, (s2, sub) => route(s2, { ...sub, auth: r.auth })),
      ),
    },
  },
  {
    pattern: ['metadata'],
    methods: { GET: h('capabilities', (s, r) => capabilityInteraction(s, r, implementedInteractions())) },
  },
  { pattern: ['_history'], methods: { GET: h('history-system', (s, r) => historyInteraction(s, r, {})) } },
  {
    pattern: [':op'],
    methods: operationMethods((s, r, p) =>
      s.operations.invoke({ services: s, req: r, level: 'system' }, p.op),
    ),
  },
  {
    pattern: [':type', ':op'],
    methods: operationMethods((s, r, p) =>
      s.operations.invoke({ services: s, req: r, level: 'type', type: p.type }, p.op),
    ),
  },
  {
    pattern: [':type', ':id', ':op'],
    methods: operationMethods((s, r, p) =>
      s.operations.invoke({ services: s, req: r, level: 'instance', type: p.type, id: p.id }, p.op),
    ),
  },
  {
    pattern: [':type'],
    methods: {
      GET: h('search-type', (s, r, p) => searchInteraction(s, r, p.type, r.query)),
      POST: h('create', (s, r, p) => createInteraction(s, r, p.type)),
      PUT: h('update', (s, r, p) => conditionalUpdateInteraction(s, r, p.type)),
      DELETE: h('delete', (s, r, p) => conditionalDeleteInteraction(s, r, p.type)),
    },
  },
  {
    pattern: [':type', '_search'],
    methods: { POST: h('search-type', (s, r, p) => searchInteraction(s, r, p.type, searchParamsOfPost(r))) },
  },
  {
    pattern: [':type', '_history'],
    methods: { GET: h('history-type', (s, r, p) => historyInteraction(s, r, { type: p.type })) },
  },
  {
    pattern: [':type', ':id'],
    methods: {
      GET: h('read', (s, r, p) => readInteraction(s, r, p.type, p.id)),
      PUT: h('update', (s, r, p) => updateInteraction(s, r, p.type, p.id)),
      PATCH: h('patch', (s, r, p) => patchInteraction(s, r, p.type, p.id)),
      DELETE: h('delete', (s, r, p) => deleteInteraction(s, r, p.type, p.id)),
    },
  },
  {
    // Patient compartment search (compartmentdefinition.html#search); not a type-level interaction code.
    pattern: ['Patient', ':id', ':type'],
    methods: { GET: h(undefined, (s, r, p) => compartmentSearchInteraction(s, r, p.id, p.type, r.query)) },
  },
  {
    pattern: ['Patient', ':id', '*'],
    methods: { GET: h(undefined, (s, r, p) => compartmentSearchInteraction(s, r, p.id, '*', r.query)) },
  },
  {
    pattern: ['Patient', ':id', ':type', '_search'],
    methods: {
      POST: h(undefined, (s, r, p) =>
        compartmentSearchInteraction(s, r, p.id, p.type, searchParamsOfPost(r)),
      ),
    },
  },
  {
    pattern: [':type', ':id', '_history'],
    methods: {
      GET: h('history-instance', (s, r, p) => historyInteraction(s, r, { type: p.type, id: p.id })),
    },
  },
  {
    pattern: [':type', ':id', '_history', ':vid'],
    methods: { GET: h('vread', (s, r, p) => vreadInteraction(s, r, p.type, p.id, p.vid)) },
  },
];

/** POST _search takes its parameters from the URL and an x-www-form-urlencoded body (search.html#Introduction). */
function searchParamsOfPost(req: FhirRequest): Array<[string, string]> {
  const form = typeof req.body === 'string' ? [...new URLSearchParams(req.body).entries()] : [];
  return [...req.query, ...form];
}

function match(route: Route, segments: string[], types: ReadonlySet<string>): Record<string, string> | null {
  if (route.pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const p = route.pattern[i];
    const s = segments[i];
    if (p === ':type') {
      if (!types.has(s)) return null;
    } else if (p === ':op') {
      if (!s.startsWith('$')) return null;
    } else if (p === ':id' && s.startsWith('$')) {
      return null;
    } else if (!p.startsWith(':') && p !== s) {
      return null;
    }
    if (p.startsWith(':')) params[p.slice(1)] = s;
  }
  return params;
}

/** The interactions the route table implements, at type and system level, for the CapabilityStatement. */
export function implementedInteractions(): { type: InteractionCode[]; system: InteractionCode[] } {
  const type = new Set<InteractionCode>();
  const system = new Set<InteractionCode>();
  for (const r of routes) {
    for (const m of Object.values(r.methods)) {
      if (!m?.code || m.code === 'capabilities' || m.code === 'operation') continue;
      (r.pattern[0] === ':type' ? type : system).add(m.code);
      if (m.code === 'transaction') system.add('batch');
    }
  }
  return { type: [...type], system: [...system] };
}

/** Routes a request to its interaction; 404 for unknown paths or types, 405 for unsupported methods. */
export async function route(services: FhirServices, req: FhirRequest): Promise<FhirResponse> {
  // the registry holds the SearchParameters registered at run time before any request uses it
  await services.runtimeParams?.ready();
  for (const r of routes) {
    const params = match(r, req.segments, services.resourceTypes);
    if (!params) continue;
    const method = r.methods[req.method];
    const handler = method?.handler;
    if (!handler) {
      throw methodNotAllowed(
        `${req.method} is not supported on /${req.segments.join('/')} (allowed: ${Object.keys(r.methods).join(', ')})`,
      );
    }
    // SMART scopes are enforced per interaction (fhir/access/enforce.ts).
    return guard(services, req, method?.code, params, (s) => handler(s, req, params));
  }
  const first = req.segments[0];
  if (first && /^[A-Z]/.test(first) && !services.resourceTypes.has(first)) {
    throw notFound(`Unknown resource type ${JSON.stringify(first.slice(0, 64))}`);
  }
  throw notFound(`No FHIR interaction at /${req.segments.join('/').slice(0, 200)}`);
}
