/**
 * Bounded metric attribute values. Attributes copied from request headers are chosen by clients,
 * so without a cap one client could create an unbounded number of time series. A cap remembers
 * the first N distinct values of an attribute; every later new value is reported as
 * {@link OVERFLOW_VALUE}.
 */
import type { Attributes } from '@opentelemetry/api';

/** Value reported for an attribute once its cap of distinct values is reached. */
export const OVERFLOW_VALUE = 'other';

/** Longest attribute value kept; longer header values are cut to this many characters. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 256;

/**
 * Remembers up to `maxValues` distinct values of one attribute. Memory is bounded by
 * `maxValues × MAX_ATTRIBUTE_VALUE_LENGTH`. Node runs the callers on one thread, so no locking
 * is needed; a value admitted once stays admitted for the life of the cap.
 */
export class AttributeValueCap {
  private readonly seen = new Set<string>();
  private overflowed = false;

  /**
   * @param maxValues distinct values admitted before new ones map to {@link OVERFLOW_VALUE}; at least 1.
   * @param onFirstOverflow called once, the first time a value is refused (for a warning log).
   */
  constructor(
    readonly maxValues: number,
    private readonly onFirstOverflow?: () => void,
  ) {
    if (!Number.isInteger(maxValues) || maxValues < 1) throw new RangeError(`maxValues must be a positive integer, got ${maxValues}`);
  }

  /** Number of distinct values admitted so far. */
  get size(): number {
    return this.seen.size;
  }

  /** Returns `value` (cut to {@link MAX_ATTRIBUTE_VALUE_LENGTH}) if admitted, else {@link OVERFLOW_VALUE}. */
  map(value: string): string {
    const v = value.length > MAX_ATTRIBUTE_VALUE_LENGTH ? value.slice(0, MAX_ATTRIBUTE_VALUE_LENGTH) : value;
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.maxValues) {
      if (!this.overflowed) {
        this.overflowed = true;
        this.onFirstOverflow?.();
      }
      return OVERFLOW_VALUE;
    }
    this.seen.add(v);
    return v;
  }
}

/**
 * Maps configured request headers to metric attributes, one {@link AttributeValueCap} per
 * attribute. Header names are matched lower-cased; absent headers add no attribute.
 */
export class HeaderAttributeMapper {
  private readonly entries: ReadonlyArray<{ readonly header: string; readonly attribute: string; readonly cap: AttributeValueCap }>;

  /**
   * @param mapping header name → attribute name (`{ 'x-tenant': 'tenant' }`).
   * @param maxValues distinct values kept per attribute.
   * @param onOverflow called once per attribute when it first reaches its cap.
   */
  constructor(mapping: Readonly<Record<string, string>>, maxValues: number, onOverflow?: (attribute: string, header: string) => void) {
    this.entries = Object.entries(mapping).map(([header, attribute]) => ({
      header: header.toLowerCase(),
      attribute,
      cap: new AttributeValueCap(maxValues, onOverflow && (() => onOverflow(attribute, header.toLowerCase()))),
    }));
  }

  /** True when no header is mapped (lets callers skip the work). */
  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** Attributes for one request's lower-cased headers. */
  attributes(headers: Readonly<Record<string, string>>): Attributes {
    const out: Attributes = {};
    for (const { header, attribute, cap } of this.entries) {
      const value = headers[header];
      if (value !== undefined) out[attribute] = cap.map(value);
    }
    return out;
  }
}
