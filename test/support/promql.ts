/**
 * Reads PromQL with Prometheus's own grammar (`@prometheus-io/lezer-promql`): syntax errors,
 * the metric selectors with the labels they match on, and the grouping clauses (`by`, `without`,
 * `on`, `ignoring`, `group_left/right`) with the metrics they group. For tests that check a
 * dashboard against what the service exports.
 */
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** A vector selector: `metric{label="…", …}`. */
export interface PromqlSelector {
  /** The metric name (undefined for a selector with matchers only). */
  readonly metric: string | undefined;
  /** Label names its matchers use. */
  readonly labels: readonly string[];
}

/** A grouping clause and the metrics selected in the expression it applies to. */
export interface PromqlGrouping {
  /** `by` / `without` of an aggregation, `on` / `ignoring` / `group` of a binary operation. */
  readonly kind: 'by' | 'without' | 'on' | 'ignoring' | 'group';
  readonly labels: readonly string[];
  /** Metric names selected inside the aggregation (or on either side of the binary operation). */
  readonly metrics: readonly string[];
}

/** What an expression selects and groups by. */
export interface PromqlFacts {
  /** Syntax errors, as `at N: …context…`; empty when the expression parses. */
  readonly errors: readonly string[];
  readonly selectors: readonly PromqlSelector[];
  readonly groupings: readonly PromqlGrouping[];
}

/** Grafana's interval variables, replaced by a duration so the text is plain PromQL. */
const GRAFANA_INTERVALS = /\$(?:__rate_interval|__interval|__range)\b|\$\{(?:__rate_interval|__interval|__range)\}/g;

/** Replaces Grafana's interval variables (`$__rate_interval`, `$__interval`, `$__range`) with `5m`. */
export function withoutGrafanaIntervals(expr: string): string {
  return expr.replace(GRAFANA_INTERVALS, '5m');
}

function text(expr: string, node: SyntaxNode): string {
  return expr.slice(node.from, node.to);
}

function labelNames(expr: string, node: SyntaxNode | null): string[] {
  return node ? node.getChildren('LabelName').map((n) => text(expr, n)) : [];
}

function metricsUnder(expr: string, node: SyntaxNode): string[] {
  const out: string[] = [];
  const cursor = node.cursor();
  const end = node.to;
  do {
    if (cursor.from >= end) break;
    if (cursor.name === 'VectorSelector') {
      const id = cursor.node.getChild('Identifier');
      if (id) out.push(text(expr, id));
    }
  } while (cursor.next());
  return out;
}

function groupingKind(expr: string, labels: SyntaxNode): PromqlGrouping['kind'] {
  let prev = labels.prevSibling;
  while (prev && prev.name !== 'By' && prev.name !== 'Without' && prev.name !== 'On' && prev.name !== 'Ignoring' && prev.name !== 'GroupLeft' && prev.name !== 'GroupRight') {
    prev = prev.prevSibling;
  }
  switch (prev?.name) {
    case 'By':
      return 'by';
    case 'Without':
      return 'without';
    case 'On':
      return 'on';
    case 'Ignoring':
      return 'ignoring';
    default:
      // `sum (x) by (l)` puts the modifier after the body; `group_left(...)` copies labels.
      return labels.parent?.name === 'AggregateModifier' ? (/^without/i.test(text(expr, labels.parent)) ? 'without' : 'by') : 'group';
  }
}

/** Parses `expr` (Grafana interval variables allowed) and collects its selectors and groupings. */
export function analysePromql(source: string): PromqlFacts {
  const expr = withoutGrafanaIntervals(source);
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const selectors: PromqlSelector[] = [];
  const groupings: PromqlGrouping[] = [];
  tree.iterate({
    enter(ref) {
      const node = ref.node;
      if (ref.type.isError) {
        errors.push(`at ${ref.from}: …${expr.slice(Math.max(0, ref.from - 20), ref.from + 20)}…`);
        return;
      }
      if (ref.name === 'VectorSelector') {
        const id = node.getChild('Identifier');
        const matchers = node.getChild('LabelMatchers');
        const labels: string[] = [];
        for (const m of matchers ? matchers.getChildren('UnquotedLabelMatcher') : []) labels.push(...labelNames(expr, m));
        if (matchers && matchers.getChildren('QuotedLabelMatcher').length + matchers.getChildren('QuotedLabelName').length > 0) {
          errors.push(`at ${ref.from}: quoted (UTF-8) label or metric names are not supported here`);
        }
        selectors.push({ metric: id ? text(expr, id) : undefined, labels });
      }
      if (ref.name === 'GroupingLabels') {
        let scope = node.parent;
        while (scope && scope.name !== 'AggregateExpr' && scope.name !== 'BinaryExpr') scope = scope.parent;
        groupings.push({ kind: groupingKind(expr, node), labels: labelNames(expr, node), metrics: scope ? metricsUnder(expr, scope) : [] });
      }
      return undefined;
    },
  });
  if (expr.trim() === '') errors.push('empty expression');
  return { errors, selectors, groupings };
}

/** Reads Grafana's `label_values(metric, label)` / `label_values(label)` variable queries. */
export function parseLabelValuesQuery(query: string): { metric: string | undefined; label: string } | undefined {
  const m = /^\s*label_values\(\s*(?:([^,()]+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  if (!m) return undefined;
  return { metric: m[1], label: m[2]! };
}
