/**
 * One policy statement against the Service Authorization Reference: every action exists, the resources can
 * match a resource type each action accepts (an action without resource-level permissions needs "*"), and
 * every condition key is valid for the actions it governs (global `aws:` keys aside).
 */
import type { Statement } from "../policy";
import { conditionKeyMatches, intersects, isAnyResource } from "./arn-pattern";
import type { ReferenceException } from "./exceptions";
import type { IamReference, ResolvedAction } from "./reference";
import type { Resolved } from "./terraform-arns";

export interface StatementProblems {
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions: string[];
}

/** One `Action` entry: a name, or a wildcard standing for every action it matches. */
interface ActionEntry {
  readonly entry: string;
  readonly wildcard: boolean;
  readonly actions: readonly ResolvedAction[];
}

const list = (items: readonly string[]) => items.join(", ");

export function judgeStatement(
  s: Statement,
  label: string,
  reference: IamReference,
  resolve: (resource: string) => Resolved,
  exceptions: readonly ReferenceException[],
): StatementProblems {
  const problems: StatementProblems = { actions: [], resources: [], conditions: [] };
  const entries: ActionEntry[] = [];
  for (const entry of s.actions) {
    if (entry === "*") continue;
    const actions = reference.actions(entry);
    if (actions.length === 0) {
      problems.actions.push(`${label}: ${entry} is not an action of the Service Authorization Reference`);
      continue;
    }
    entries.push({ entry, wildcard: /[*?]/.test(entry), actions });
  }
  // NotAction grants what it does not list: its resources and conditions cannot be judged per action.
  if (s.hasNotAction || entries.length === 0) return problems;

  const exceptionsOf = (action: ResolvedAction) =>
    exceptions.filter((e) => e.action.toLowerCase() === action.name.toLowerCase());
  const formatsOf = (action: ResolvedAction): string[] => [
    ...action.formats.values(),
    ...exceptionsOf(action).flatMap((e) => (e.arnFormat ? [e.arnFormat] : [])),
  ];

  if (!s.hasNotResource && s.resources.length > 0) {
    const patterns: string[] = [];
    let unresolved = false;
    for (const resource of s.resources) {
      const resolved = resolve(resource);
      if ("error" in resolved) {
        problems.resources.push(`${label}: ${resolved.error}`);
        unresolved = true;
      } else patterns.push(resolved.pattern);
    }
    const accepts = (action: ResolvedAction, pattern: string) =>
      isAnyResource(pattern) || formatsOf(action).some((format) => intersects(format, pattern));
    const actionProblems: string[] = [];
    for (const { entry, actions } of entries) {
      if (patterns.some((p) => actions.some((a) => accepts(a, p)))) continue;
      const formats = [...new Set(actions.flatMap(formatsOf))];
      actionProblems.push(
        formats.length === 0
          ? `${label}: ${entry} takes no resource-level permission, so it needs Resource "*" (got ${list(patterns)})`
          : `${label}: no resource (${list(patterns)}) matches a resource type ${entry} accepts (${list(formats)})`,
      );
    }
    // A resource no action of the statement can use (reported once the actions themselves are fine).
    if (actionProblems.length === 0)
      for (const pattern of patterns)
        if (!entries.some(({ actions }) => actions.some((a) => accepts(a, pattern))))
          actionProblems.push(
            `${label}: resource ${pattern} matches no resource type that ${list(entries.map((e) => e.entry))} accept`,
          );
    // With a reference unresolved, the missing match may be that resource: its own problem says enough.
    if (!unresolved) problems.resources.push(...actionProblems);
  }

  for (const [operator, keys] of s.conditions) {
    for (const key of keys.keys()) {
      if (key.startsWith("aws:")) continue;
      const supports = (action: ResolvedAction) =>
        action.conditionKeys.some((template) => conditionKeyMatches(template, key)) ||
        exceptionsOf(action).some((e) => e.conditionKey?.toLowerCase() === key);
      const unsupported = entries
        .filter(({ wildcard, actions }) => (wildcard ? !actions.some(supports) : !supports(actions[0])))
        .map((e) => e.entry);
      if (unsupported.length > 0)
        problems.conditions.push(
          `${label}: condition key ${key} (${operator}) is not valid for ${list(unsupported)}`,
        );
    }
  }
  return problems;
}
