/**
 * Element-count limits of a written resource, checked before validation and indexing (whose cost grows
 * with the number of elements): a resource with an array longer than `maxArrayItems`, or with more than
 * `maxElements` JSON values in all, is refused with one `too-long` issue (R4 issue type: "typically, this is
 * a denial of service protection") whose expression is the FHIRPath of the element where the limit was
 * crossed (e.g. `Patient.name`). The walk is iterative and stops at the limit, so its own cost is bounded.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { issue } from '../outcomes.js';

/** The element-count limits (configuration: RESOURCE_MAX_ARRAY_ITEMS, RESOURCE_MAX_ELEMENTS). */
export interface SizeLimits {
  /** Most items in any one array of a resource. */
  maxArrayItems: number;
  /** Most JSON values (objects, array items, primitives) in a resource, contained resources included. */
  maxElements: number;
}

/** The defaults (README "Configuration"). */
export const DEFAULT_SIZE_LIMITS: SizeLimits = { maxArrayItems: 10_000, maxElements: 100_000 };

/** One value waiting to be visited, with what is needed to name it. */
interface Node {
  value: unknown;
  parent: Node | undefined;
  /** Property name, or array index. */
  step: string | number;
}

/** The FHIRPath of a node: `Type.a[3].b` (`root` is the resource type). */
function pathOf(node: Node, root: string): string {
  const steps: string[] = [];
  for (let n: Node | undefined = node; n?.parent; n = n.parent) {
    steps.push(typeof n.step === 'number' ? `[${n.step}]` : `.${n.step}`);
  }
  return root + steps.reverse().join('');
}

/** The issue of the element at `node`. */
function tooLong(node: Node, root: string, diagnostics: string): OperationOutcomeIssue {
  return issue('too-long', diagnostics, pathOf(node, root));
}

/** Walks the values under `root` depth first; the first limit crossed, if any, as an issue. */
function walk(resource: object, root: string, limits: SizeLimits): OperationOutcomeIssue | undefined {
  const stack: Node[] = [{ value: resource, parent: undefined, step: root }];
  let count = 1;
  const over = (node: Node) =>
    tooLong(
      node,
      root,
      `The resource has more than ${limits.maxElements} elements; this server accepts no more`,
    );
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    const v = node.value;
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayItems) {
        return tooLong(
          node,
          root,
          `${v.length} items in one element; at most ${limits.maxArrayItems} are accepted`,
        );
      }
      count += v.length;
      if (count > limits.maxElements) return over(node);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], parent: node, step: i });
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      count += keys.length;
      if (count > limits.maxElements) return over(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ value: (v as Record<string, unknown>)[keys[i]], parent: node, step: keys[i] });
      }
    }
  }
  return undefined;
}

/** The `too-long` issue when `resource` is over a limit, else undefined (also for values that are not JSON). */
export function sizeIssue(resource: unknown, limits: SizeLimits): OperationOutcomeIssue | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const rt = (resource as { resourceType?: unknown }).resourceType;
  const root = typeof rt === 'string' && /^[A-Za-z]{1,64}$/.test(rt) ? rt : 'Resource';
  try {
    return walk(resource, root, limits);
  } catch {
    return undefined; // a hostile non-JSON value (a throwing Proxy): the validator reports it
  }
}
